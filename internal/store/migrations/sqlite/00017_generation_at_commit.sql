-- +goose Up
-- (PostgreSQL moves the generation at commit from now on; SQLite has one
-- writer at a time, and its triggers stay as they are.)
SELECT 1;

-- +goose Down
SELECT 1;
