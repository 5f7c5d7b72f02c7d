// Package processmap turns a log into the process map people look at: the
// directly-follows graph simplified by two sliders, with frequency or
// performance figures, written as JSON, Graphviz DOT or SVG.
//
// The activities slider keeps the most frequent share of activities; the
// events of the others are removed from the log before the graph is built,
// so the map shows how the kept activities follow each other. The paths
// slider keeps the most frequent share of edges (counting the edges from the
// start and to the end), then adds back the strongest edges needed so that
// every activity on the map can be reached from the start and can reach the
// end: a simplified map never strands an activity.
package processmap
