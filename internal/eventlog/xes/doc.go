// Package xes reads and writes event logs in the XES format (IEEE
// 1849-2016), plain or gzipped.
//
// The reader streams: it holds one event's attributes at a time besides the
// columns of the log it builds. It is built on github.com/orisano/gosax, a
// SAX tokenizer that runs several times faster than encoding/xml, and does
// the checks a tokenizer leaves out itself: tags must nest and close, every
// element must be one that XES defines, typed values must parse. Errors name
// the file, the line and the element.
//
// The attributes concept:name (the activity, or the case id on a trace),
// time:timestamp, org:resource and lifecycle:transition fill the log's
// columns; a date attribute start_timestamp becomes the event's start time.
// Every other attribute is kept, with its type and nested attributes, so a
// log written back says what it said when read.
package xes
