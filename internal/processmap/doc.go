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
//
// The frequency view labels activities and paths with counts. The
// performance view labels each path with its mean duration (Duration
// writes it in ms, s, min, h, d or y) and colours it on a five-colour
// sequential scale, explained by a legend; the scale is made from the
// figures the map shows, so a map that disclosure control has passed
// through (see internal/disclosure) is drawn from what its reader may see.
package processmap
