-- +goose Up
-- Webhooks an environment's administrators registered: where its events
-- are delivered, and the secret deliveries are signed with, sealed.
CREATE TABLE webhooks (
    id INTEGER PRIMARY KEY,
    env_id INTEGER NOT NULL REFERENCES environments(id) ON DELETE CASCADE,
    url TEXT NOT NULL,
    events TEXT NOT NULL,
    threshold REAL,
    description TEXT NOT NULL DEFAULT '',
    secret BLOB NOT NULL,
    created_by INTEGER NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX webhooks_env ON webhooks (env_id);

-- Each event told to a webhook, with its payload (identifiers and
-- aggregates only) and how its delivery went.
CREATE TABLE webhook_deliveries (
    id INTEGER PRIMARY KEY,
    webhook_id INTEGER NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
    event TEXT NOT NULL,
    payload TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('queued', 'retrying', 'delivered', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    last_status INTEGER NOT NULL DEFAULT 0,
    last_error TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX webhook_deliveries_webhook ON webhook_deliveries (webhook_id, id);

-- +goose Down
DROP TABLE webhook_deliveries;
DROP TABLE webhooks;
