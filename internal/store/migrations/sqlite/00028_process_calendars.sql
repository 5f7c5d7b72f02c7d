-- +goose Up
-- A process's working calendar (package calendar's JSON form): its time
-- zone, weekly shifts, holidays and exceptions, by which reports measure
-- durations in working time on request.
CREATE TABLE process_calendars (
    process_id INTEGER PRIMARY KEY REFERENCES processes(id) ON DELETE CASCADE,
    calendar TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    updated_by INTEGER NOT NULL
);

-- +goose Down
DROP TABLE process_calendars;
