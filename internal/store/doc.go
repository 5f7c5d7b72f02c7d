// Package store keeps procmine's records in SQL: the embedded SQLite file
// by default, PostgreSQL for shared, scaled-out use. One Store type serves
// both through database/sql; the two differ only in their migrations
// (migrations/sqlite, migrations/postgres, applied with goose at Open) and
// in the placeholder syntax, which rebind translates.
//
// Queries that list records filter them in the database with the SQL twin
// of the access resolver (access.Subject.Can): ReadableProcesses returns
// exactly the processes Can would allow the subject to read, and the
// conformance tests check the two against each other on both databases.
//
// It keeps environments, business units, users with their password hashes,
// sessions and personal access tokens (as digests), members, teams, roles
// and their assignments, processes and their shares, and the append-only
// audit log. The tests run every query against both databases (see
// storetest).
package store
