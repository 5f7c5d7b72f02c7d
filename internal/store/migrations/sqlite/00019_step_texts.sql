-- +goose Up
-- A step's texts (name, description, application, window title, element
-- name, input) are sealed together with the blob key, like screenshots:
-- what a person typed or saw is not readable in the database file. The key
-- is not known to SQL, so rows stored before keep their texts in the old
-- columns (texts NULL) until the server seals them at start
-- (Store.SealStepTexts), which then empties those columns.
ALTER TABLE recording_steps ADD COLUMN texts BLOB;

-- +goose Down
-- The sealed texts go with the column: a step sealed since reads as empty.
ALTER TABLE recording_steps DROP COLUMN texts;
