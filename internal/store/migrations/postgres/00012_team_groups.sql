-- +goose Up
-- A team may follow a group of the single sign-on provider: the provider's
-- group claim then decides who is in it.
ALTER TABLE teams ADD COLUMN idp_group TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE teams DROP COLUMN idp_group;
