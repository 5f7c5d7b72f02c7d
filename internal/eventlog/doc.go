// Package eventlog is procmine's in-memory model of an event log: cases, their
// events in time order, and the attributes that came with them.
//
// A Log is stored by column, not as a slice of event structs, because every
// analysis in procmine is a scan over one or two columns (activities, times)
// and because a loaded log must stay small: an event without extra
// attributes costs 20 bytes (activity id, timestamp, resource id, lifecycle
// id), and the start-time column aliases the end-time column when the source
// had no separate start times. Activity, resource and lifecycle names are
// interned in a Dict and referred to by int32 ids.
//
// A Log holds events as they stood in the file ("raw events", each with one
// timestamp, as PM4Py counts them). Instances derives the default view, in
// which lifecycle start/complete pairs of the same activity become one
// activity instance with a start and an end time. The importers live in the
// sub-packages xes and csvlog; both build logs through a Builder, which
// groups events into cases and orders them by time, stably.
package eventlog
