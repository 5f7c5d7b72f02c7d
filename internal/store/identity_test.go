package store

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/procmine/procmine/internal/access"
)

func TestUsersSessionsAndTokens(t *testing.T) {
	ctx := context.Background()
	for name, s := range stores(t) {
		t.Run(name, func(t *testing.T) {
			now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
			s.now = func() time.Time { return now }
			ann, err := s.CreateUser(ctx, User{Username: "ann", PasswordHash: "h", InstallationAdmin: true})
			must(t, err)
			if _, err := s.CreateUser(ctx, User{Username: "ann"}); !errors.Is(err, ErrConflict) {
				t.Errorf("duplicate username: %v", err)
			}
			u, err := s.UserByName(ctx, "ann")
			if err != nil || u.ID != ann || !u.InstallationAdmin || u.PasswordHash != "h" {
				t.Errorf("UserByName: %+v %v", u, err)
			}
			if _, err := s.UserByName(ctx, "bob"); !errors.Is(err, ErrNotFound) {
				t.Errorf("unknown user: %v", err)
			}

			must(t, s.CreateSession(ctx, "d1", ann, now, now.Add(time.Hour), true))
			if id, mfa, err := s.SessionUser(ctx, "d1", now); err != nil || id != ann || !mfa {
				t.Errorf("session: %v %v", id, err)
			}
			now = now.Add(2 * time.Hour)
			if _, _, err := s.SessionUser(ctx, "d1", now); !errors.Is(err, ErrNotFound) {
				t.Errorf("expired session: %v", err)
			}
			must(t, s.CreateSession(ctx, "d2", ann, now, now.Add(time.Hour), false))
			must(t, s.DeleteSession(ctx, "d2"))
			if _, _, err := s.SessionUser(ctx, "d2", now); !errors.Is(err, ErrNotFound) {
				t.Errorf("ended session: %v", err)
			}

			tok, err := s.CreateToken(ctx, ann, "ci", "t1", now.Add(24*time.Hour), false)
			must(t, err)
			if id, mfa, err := s.TokenUser(ctx, "t1", now); err != nil || id != ann || mfa {
				t.Errorf("token: %v %v", id, err)
			}
			bob, _ := s.CreateUser(ctx, User{Username: "bob"})
			if err := s.RevokeToken(ctx, bob, tok); !errors.Is(err, ErrNotFound) {
				t.Errorf("revoking another's token: %v", err)
			}
			must(t, s.RevokeToken(ctx, ann, tok))
			if _, _, err := s.TokenUser(ctx, "t1", now); !errors.Is(err, ErrNotFound) {
				t.Errorf("revoked token: %v", err)
			}
			_, err = s.CreateToken(ctx, ann, "old", "t2", now.Add(time.Minute), false)
			must(t, err)
			now = now.Add(time.Hour)
			if _, _, err := s.TokenUser(ctx, "t2", now); !errors.Is(err, ErrNotFound) {
				t.Errorf("expired token: %v", err)
			}
		})
	}
}

// TestSubjectRolesThroughTeams: a subject's roles come from direct
// assignments and from its teams, in this environment only.
func TestSubjectRolesThroughTeams(t *testing.T) {
	ctx := context.Background()
	for name, s := range stores(t) {
		t.Run(name, func(t *testing.T) {
			env, root, err := s.CreateEnvironment(ctx, "prod", 0)
			must(t, err)
			other, otherRoot, err := s.CreateEnvironment(ctx, "dev", 0)
			must(t, err)
			sales, err := s.CreateBusinessUnit(ctx, env, "Sales", root)
			must(t, err)
			ann, _ := s.CreateUser(ctx, User{Username: "ann"})
			must(t, s.AddMember(ctx, env, ann, sales))
			must(t, s.AddMember(ctx, other, ann, otherRoot))
			team, err := s.CreateTeam(ctx, env, "Makers", "owner", sales)
			must(t, err)
			must(t, s.AddTeamMember(ctx, team, ann))
			must(t, s.AssignRole(ctx, env, access.ProcessMiningUser, access.Principal{User: ann}))
			must(t, s.AssignRole(ctx, env, access.EnvironmentMaker, access.Principal{Team: team}))
			must(t, s.AssignRole(ctx, other, access.SystemAdministrator, access.Principal{User: ann}))
			if err := s.AssignRole(ctx, env, "Wizard", access.Principal{User: ann}); !errors.Is(err, ErrNotFound) {
				t.Errorf("unknown role: %v", err)
			}

			sub, err := s.Subject(ctx, env, ann)
			must(t, err)
			if sub.Bypass || sub.Unit != sales || len(sub.Teams) != 1 || len(sub.Grants) != 2 {
				t.Fatalf("subject %+v", sub)
			}
			if !sub.CanCreate(access.Process) {
				t.Error("the team's Environment Maker role should let ann create processes")
			}
			e := sub.Explain(access.Create, &access.Record{Table: access.Process})
			if e.Reasons[0] != "Environment Maker (through team Makers) grants create on process at user depth" {
				t.Errorf("explain: %v", e.Reasons)
			}
			devSub, err := s.Subject(ctx, other, ann)
			must(t, err)
			if !devSub.Bypass {
				t.Error("ann administers dev")
			}
			bob, _ := s.CreateUser(ctx, User{Username: "bob"})
			if _, err := s.Subject(ctx, env, bob); !errors.Is(err, ErrNotFound) {
				t.Errorf("a non-member: %v", err)
			}
		})
	}
}

