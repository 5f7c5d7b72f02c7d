// Package access is procmine's security model as code: tables, operations
// and depths, roles made of privileges, the built-in roles every
// environment starts with, process shares, and the resolver that decides
// whether a subject may perform an operation on a record, and explains why.
//
// The rules are those of ../shared/DESIGN.md §2, after the Dataverse model:
//
//   - A role grants each operation on each table at a depth: None, User
//     (records the subject or one of its teams owns, and records shared with
//     them), Business Unit (records owned in the subject's unit), Parent-Child
//     Business Units (that unit and every unit below it) or Organization
//     (every record in the environment).
//   - Effective access is the union over the subject's own roles and the
//     roles of its teams: the deepest depth wins. There are no deny rules.
//   - A share (co-owner, contributor, viewer; to a user or a team) grants a
//     fixed set of operations on a process and the records that belong to
//     it, but only for operations the subject's roles grant at least at User
//     depth: a share never lifts a role above what it may do.
//   - System Administrator bypasses every check inside its environment.
//
// The resolver does no I/O: callers load a Subject (roles resolved to a
// depth grid, teams, business unit) and a Record (owner, owning unit,
// shares of its process) and ask. Check is the hot path, allocation-free
// and well under a microsecond; Explain says which role, depth, team or
// share grants or denies, for people and for the explain API.
package access
