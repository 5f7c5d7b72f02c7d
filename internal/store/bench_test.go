package store

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/procmine/procmine/internal/access"
)

// BenchmarkReadableProcesses100k lists the processes a maker may read among
// 100,000 in one environment (owned by 500 users and 50 teams, a third of
// them shared), on SQLite and PostgreSQL.
func BenchmarkReadableProcesses100k(b *testing.B) {
	ctx := context.Background()
	for name, s := range stores(b) {
		b.Run(name, func(b *testing.B) {
			rng := rand.New(rand.NewPCG(5, 6))
			w := build(b, s, rng, 500, 50, 0)
			bulkProcesses(b, s, w, rng, 100_000)
			maker, _ := access.BuiltInRole(access.EnvironmentMaker)
			var sub *access.Subject
			for _, u := range w.users {
				if len(w.teamsOf[u]) >= 2 {
					sub = w.subject(u, &maker)
					break
				}
			}
			below := w.units.Below(sub.Unit)
			var n int
			b.ResetTimer()
			for b.Loop() {
				ids, err := s.ReadableProcesses(ctx, w.env, sub, below)
				if err != nil {
					b.Fatal(err)
				}
				n = len(ids)
			}
			b.ReportMetric(float64(n), "processes")
		})
	}
}

// bulkProcesses inserts processes and shares many rows per statement.
func bulkProcesses(b *testing.B, s *Store, w *world, rng *rand.Rand, count int) {
	ctx := context.Background()
	tx, err := s.db.BeginTx(ctx, nil)
	must(b, err)
	defer tx.Rollback()
	const batch = 500
	now := s.now()
	for start := 0; start < count; start += batch {
		var rows []string
		var args []any
		for i := start; i < min(start+batch, count); i++ {
			owner := access.Principal{User: w.users[rng.IntN(len(w.users))]}
			if rng.IntN(5) == 0 {
				owner = access.Principal{Team: w.teams[rng.IntN(len(w.teams))]}
			}
			rows = append(rows, "(?, ?, ?, ?, ?, ?)")
			args = append(args, w.env, fmt.Sprintf("p%d", i), nullID(owner.User), nullID(owner.Team), w.unitOf[owner.User+owner.Team], now)
		}
		_, err := tx.ExecContext(ctx, s.rebind("INSERT INTO processes (env_id, name, owner_user_id, owner_team_id, business_unit_id, created_at) VALUES "+strings.Join(rows, ", ")), args...)
		must(b, err)
	}
	// A third of the processes get a share, to a user or a team.
	_, err = tx.ExecContext(ctx, s.rebind(`INSERT INTO process_shares (process_id, user_id, team_id, access)
		SELECT id, CASE WHEN id % 2 = 0 THEN CAST(? AS BIGINT) END, CASE WHEN id % 2 = 1 THEN CAST(? AS BIGINT) END, 1 + id % 3 FROM processes WHERE env_id = ? AND id % 3 = 0`),
		w.users[1], w.teams[1], w.env)
	must(b, err)
	must(b, tx.Commit())
	_, err = s.db.ExecContext(ctx, "ANALYZE")
	must(b, err)
}
