-- +goose Up
-- One number that grows with every change to what authorization reads
-- (memberships, business units, roles, teams, processes and their shares,
-- and which versions a process has), made by triggers in the changing
-- transaction, whoever changes it: servers keep what they read under the
-- number they read it at, and read again once it has moved.
CREATE TABLE access_generation (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    gen BIGINT NOT NULL
);
INSERT INTO access_generation (id, gen) VALUES (1, 0);

-- +goose StatementBegin
CREATE FUNCTION bump_access_generation() RETURNS trigger AS $$
BEGIN
    UPDATE access_generation SET gen = gen + 1 WHERE id = 1;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
-- +goose StatementEnd

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
