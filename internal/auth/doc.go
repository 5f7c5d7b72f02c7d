// Package auth holds the secrets of sign-in: argon2id password hashes and
// the random tokens behind sessions and personal access tokens, which are
// stored only as SHA-256 digests, so a copy of the database lets no one in.
package auth
