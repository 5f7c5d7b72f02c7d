-- +goose Up
-- The generation is moved at commit, not at each statement: a statement
-- trigger locks the generation row in the middle of a transaction, after
-- some row locks and before others, so that two transactions could wait
-- for each other (an import adding a version, a process being deleted).
-- Moved by deferred constraint triggers, the row is always the last lock a
-- transaction takes. A constraint trigger fires for each row: the first
-- bump of a transaction marks it (a setting local to the transaction), and
-- the others do nothing, so that deleting an environment of many rows
-- costs one bump, not one a row.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION bump_access_generation() RETURNS trigger AS $$
BEGIN
    IF current_setting('procmine.generation_bumped', true) IS DISTINCT FROM 'on' THEN
        PERFORM set_config('procmine.generation_bumped', 'on', true);
        UPDATE access_generation SET gen = gen + 1 WHERE id = 1;
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
-- +goose StatementEnd
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
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION bump_access_generation() RETURNS trigger AS $$
BEGIN
    UPDATE access_generation SET gen = gen + 1 WHERE id = 1;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
-- +goose StatementEnd
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
CREATE TRIGGER environments_generation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON environments FOR EACH STATEMENT EXECUTE FUNCTION bump_access_generation();
CREATE TRIGGER business_units_generation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON business_units FOR EACH STATEMENT EXECUTE FUNCTION bump_access_generation();
CREATE TRIGGER members_generation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON members FOR EACH STATEMENT EXECUTE FUNCTION bump_access_generation();
CREATE TRIGGER roles_generation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON roles FOR EACH STATEMENT EXECUTE FUNCTION bump_access_generation();
CREATE TRIGGER role_assignments_generation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON role_assignments FOR EACH STATEMENT EXECUTE FUNCTION bump_access_generation();
CREATE TRIGGER teams_generation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON teams FOR EACH STATEMENT EXECUTE FUNCTION bump_access_generation();
CREATE TRIGGER team_members_generation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON team_members FOR EACH STATEMENT EXECUTE FUNCTION bump_access_generation();
CREATE TRIGGER processes_generation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON processes FOR EACH STATEMENT EXECUTE FUNCTION bump_access_generation();
CREATE TRIGGER process_shares_generation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON process_shares FOR EACH STATEMENT EXECUTE FUNCTION bump_access_generation();
CREATE TRIGGER log_versions_generation AFTER INSERT OR DELETE OR TRUNCATE ON log_versions FOR EACH STATEMENT EXECUTE FUNCTION bump_access_generation();
