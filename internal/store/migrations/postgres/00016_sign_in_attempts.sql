-- +goose Up
-- Failed sign-ins by account and by address, shared by every server, so
-- that guesses spread over servers are counted together. Keys are stored
-- as SHA-256 digests: no username or address is kept here.
CREATE TABLE sign_in_attempts (
    key_hash TEXT PRIMARY KEY,
    count INTEGER NOT NULL,
    last BIGINT NOT NULL,
    prev BIGINT NOT NULL
);
CREATE INDEX sign_in_attempts_last ON sign_in_attempts(last);

-- +goose Down
DROP TABLE sign_in_attempts;
