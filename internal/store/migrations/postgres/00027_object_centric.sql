-- +goose Up
-- A version flattened from an object-centric log keeps that log's graph
-- (ocel.Graph, in JSON): per object type its objects, directly-follows
-- edges and start and end activities, and the activities' counts; names
-- and counts only, sealed as the log is. NULL for every other version.
ALTER TABLE log_versions ADD COLUMN object_centric BYTEA;

-- +goose Down
ALTER TABLE log_versions DROP COLUMN object_centric;
