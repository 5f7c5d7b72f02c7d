-- +goose Up
-- A view of a process's report saved by name: its filters, map view and
-- sliders, as the query's parameters (in JSON, so that erasure reads
-- each value as written). A shared one is offered to everyone who may
-- read the process's reports and apply its filters; the others to their
-- owner alone.
CREATE TABLE saved_views (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    process_id INTEGER NOT NULL REFERENCES processes(id) ON DELETE CASCADE,
    owner_id INTEGER NOT NULL,
    name TEXT NOT NULL,
    query TEXT NOT NULL,
    shared INTEGER NOT NULL CHECK (shared IN (0, 1)),
    created_at INTEGER NOT NULL
);
CREATE INDEX saved_views_process ON saved_views (process_id);

-- +goose Down
DROP TABLE saved_views;
