// Package procmine is an open-source process mining platform whose defining
// trait is security and privacy. This root package holds no code; it
// documents how the repository is laid out.
//
// The command is cmd/procmine; everything else lives under internal/, one
// package per concept, with dependencies pointing inward to the event log
// model:
//
//	internal/eventlog           the log model: cases, events by column, attributes,
//	                            timestamps, the activity-instance view
//	internal/eventlog/xes       XES import and export (IEEE 1849-2016)
//	internal/eventlog/csvlog    CSV/TSV import and export with column mapping
//	internal/eventlog/parquetlog Parquet import and export, each column its type
//	internal/ocel               object-centric logs (OCEL 2.0, 1.0): reading, flattening, the graph
//	internal/datasource         processes read from databases and folders, incrementally
//	internal/sqliteread         SQLite files from others, opened to be read and nothing else
//	internal/mining             statistics, variants, directly-follows graph,
//	                            rework, resources, timeline, filters
//	internal/processmap         the simplified process map as JSON, DOT and SVG
//	internal/dot                Graphviz's dot layout in-process, one instance behind a lock
//	internal/processtree        process trees: PM4Py's notation, PTML
//	internal/petrinet           Petri nets: from trees, PNML in and out
//	internal/bpmn               BPMN 2.0: from trees, laid out, XML in and out, SVG, to nets
//	internal/discovery/inductive  the inductive miner, IM and IMf
//	internal/discovery/heuristics the heuristics miner
//	internal/conformance        token-based replay: fitness and deviations
//	internal/conformance/align  optimal alignments (A*), fitness as PM4Py gives it;
//	                            alignment-based precision (escaping edges)
//	internal/calendar           working calendars (JSON, an iCalendar subset) and working time
//	internal/compare            two views side by side: key figures, changes, appeared variants
//	internal/rootcause          what goes with an outcome: ranked factors, a decision tree
//	internal/stattest           the statistical tests: Mann-Whitney U, two proportions, Holm
//	internal/generate           synthetic purchase-to-pay logs and replicated
//	                            large logs for benchmarks
//	internal/cli                the command line, one file per verb
//	recorder                    the browser recorder: a Manifest V3 extension in
//	                            plain JavaScript (recorder/extension), packed into a zip
//	internal/pii                personal data in text: e-mails, phones, cards, IBANs, secrets…
//	internal/recording          the recording bundle: recording.json's schema, a safe zip reader
//	internal/privacy            the privacy policy: flag, mask, redact, pseudonymise; screenshot blackout
//	internal/disclosure         disclosure control: what report readers may learn (k, coarsening, noise)
//	internal/erasure            the right to erasure across logs, recordings and the audit log
//	internal/seal               blobs encrypted at rest (AES-256-GCM) and key rotation
//	internal/taskmining         recordings as an event log; time per step, application usage
//	internal/access             the security model: roles, depths, shares, the resolver
//	internal/accesspolicy       conditional access: policies on users, teams, apps, addresses, MFA
//	internal/auth               argon2id password hashes, random tokens kept as digests
//	internal/store              SQLite and PostgreSQL storage, the resolver's SQL twin
//	internal/authz              the authorization layer: every decision on what a caller may do
//	internal/http/request       what handlers read of a request: the caller, path ids, strict JSON
//	internal/http/response      the error contract and JSON answers every route shares
//	internal/report             the report code: kept logs, disclosure control, figures, maps, models
//	internal/studio             the web app's pages, templates and static files
//	internal/api                the REST API, and the server that mounts it with the studio
//	internal/testlogs           finds the shared real-world logs tests read
//
// Each package's comment (its doc.go, where it has one) says what it owns.
package procmine
