-- +goose Up
-- Conditional access policies are installation-wide; the policy itself is
-- kept as JSON (package accesspolicy), its name and state beside it.
CREATE TABLE access_policies (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    state TEXT NOT NULL,
    body TEXT NOT NULL,
    updated_at INTEGER NOT NULL
);

-- +goose Down
DROP TABLE access_policies;
