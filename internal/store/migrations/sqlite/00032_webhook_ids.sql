-- +goose Up
-- Webhook and delivery ids are never used twice (AUTOINCREMENT: without
-- it SQLite gives a deleted row's id to the next one, so a webhook
-- registered again saw its predecessor's delivery ids, and a retry job
-- left by a deleted webhook's delivery acted on a new one). SQLite
-- cannot add AUTOINCREMENT to a table: both are rebuilt, rows kept.
-- Also:
--   uid            a delivery's random id, sent inside the signed body
--                  ("delivery") and as Procmine-Delivery; the rows
--                  queued before have one drawn here and put in their
--                  body, as new rows do.
--   river_id       the job of a delivery, for the sweep that ends a
--                  delivery whose job is gone (NULL before this
--                  migration: those are never swept).
--   dropped        events not queued for the webhook because it had as
--                  many deliveries pending as it may.
--   sending_until  while an attempt is under way (unix nanoseconds): at
--                  most one at a time per webhook.
CREATE TABLE webhooks_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    env_id INTEGER NOT NULL REFERENCES environments(id) ON DELETE CASCADE,
    url TEXT NOT NULL,
    events TEXT NOT NULL,
    threshold REAL,
    description TEXT NOT NULL DEFAULT '',
    secret BLOB NOT NULL,
    created_by INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    dropped INTEGER NOT NULL DEFAULT 0,
    sending_until INTEGER NOT NULL DEFAULT 0
);
INSERT INTO webhooks_new (id, env_id, url, events, threshold, description, secret, created_by, created_at)
    SELECT id, env_id, url, events, threshold, description, secret, created_by, created_at FROM webhooks;

CREATE TABLE webhook_deliveries_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    uid TEXT NOT NULL UNIQUE,
    webhook_id INTEGER NOT NULL REFERENCES webhooks_new(id) ON DELETE CASCADE,
    river_id INTEGER,
    event TEXT NOT NULL,
    payload TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('queued', 'retrying', 'delivered', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    last_status INTEGER NOT NULL DEFAULT 0,
    last_error TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
INSERT INTO webhook_deliveries_new (id, uid, webhook_id, event, payload, state, attempts, last_status, last_error, created_at, updated_at)
    SELECT id, lower(hex(randomblob(16))), webhook_id, event, payload, state, attempts, last_status, last_error, created_at, updated_at
    FROM webhook_deliveries;
UPDATE webhook_deliveries_new SET payload = '{"delivery":"' || uid || '",' || substr(payload, 2) WHERE payload LIKE '{%';

-- The children first: dropping webhooks would cascade into them.
DROP TABLE webhook_deliveries;
DROP TABLE webhooks;
-- Renaming a table rewrites the foreign keys that name it.
ALTER TABLE webhooks_new RENAME TO webhooks;
ALTER TABLE webhook_deliveries_new RENAME TO webhook_deliveries;
CREATE INDEX webhooks_env ON webhooks (env_id);
CREATE INDEX webhook_deliveries_webhook ON webhook_deliveries (webhook_id, id);
CREATE INDEX webhook_deliveries_pending ON webhook_deliveries (state) WHERE state IN ('queued', 'retrying');

-- +goose Down
-- Back to 00031's tables (without AUTOINCREMENT nor the new columns), rows
-- kept.
CREATE TABLE webhooks_old (
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
INSERT INTO webhooks_old SELECT id, env_id, url, events, threshold, description, secret, created_by, created_at FROM webhooks;
CREATE TABLE webhook_deliveries_old (
    id INTEGER PRIMARY KEY,
    webhook_id INTEGER NOT NULL REFERENCES webhooks_old(id) ON DELETE CASCADE,
    event TEXT NOT NULL,
    payload TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('queued', 'retrying', 'delivered', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    last_status INTEGER NOT NULL DEFAULT 0,
    last_error TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
INSERT INTO webhook_deliveries_old SELECT id, webhook_id, event, payload, state, attempts, last_status, last_error, created_at, updated_at FROM webhook_deliveries;
DROP TABLE webhook_deliveries;
DROP TABLE webhooks;
ALTER TABLE webhooks_old RENAME TO webhooks;
ALTER TABLE webhook_deliveries_old RENAME TO webhook_deliveries;
CREATE INDEX webhooks_env ON webhooks (env_id);
CREATE INDEX webhook_deliveries_webhook ON webhook_deliveries (webhook_id, id);
