-- +goose Up
-- The audit log stays append-only, with one exception the law makes: the
-- right to erasure may replace a person's name in an entry by [erased],
-- drop their user id and IP address, and nothing else.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION audit_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.id = OLD.id AND NEW.env_id IS NOT DISTINCT FROM OLD.env_id AND NEW.at = OLD.at
        AND NEW.action = OLD.action AND NEW.target = OLD.target
        AND (NEW.actor = OLD.actor OR NEW.actor = '[erased]')
        AND (NEW.actor_id IS NOT DISTINCT FROM OLD.actor_id OR NEW.actor_id IS NULL)
        AND (NEW.ip = OLD.ip OR NEW.ip = '')
        AND (NEW.detail = OLD.detail OR strpos(NEW.detail, '[erased]') > 0) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'the audit log is append-only';
END;
$$ LANGUAGE plpgsql;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only';
END;
$$ LANGUAGE plpgsql;
-- +goose StatementEnd
