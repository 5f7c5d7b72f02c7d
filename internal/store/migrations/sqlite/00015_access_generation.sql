-- +goose Up
-- One number that grows with every change to what authorization reads
-- (memberships, business units, roles, teams, processes and their shares,
-- and which versions a process has), made by triggers in the changing
-- transaction: the server keeps what it read under the number it read it
-- at, and reads again once it has moved.
CREATE TABLE access_generation (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    gen INTEGER NOT NULL
);
INSERT INTO access_generation (id, gen) VALUES (1, 0);

-- +goose StatementBegin
CREATE TRIGGER environments_generation_insert AFTER INSERT ON environments BEGIN UPDATE access_generation SET gen = gen + 1 WHERE id = 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER environments_generation_update AFTER UPDATE ON environments BEGIN UPDATE access_generation SET gen = gen + 1 WHERE id = 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER environments_generation_delete AFTER DELETE ON environments BEGIN UPDATE access_generation SET gen = gen + 1 WHERE id = 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER business_units_generation_insert AFTER INSERT ON business_units BEGIN UPDATE access_generation SET gen = gen + 1 WHERE id = 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER business_units_generation_update AFTER UPDATE ON business_units BEGIN UPDATE access_generation SET gen = gen + 1 WHERE id = 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER business_units_generation_delete AFTER DELETE ON business_units BEGIN UPDATE access_generation SET gen = gen + 1 WHERE id = 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER members_generation_insert AFTER INSERT ON members BEGIN UPDATE access_generation SET gen = gen + 1 WHERE id = 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER members_generation_update AFTER UPDATE ON members BEGIN UPDATE access_generation SET gen = gen + 1 WHERE id = 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER members_generation_delete AFTER DELETE ON members BEGIN UPDATE access_generation SET gen = gen + 1 WHERE id = 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER roles_generation_insert AFTER INSERT ON roles BEGIN UPDATE access_generation SET gen = gen + 1 WHERE id = 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER roles_generation_update AFTER UPDATE ON roles BEGIN UPDATE access_generation SET gen = gen + 1 WHERE id = 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER roles_generation_delete AFTER DELETE ON roles BEGIN UPDATE access_generation SET gen = gen + 1 WHERE id = 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER role_assignments_generation_insert AFTER INSERT ON role_assignments BEGIN UPDATE access_generation SET gen = gen + 1 WHERE id = 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER role_assignments_generation_update AFTER UPDATE ON role_assignments BEGIN UPDATE access_generation SET gen = gen + 1 WHERE id = 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER role_assignments_generation_delete AFTER DELETE ON role_assignments BEGIN UPDATE access_generation SET gen = gen + 1 WHERE id = 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER teams_generation_insert AFTER INSERT ON teams BEGIN UPDATE access_generation SET gen = gen + 1 WHERE id = 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER teams_generation_update AFTER UPDATE ON teams BEGIN UPDATE access_generation SET gen = gen + 1 WHERE id = 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER teams_generation_delete AFTER DELETE ON teams BEGIN UPDATE access_generation SET gen = gen + 1 WHERE id = 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER team_members_generation_insert AFTER INSERT ON team_members BEGIN UPDATE access_generation SET gen = gen + 1 WHERE id = 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER team_members_generation_update AFTER UPDATE ON team_members BEGIN UPDATE access_generation SET gen = gen + 1 WHERE id = 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER team_members_generation_delete AFTER DELETE ON team_members BEGIN UPDATE access_generation SET gen = gen + 1 WHERE id = 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER processes_generation_insert AFTER INSERT ON processes BEGIN UPDATE access_generation SET gen = gen + 1 WHERE id = 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER processes_generation_update AFTER UPDATE ON processes BEGIN UPDATE access_generation SET gen = gen + 1 WHERE id = 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER processes_generation_delete AFTER DELETE ON processes BEGIN UPDATE access_generation SET gen = gen + 1 WHERE id = 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER process_shares_generation_insert AFTER INSERT ON process_shares BEGIN UPDATE access_generation SET gen = gen + 1 WHERE id = 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER process_shares_generation_update AFTER UPDATE ON process_shares BEGIN UPDATE access_generation SET gen = gen + 1 WHERE id = 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER process_shares_generation_delete AFTER DELETE ON process_shares BEGIN UPDATE access_generation SET gen = gen + 1 WHERE id = 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER log_versions_generation_insert AFTER INSERT ON log_versions BEGIN UPDATE access_generation SET gen = gen + 1 WHERE id = 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER log_versions_generation_delete AFTER DELETE ON log_versions BEGIN UPDATE access_generation SET gen = gen + 1 WHERE id = 1; END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER environments_generation_insert;
DROP TRIGGER environments_generation_update;
DROP TRIGGER environments_generation_delete;
DROP TRIGGER business_units_generation_insert;
DROP TRIGGER business_units_generation_update;
DROP TRIGGER business_units_generation_delete;
DROP TRIGGER members_generation_insert;
DROP TRIGGER members_generation_update;
DROP TRIGGER members_generation_delete;
DROP TRIGGER roles_generation_insert;
DROP TRIGGER roles_generation_update;
DROP TRIGGER roles_generation_delete;
DROP TRIGGER role_assignments_generation_insert;
DROP TRIGGER role_assignments_generation_update;
DROP TRIGGER role_assignments_generation_delete;
DROP TRIGGER teams_generation_insert;
DROP TRIGGER teams_generation_update;
DROP TRIGGER teams_generation_delete;
DROP TRIGGER team_members_generation_insert;
DROP TRIGGER team_members_generation_update;
DROP TRIGGER team_members_generation_delete;
DROP TRIGGER processes_generation_insert;
DROP TRIGGER processes_generation_update;
DROP TRIGGER processes_generation_delete;
DROP TRIGGER process_shares_generation_insert;
DROP TRIGGER process_shares_generation_update;
DROP TRIGGER process_shares_generation_delete;
DROP TRIGGER log_versions_generation_insert;
DROP TRIGGER log_versions_generation_delete;
DROP TABLE access_generation;
