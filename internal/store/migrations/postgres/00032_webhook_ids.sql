-- +goose Up
-- PostgreSQL never gives an identity twice, unlike SQLite (whose tables
-- 00032 rebuilds with AUTOINCREMENT). Both gain:
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
ALTER TABLE webhooks ADD COLUMN dropped BIGINT NOT NULL DEFAULT 0, ADD COLUMN sending_until BIGINT NOT NULL DEFAULT 0;
ALTER TABLE webhook_deliveries ADD COLUMN uid TEXT, ADD COLUMN river_id BIGINT;
UPDATE webhook_deliveries SET uid = replace(gen_random_uuid()::text, '-', '');
UPDATE webhook_deliveries SET payload = '{"delivery":"' || uid || '",' || substr(payload, 2) WHERE payload LIKE '{%';
ALTER TABLE webhook_deliveries ALTER COLUMN uid SET NOT NULL, ADD CONSTRAINT webhook_deliveries_uid UNIQUE (uid);
CREATE INDEX webhook_deliveries_pending ON webhook_deliveries (state) WHERE state IN ('queued', 'retrying');

-- +goose Down
DROP INDEX webhook_deliveries_pending;
ALTER TABLE webhook_deliveries DROP COLUMN uid, DROP COLUMN river_id;
ALTER TABLE webhooks DROP COLUMN dropped, DROP COLUMN sending_until;
