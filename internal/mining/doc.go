// Package mining computes what procmine shows about a log: counts, start and
// end activities, variants, case durations, the directly-follows graph with
// frequency and performance figures, rework, resources and hand-over of
// work, and events over time; and the filters that narrow a log to the part
// of it a person is looking at.
//
// Every function takes an *eventlog.Log and reads it as given: pass
// log.Instances() for the default activity-instance view, or the log itself
// to count every event as it stands in the file (as PM4Py does). Filters
// return a new log, so they compose by calling one on the result of another.
//
// Durations are reported in seconds as float64. Medians and percentiles
// interpolate linearly between the two nearest ranks, as numpy does, so
// figures agree with PM4Py's.
package mining
