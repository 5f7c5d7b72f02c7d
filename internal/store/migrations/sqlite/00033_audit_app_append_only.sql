-- +goose Up
-- What a request came through (00030's app) is kept as it was, as every
-- other column of an entry: an assistant's call cannot be made to look
-- like its user's own.
DROP TRIGGER audit_no_update;
-- +goose StatementBegin
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
WHEN NOT (NEW.id = OLD.id AND NEW.env_id IS OLD.env_id AND NEW.at = OLD.at AND NEW.action = OLD.action AND NEW.app = OLD.app
    AND (NEW.actor = OLD.actor OR NEW.actor = '[erased]')
    AND (NEW.actor_id IS OLD.actor_id OR NEW.actor_id IS NULL)
    AND (NEW.ip = OLD.ip OR NEW.ip = '')
    AND (NEW.target = OLD.target OR (instr(NEW.target, '[erased]') > 0 AND OLD.target GLOB replace(replace(replace(replace(NEW.target, '[', '[[]'), '*', '[*]'), '?', '[?]'), '[[]erased]', '*')))
    AND (NEW.detail = OLD.detail OR (instr(NEW.detail, '[erased]') > 0 AND OLD.detail GLOB replace(replace(replace(replace(NEW.detail, '[', '[[]'), '*', '[*]'), '?', '[?]'), '[[]erased]', '*'))))
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER audit_no_update;
-- +goose StatementBegin
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
WHEN NOT (NEW.id = OLD.id AND NEW.env_id IS OLD.env_id AND NEW.at = OLD.at AND NEW.action = OLD.action
    AND (NEW.actor = OLD.actor OR NEW.actor = '[erased]')
    AND (NEW.actor_id IS OLD.actor_id OR NEW.actor_id IS NULL)
    AND (NEW.ip = OLD.ip OR NEW.ip = '')
    AND (NEW.target = OLD.target OR (instr(NEW.target, '[erased]') > 0 AND OLD.target GLOB replace(replace(replace(replace(NEW.target, '[', '[[]'), '*', '[*]'), '?', '[?]'), '[[]erased]', '*')))
    AND (NEW.detail = OLD.detail OR (instr(NEW.detail, '[erased]') > 0 AND OLD.detail GLOB replace(replace(replace(replace(NEW.detail, '[', '[[]'), '*', '[*]'), '?', '[?]'), '[[]erased]', '*'))))
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
-- +goose StatementEnd
