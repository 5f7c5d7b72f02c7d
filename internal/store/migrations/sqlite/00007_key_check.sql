-- +goose Up
-- A value sealed with the blob key, so that a server started with another
-- key refuses to start rather than fail on every read.
CREATE TABLE key_check (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    sealed BLOB NOT NULL
);

-- +goose Down
DROP TABLE key_check;
