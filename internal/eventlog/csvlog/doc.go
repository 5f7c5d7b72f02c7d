// Package csvlog reads and writes event logs as delimited text (CSV, TSV),
// one event per row.
//
// Reading finds the delimiter from the first lines, maps columns to the
// case id, activity, timestamps, resource and lifecycle (from a Mapping, or
// by recognising common header names such as case:concept:name, Case ID,
// Activity, Start Timestamp), and keeps every other column as an attribute:
// a column named case:X becomes case attribute X, the rest event attributes.
// Attribute types are inferred per column (int, float, boolean, date, else
// string), so a log converted from XES and back keeps its types.
package csvlog
