// Package disclosure is procmine's disclosure control: what a report
// reader — one who may read a process's reports but not its raw data (a
// Process Mining User, a viewer, a contributor) — may learn from them.
//
// Reports are aggregates, but aggregates of a few cases are those cases:
// narrow a time frame until one case is left and its report is that case's
// start, duration, path and gaps. The package stops that in three ways,
// applied together to every figure a reader receives (see
// docs/security.md for the attacks each one stops and those it does not):
//
//   - Groups of fewer than k cases are not shown. A view (the filters'
//     result) of fewer than k cases is refused with TooFewError; within a
//     view, variants, map activities and paths, histogram bins, timeline
//     periods and task-mining rows of fewer than k cases are left out and
//     counted in Withheld. k is the environment's, DefaultK unless set.
//   - What a reader may ask is coarsened (Coarsen): time frames to whole
//     UTC days, case-duration bounds to whole hours; and what it receives
//     too: durations to two significant figures (Seconds), histogram edges
//     to round widths, timelines to days or longer, and no minimum,
//     maximum or total, each of which one case decides.
//   - Counts carry noise (Guard.Count, Guard.Amount): normal, of standard
//     deviation Sigma, drawn from the environment's key and the set of
//     cases in the view. The same cases asked for in other words get the
//     same noise, so repeating a question does not average it away; two
//     views that differ by one case get independent noise, so their
//     difference does not tell that case's part.
//
// Those who may read raw data get exact figures and are never guarded.
// The API and the studio call the package through one place
// (internal/report/disclosure.go); the decision of who is guarded is the
// authorization layer's (authz.MayReadData).
package disclosure
