-- +goose Up
-- The column mapping of a process's last upload that had one (as the
-- upload's form fields, in JSON), offered again for its next upload.
CREATE TABLE upload_mappings (
    process_id INTEGER PRIMARY KEY REFERENCES processes(id) ON DELETE CASCADE,
    mapping TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    updated_by INTEGER NOT NULL
);

-- +goose Down
DROP TABLE upload_mappings;
