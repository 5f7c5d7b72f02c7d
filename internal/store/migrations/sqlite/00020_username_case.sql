-- +goose Up
-- Usernames are one name whatever their case: single sign-on must not make
-- "Alice" beside a local "alice". Usernames are ASCII (letters, digits and
-- . _ - @), so lower() is their case-folded form. Existing usernames that
-- differ only in case stop the upgrade with the message below, rather than
-- one of them being renamed or merged behind their owners' backs: an
-- operator renames all but one (UPDATE users SET username = … WHERE id = …)
-- and starts again.
CREATE TEMP TABLE m00020_check (
    n INTEGER CONSTRAINT "procmine: some usernames differ only in case (SELECT lower(username) FROM users GROUP BY 1 HAVING count(*) > 1 lists them); rename all but one of each, then upgrade again" CHECK (n = 0)
);
INSERT INTO m00020_check SELECT count(*) FROM (SELECT 1 FROM users GROUP BY lower(username) HAVING count(*) > 1);
DROP TABLE m00020_check;
CREATE UNIQUE INDEX users_username_lower ON users (lower(username));

-- +goose Down
DROP INDEX users_username_lower;
