-- +goose Up
-- Whether a session (and a token made in it) satisfied multi-factor
-- authentication; time-based one-time password secrets (sealed) and
-- recovery codes (as digests) of local accounts.
ALTER TABLE sessions ADD COLUMN mfa BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE tokens ADD COLUMN mfa BOOLEAN NOT NULL DEFAULT FALSE;
CREATE TABLE totp (
    user_id BIGINT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    secret BYTEA NOT NULL,
    confirmed BOOLEAN NOT NULL,
    last_step BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);
CREATE TABLE recovery_codes (
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    code_hash TEXT NOT NULL,
    PRIMARY KEY (user_id, code_hash)
);

-- +goose Down
DROP TABLE recovery_codes;
DROP TABLE totp;
ALTER TABLE tokens DROP COLUMN mfa;
ALTER TABLE sessions DROP COLUMN mfa;
