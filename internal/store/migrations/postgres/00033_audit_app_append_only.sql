-- +goose Up
-- What a request came through (00030's app) is kept as it was, as every
-- other column of an entry: an assistant's call cannot be made to look
-- like its user's own.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION audit_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.id = OLD.id AND NEW.env_id IS NOT DISTINCT FROM OLD.env_id AND NEW.at = OLD.at
        AND NEW.action = OLD.action AND NEW.app = OLD.app
        AND (NEW.actor = OLD.actor OR NEW.actor = '[erased]')
        AND (NEW.actor_id IS NOT DISTINCT FROM OLD.actor_id OR NEW.actor_id IS NULL)
        AND (NEW.ip = OLD.ip OR NEW.ip = '')
        AND audit_erased_from(NEW.target, OLD.target)
        AND audit_erased_from(NEW.detail, OLD.detail) THEN
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
    IF TG_OP = 'UPDATE' AND NEW.id = OLD.id AND NEW.env_id IS NOT DISTINCT FROM OLD.env_id AND NEW.at = OLD.at
        AND NEW.action = OLD.action
        AND (NEW.actor = OLD.actor OR NEW.actor = '[erased]')
        AND (NEW.actor_id IS NOT DISTINCT FROM OLD.actor_id OR NEW.actor_id IS NULL)
        AND (NEW.ip = OLD.ip OR NEW.ip = '')
        AND audit_erased_from(NEW.target, OLD.target)
        AND audit_erased_from(NEW.detail, OLD.detail) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'the audit log is append-only';
END;
$$ LANGUAGE plpgsql;
-- +goose StatementEnd
