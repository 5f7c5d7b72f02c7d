-- +goose Up
-- What a finished analysis job computed (an alignment's figures, as the
-- JSON its user would have been answered), sealed, for its user alone.
-- A result is the data's as it was: it goes with its job, with its
-- process, and whenever the process's data changes (a new version, a
-- version deleted or rewritten, an erasure in its environment). exact
-- tells whether it holds exact figures, computed for a user who could
-- read the process's raw data: one who no longer can is not given them.
CREATE TABLE job_results (
    job_id INTEGER PRIMARY KEY REFERENCES jobs(id) ON DELETE CASCADE,
    env_id INTEGER NOT NULL,
    process_id INTEGER NOT NULL REFERENCES processes(id) ON DELETE CASCADE,
    version_id INTEGER NOT NULL,
    exact BOOLEAN NOT NULL,
    content_type TEXT NOT NULL,
    body BLOB NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX job_results_process ON job_results(process_id);
CREATE INDEX job_results_env ON job_results(env_id);

-- +goose Down
DROP TABLE job_results;
