-- +goose Up
-- What a version takes in a server's memory once loaded (the log and its
-- activity-instance view), measured when it was imported, so that the
-- memory budget is checked before the version is read; 0 for versions
-- imported before, measured when first loaded.
ALTER TABLE log_versions ADD COLUMN resident BIGINT NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE log_versions DROP COLUMN resident;
