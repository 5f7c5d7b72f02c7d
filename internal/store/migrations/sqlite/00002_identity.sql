-- +goose Up
ALTER TABLE users ADD COLUMN password_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN installation_admin BOOLEAN NOT NULL DEFAULT FALSE;
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);
CREATE TABLE tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    revoked_at INTEGER
);
CREATE INDEX tokens_user ON tokens(user_id);
CREATE TABLE roles (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    env_id INTEGER NOT NULL REFERENCES environments(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    builtin BOOLEAN NOT NULL,
    privileges TEXT NOT NULL,
    UNIQUE (env_id, name)
);
CREATE TABLE role_assignments (
    role_id INTEGER NOT NULL REFERENCES roles(id) ON DELETE CASCADE,
    user_id INTEGER REFERENCES users(id) ON DELETE CASCADE,
    team_id INTEGER REFERENCES teams(id) ON DELETE CASCADE,
    CHECK ((user_id IS NULL) <> (team_id IS NULL))
);
CREATE UNIQUE INDEX role_assignments_user ON role_assignments(role_id, user_id) WHERE user_id IS NOT NULL;
CREATE UNIQUE INDEX role_assignments_team ON role_assignments(role_id, team_id) WHERE team_id IS NOT NULL;

-- +goose Down
DROP TABLE role_assignments;
DROP TABLE roles;
DROP TABLE tokens;
DROP TABLE sessions;
ALTER TABLE users DROP COLUMN installation_admin;
ALTER TABLE users DROP COLUMN password_hash;
