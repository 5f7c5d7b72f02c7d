-- +goose Up
-- Users who sign in through an OpenID provider: the provider's issuer and
-- subject name the person, never a username the provider sends.
CREATE TABLE oidc_identities (
    issuer TEXT NOT NULL,
    subject TEXT NOT NULL,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    PRIMARY KEY (issuer, subject)
);

-- +goose Down
DROP TABLE oidc_identities;
