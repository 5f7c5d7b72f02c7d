-- +goose Up
-- The River job that runs a job, so that a job whose River job has ended
-- without it (discarded after its server died on the last attempt) is
-- found and failed, and its staged upload deleted.
ALTER TABLE jobs ADD COLUMN river_id BIGINT;

-- +goose Down
ALTER TABLE jobs DROP COLUMN river_id;
