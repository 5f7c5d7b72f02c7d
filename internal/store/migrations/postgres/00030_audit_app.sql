-- +goose Up
-- What a request was made through (studio, api, mcp), for the audit log:
-- an assistant's calls are told from its user's own.
ALTER TABLE audit ADD COLUMN app TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE audit DROP COLUMN app;
