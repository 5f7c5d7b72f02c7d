-- +goose Up
-- An uploaded file waiting for its import job, in sealed chunks, so that
-- any server may run the job; gone when the job ends. A job keeps the id
-- of the River job that runs it, so that one whose River job has ended
-- without it is found and failed.
ALTER TABLE jobs ADD COLUMN river_id BIGINT;
CREATE TABLE job_uploads (
    job_id BIGINT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    data BYTEA NOT NULL,
    PRIMARY KEY (job_id, seq)
);

-- +goose Down
DROP TABLE job_uploads;
ALTER TABLE jobs DROP COLUMN river_id;
