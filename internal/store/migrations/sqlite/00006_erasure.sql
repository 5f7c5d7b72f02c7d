-- +goose Up
-- The audit log stays append-only, with one exception the law makes: the
-- right to erasure may replace a person's name in an entry by [erased],
-- drop their user id and IP address, and nothing else.
DROP TRIGGER audit_no_update;
-- +goose StatementBegin
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
WHEN NOT (NEW.id = OLD.id AND NEW.env_id IS OLD.env_id AND NEW.at = OLD.at AND NEW.action = OLD.action AND NEW.target = OLD.target
    AND (NEW.actor = OLD.actor OR NEW.actor = '[erased]')
    AND (NEW.actor_id IS OLD.actor_id OR NEW.actor_id IS NULL)
    AND (NEW.ip = OLD.ip OR NEW.ip = '')
    AND (NEW.detail = OLD.detail OR instr(NEW.detail, '[erased]') > 0))
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER audit_no_update;
-- +goose StatementBegin
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
-- +goose StatementEnd
