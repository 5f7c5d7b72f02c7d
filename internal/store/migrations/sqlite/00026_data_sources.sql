-- +goose Up
-- A process's database source: a query against PostgreSQL or a SQLite
-- file, read into a new version of the process on demand and on a
-- schedule. connection (the URL or path, with any credentials) is
-- sealed and never shown again; target is what may be shown of it (host,
-- port and database, or the file's name). watermark is the largest value
-- of watermark_column read so far, in JSON with its type; version_id the
-- version the source's last refresh made, which the next incremental
-- refresh appends to. running_since marks a refresh under way (a lease:
-- one that lost its server is taken over after a while), and queued_at a
-- refresh waiting in the queue, so that asking again queues no second
-- one; revision counts the changes of its settings, so that a refresh
-- that read with settings changed since is dropped. created_by is the user the source reads as:
-- its creator, or whoever last gave it its connection.
CREATE TABLE data_sources (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    process_id INTEGER NOT NULL REFERENCES processes(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    target TEXT NOT NULL,
    connection BLOB NOT NULL,
    query TEXT NOT NULL,
    mapping TEXT NOT NULL,
    watermark_column TEXT NOT NULL,
    schedule TEXT NOT NULL,
    next_run_at INTEGER,
    watermark TEXT NOT NULL DEFAULT '',
    version_id INTEGER REFERENCES log_versions(id) ON DELETE SET NULL,
    last_run_at INTEGER,
    last_rows INTEGER NOT NULL DEFAULT 0,
    last_error TEXT NOT NULL DEFAULT '',
    running_since INTEGER,
    queued_at INTEGER,
    revision INTEGER NOT NULL DEFAULT 0,
    created_by INTEGER NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX data_sources_process ON data_sources (process_id);
CREATE INDEX data_sources_due ON data_sources (next_run_at);
-- The built-in roles of existing environments get the data source
-- privileges new ones are made with (access.BuiltInRoles): everything
-- at organization depth for administrators and customizers; create,
-- read, write and delete of their own for makers; create, read and
-- write for the service identity; none for the others. Custom roles
-- read with none.
UPDATE roles SET privileges = privileges || '44444444' WHERE builtin AND length(privileges) = 72 AND name IN ('System Administrator', 'System Customizer');
UPDATE roles SET privileges = privileges || '11110000' WHERE builtin AND length(privileges) = 72 AND name = 'Environment Maker';
UPDATE roles SET privileges = privileges || '44404400' WHERE builtin AND length(privileges) = 72 AND name = 'Process Mining Application';

-- +goose Down
DROP TABLE data_sources;
UPDATE roles SET privileges = substr(privileges, 1, 72) WHERE length(privileges) = 80;
