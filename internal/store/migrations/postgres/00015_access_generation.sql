-- +goose Up
-- One number that grows with every change to what authorization reads
-- (memberships, business units, roles, teams, processes and their shares,
-- and which versions a process has), moved by triggers in the changing
-- transaction, whoever changes it: servers keep what they read under the
-- number they read it at, and read again once it has moved.
CREATE TABLE access_generation (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    gen BIGINT NOT NULL
);
INSERT INTO access_generation (id, gen) VALUES (1, 0);

-- The number moves at commit, from deferred constraint triggers: moved at
-- each statement, the row would be locked in the middle of a transaction,
-- after some row locks and before others, and two transactions could wait
-- for each other (an import adding a version, a process being deleted).
-- A constraint trigger fires for each row; the first of a transaction
-- marks it (a setting local to the transaction) and the others do
-- nothing, so that deleting an environment of many rows costs one move.
-- +goose StatementBegin
CREATE FUNCTION bump_access_generation() RETURNS trigger AS $$
BEGIN
    IF current_setting('procmine.generation_bumped', true) IS DISTINCT FROM 'on' THEN
        PERFORM set_config('procmine.generation_bumped', 'on', true);
        UPDATE access_generation SET gen = gen + 1 WHERE id = 1;
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
-- +goose StatementEnd

CREATE CONSTRAINT TRIGGER environments_generation AFTER INSERT OR UPDATE OR DELETE ON environments DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_access_generation();
CREATE CONSTRAINT TRIGGER business_units_generation AFTER INSERT OR UPDATE OR DELETE ON business_units DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_access_generation();
CREATE CONSTRAINT TRIGGER members_generation AFTER INSERT OR UPDATE OR DELETE ON members DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_access_generation();
CREATE CONSTRAINT TRIGGER roles_generation AFTER INSERT OR UPDATE OR DELETE ON roles DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_access_generation();
CREATE CONSTRAINT TRIGGER role_assignments_generation AFTER INSERT OR UPDATE OR DELETE ON role_assignments DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_access_generation();
CREATE CONSTRAINT TRIGGER teams_generation AFTER INSERT OR UPDATE OR DELETE ON teams DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_access_generation();
CREATE CONSTRAINT TRIGGER team_members_generation AFTER INSERT OR UPDATE OR DELETE ON team_members DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_access_generation();
CREATE CONSTRAINT TRIGGER processes_generation AFTER INSERT OR UPDATE OR DELETE ON processes DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_access_generation();
CREATE CONSTRAINT TRIGGER process_shares_generation AFTER INSERT OR UPDATE OR DELETE ON process_shares DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_access_generation();
CREATE CONSTRAINT TRIGGER log_versions_generation AFTER INSERT OR DELETE ON log_versions DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_access_generation();

-- +goose Down
DROP TRIGGER environments_generation ON environments;
DROP TRIGGER business_units_generation ON business_units;
DROP TRIGGER members_generation ON members;
DROP TRIGGER roles_generation ON roles;
DROP TRIGGER role_assignments_generation ON role_assignments;
DROP TRIGGER teams_generation ON teams;
DROP TRIGGER team_members_generation ON team_members;
DROP TRIGGER processes_generation ON processes;
DROP TRIGGER process_shares_generation ON process_shares;
DROP TRIGGER log_versions_generation ON log_versions;
DROP FUNCTION bump_access_generation();
DROP TABLE access_generation;
