-- +goose Up
-- Erasure may only put [erased] in place of parts of an entry's actor,
-- target and detail: every other character stays as it was. (00006 let any
-- text holding [erased] through.)
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION audit_erased_from(new_text TEXT, old_text TEXT) RETURNS BOOLEAN AS $$
    SELECT new_text = old_text OR (strpos(new_text, '[erased]') > 0 AND old_text LIKE
        replace(replace(replace(replace(new_text, '\', '\\'), '%', '\%'), '_', '\_'), '[erased]', '%'));
$$ LANGUAGE sql IMMUTABLE;
-- +goose StatementEnd
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

-- +goose Down
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
DROP FUNCTION audit_erased_from(TEXT, TEXT);
