-- +goose Up
-- A recording is a live session while state is recording or paused, a
-- draft once stopped, and belongs to a process once published.
CREATE TABLE recordings (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    env_id INTEGER NOT NULL REFERENCES environments(id) ON DELETE CASCADE,
    process_id INTEGER REFERENCES processes(id) ON DELETE CASCADE,
    -- NULL once the recorder was erased (right to erasure).
    recorder_id INTEGER REFERENCES users(id),
    title TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('recording', 'paused', 'stopped', 'published')),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    next_step INTEGER NOT NULL DEFAULT 1,
    CHECK ((state = 'published') = (process_id IS NOT NULL))
);
CREATE INDEX recordings_process ON recordings(process_id, id);
CREATE INDEX recordings_recorder ON recordings(env_id, recorder_id);
-- Steps keep their number for life: n is not reused when a step is deleted.
CREATE TABLE recording_steps (
    recording_id INTEGER NOT NULL REFERENCES recordings(id) ON DELETE CASCADE,
    n INTEGER NOT NULL,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    action TEXT NOT NULL,
    application TEXT NOT NULL,
    window_title TEXT NOT NULL,
    element_name TEXT NOT NULL,
    element_role TEXT NOT NULL,
    element_password INTEGER NOT NULL,
    bounds TEXT NOT NULL,
    input TEXT NOT NULL,
    started_at INTEGER NOT NULL,
    ended_at INTEGER NOT NULL,
    PRIMARY KEY (recording_id, n)
);
CREATE TABLE screenshots (
    recording_id INTEGER NOT NULL,
    n INTEGER NOT NULL,
    data BLOB NOT NULL,
    PRIMARY KEY (recording_id, n),
    FOREIGN KEY (recording_id, n) REFERENCES recording_steps(recording_id, n) ON DELETE CASCADE
);
CREATE TABLE privacy_policies (
    env_id INTEGER PRIMARY KEY REFERENCES environments(id) ON DELETE CASCADE,
    policy TEXT NOT NULL,
    pseudonym_key BLOB NOT NULL
);

-- +goose Down
DROP TABLE privacy_policies;
DROP TABLE screenshots;
DROP TABLE recording_steps;
DROP TABLE recordings;