func TestAuditIsAppendOnly(t *testing.T) {
	ctx := context.Background()
	for name, s := range stores(t) {
		t.Run(name, func(t *testing.T) {
			env, _, err := s.CreateEnvironment(ctx, "prod", 0)
			must(t, err)
			now := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
			must(t, s.Audit(ctx, AuditEntry{Env: env, At: now, Actor: "ann", Action: "share", Target: "process 1", Detail: "viewer"}))
			must(t, s.Audit(ctx, AuditEntry{Env: env, At: now.Add(time.Hour), Actor: "bob", Action: "delete", Target: "process 1"}))
			must(t, s.Audit(ctx, AuditEntry{At: now, Actor: "ann", Action: "sign-in"}))
			all, err := s.AuditLog(ctx, env, AuditFilter{})
			must(t, err)
			if len(all) != 2 || all[0].Action != "share" || !all[0].At.Equal(now) {
				t.Fatalf("log %+v", all)
			}
			if got, _ := s.AuditLog(ctx, env, AuditFilter{Actor: "bob"}); len(got) != 1 || got[0].Action != "delete" {
				t.Errorf("by actor: %+v", got)
			}
			if got, _ := s.AuditLog(ctx, env, AuditFilter{Since: now.Add(time.Minute)}); len(got) != 1 {
				t.Errorf("since: %+v", got)
			}
			if _, err := s.exec(ctx, "UPDATE audit SET action = 'nothing'"); err == nil || !strings.Contains(err.Error(), "append-only") {
				t.Errorf("changing the log: %v", err)
			}
			if _, err := s.exec(ctx, "DELETE FROM audit"); err == nil {
				t.Error("deleting from the log succeeded")
			}
			// The one change allowed is erasure: a name by [erased], no
			// user id, no IP address.
			for _, q := range []string{
				"UPDATE audit SET actor = 'mallory' WHERE actor = 'ann'",
				"UPDATE audit SET detail = 'co-owner' WHERE actor = 'ann'",
				"UPDATE audit SET at = 0 WHERE actor = 'ann'",
				"UPDATE audit SET ip = '10.0.0.1'",
				"UPDATE audit SET app = 'studio' WHERE actor = 'ann'",
				// [erased] may only stand in for text that was there.
				"UPDATE audit SET detail = 'viewer, and more [erased]' WHERE actor = 'ann'",
				"UPDATE audit SET detail = 'VIEWER [erased]' WHERE actor = 'ann'",
				"UPDATE audit SET target = '[erased] 2' WHERE actor = 'ann'",
			} {
				if _, err := s.exec(ctx, q); err == nil || !strings.Contains(err.Error(), "append-only") {
					t.Errorf("%s: %v", q, err)
				}
			}
			_, err = s.exec(ctx, "UPDATE audit SET actor = '[erased]', actor_id = NULL, ip = '', detail = 'v[erased]er', target = 'process [erased]' WHERE actor = 'ann' AND action = 'share'")
			must(t, err)
			if got, _ := s.AuditLog(ctx, env, AuditFilter{Actor: "[erased]"}); len(got) != 1 || got[0].Detail != "v[erased]er" || got[0].Target != "process [erased]" {
				t.Errorf("after erasure: %+v", got)
			}
		})
	}
}
