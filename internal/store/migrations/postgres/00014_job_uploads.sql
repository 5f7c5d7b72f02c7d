-- +goose Up
-- An uploaded file waiting for its import job, in sealed chunks, so that
-- any server may run the job; gone when the job ends.
CREATE TABLE job_uploads (
    job_id BIGINT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    data BYTEA NOT NULL,
    PRIMARY KEY (job_id, seq)
);

-- +goose Down
DROP TABLE job_uploads;
