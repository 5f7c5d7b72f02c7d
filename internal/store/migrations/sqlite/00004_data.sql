-- +goose Up
CREATE TABLE log_versions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    process_id INTEGER NOT NULL REFERENCES processes(id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    created_by INTEGER NOT NULL,
    source TEXT NOT NULL,
    cases INTEGER NOT NULL,
    events INTEGER NOT NULL,
    data BLOB NOT NULL
);
CREATE INDEX log_versions_process ON log_versions(process_id, id);
CREATE TABLE jobs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    env_id INTEGER NOT NULL,
    process_id INTEGER NOT NULL,
    user_id INTEGER NOT NULL,
    kind TEXT NOT NULL,
    state TEXT NOT NULL,
    progress REAL NOT NULL,
    error TEXT NOT NULL,
    version_id INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX jobs_user ON jobs(user_id);

-- +goose Down
DROP TABLE jobs;
DROP TABLE log_versions;
