-- +goose Up
CREATE TABLE environments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL
);
CREATE TABLE users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    username TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL
);
CREATE TABLE business_units (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    env_id INTEGER NOT NULL REFERENCES environments(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    parent_id INTEGER REFERENCES business_units(id),
    UNIQUE (env_id, name)
);
CREATE TABLE members (
    env_id INTEGER NOT NULL REFERENCES environments(id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users(id),
    business_unit_id INTEGER NOT NULL REFERENCES business_units(id),
    PRIMARY KEY (env_id, user_id)
);
CREATE TABLE teams (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    env_id INTEGER NOT NULL REFERENCES environments(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('owner', 'access')),
    business_unit_id INTEGER NOT NULL REFERENCES business_units(id),
    UNIQUE (env_id, name)
);
CREATE TABLE team_members (
    team_id INTEGER NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users(id),
    PRIMARY KEY (team_id, user_id)
);
CREATE INDEX team_members_user ON team_members(user_id);
CREATE TABLE processes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    env_id INTEGER NOT NULL REFERENCES environments(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    owner_user_id INTEGER REFERENCES users(id),
    owner_team_id INTEGER REFERENCES teams(id),
    business_unit_id INTEGER NOT NULL REFERENCES business_units(id),
    created_at TEXT NOT NULL,
    CHECK ((owner_user_id IS NULL) <> (owner_team_id IS NULL))
);
CREATE INDEX processes_env_owner_user ON processes(env_id, owner_user_id);
CREATE INDEX processes_env_owner_team ON processes(env_id, owner_team_id);
CREATE INDEX processes_env_unit ON processes(env_id, business_unit_id);
CREATE TABLE process_shares (
    process_id INTEGER NOT NULL REFERENCES processes(id) ON DELETE CASCADE,
    user_id INTEGER REFERENCES users(id),
    team_id INTEGER REFERENCES teams(id),
    access INTEGER NOT NULL CHECK (access BETWEEN 1 AND 3),
    CHECK ((user_id IS NULL) <> (team_id IS NULL))
);
CREATE UNIQUE INDEX process_shares_user ON process_shares(process_id, user_id) WHERE user_id IS NOT NULL;
CREATE UNIQUE INDEX process_shares_team ON process_shares(process_id, team_id) WHERE team_id IS NOT NULL;
CREATE INDEX process_shares_by_user ON process_shares(user_id);
CREATE INDEX process_shares_by_team ON process_shares(team_id);

-- +goose Down
DROP TABLE process_shares;
DROP TABLE processes;
DROP TABLE team_members;
DROP TABLE teams;
DROP TABLE members;
DROP TABLE business_units;
DROP TABLE users;
DROP TABLE environments;
