-- +goose Up
-- With a blob store (--blob-store), a version's data, a screenshot and a
-- staged upload chunk live in an object of their own, named in "object"
-- (data is then empty); without, object is NULL and data holds the blob.
-- Every object a row stops naming, deleted or replaced, is queued in
-- blob_garbage in the same transaction, and deleted from the blob store
-- once it commits: the database decides what exists.
ALTER TABLE log_versions ADD COLUMN object TEXT;
ALTER TABLE screenshots ADD COLUMN object TEXT;
ALTER TABLE job_uploads ADD COLUMN object TEXT;
CREATE TABLE blob_garbage (name TEXT PRIMARY KEY);
-- The mark of this database's blob store: the same value is kept in the
-- store's object "procmine-store", so that a server given another bucket
-- or prefix, or a second database given this one, is refused at start.
CREATE TABLE blob_store (id INTEGER PRIMARY KEY CHECK (id = 1), mark TEXT NOT NULL);

-- +goose StatementBegin
CREATE TRIGGER log_versions_object_deleted AFTER DELETE ON log_versions WHEN OLD.object IS NOT NULL
BEGIN INSERT OR IGNORE INTO blob_garbage (name) VALUES (OLD.object); END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER log_versions_object_replaced AFTER UPDATE OF object ON log_versions
WHEN OLD.object IS NOT NULL AND (NEW.object IS NULL OR NEW.object <> OLD.object)
BEGIN INSERT OR IGNORE INTO blob_garbage (name) VALUES (OLD.object); END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER screenshots_object_deleted AFTER DELETE ON screenshots WHEN OLD.object IS NOT NULL
BEGIN INSERT OR IGNORE INTO blob_garbage (name) VALUES (OLD.object); END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER screenshots_object_replaced AFTER UPDATE OF object ON screenshots
WHEN OLD.object IS NOT NULL AND (NEW.object IS NULL OR NEW.object <> OLD.object)
BEGIN INSERT OR IGNORE INTO blob_garbage (name) VALUES (OLD.object); END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER job_uploads_object_deleted AFTER DELETE ON job_uploads WHEN OLD.object IS NOT NULL
BEGIN INSERT OR IGNORE INTO blob_garbage (name) VALUES (OLD.object); END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER job_uploads_object_deleted;
DROP TRIGGER screenshots_object_replaced;
DROP TRIGGER screenshots_object_deleted;
DROP TRIGGER log_versions_object_replaced;
DROP TRIGGER log_versions_object_deleted;
DROP TABLE blob_store;
DROP TABLE blob_garbage;
ALTER TABLE job_uploads DROP COLUMN object;
ALTER TABLE screenshots DROP COLUMN object;
ALTER TABLE log_versions DROP COLUMN object;
