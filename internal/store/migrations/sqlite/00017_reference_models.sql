-- +goose Up
-- A process's reference model (BPMN or PNML), which its data is compared
-- with: the file as uploaded, sealed like event data.
CREATE TABLE reference_models (
    process_id INTEGER PRIMARY KEY REFERENCES processes(id) ON DELETE CASCADE,
    format TEXT NOT NULL CHECK (format IN ('bpmn', 'pnml')),
    name TEXT NOT NULL,
    data BLOB NOT NULL,
    updated_at INTEGER NOT NULL,
    updated_by INTEGER NOT NULL
);

-- +goose Down
DROP TABLE reference_models;
