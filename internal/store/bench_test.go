package store

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/procmine/procmine/internal/access"
	"github.com/procmine/procmine/internal/recording"
	"github.com/procmine/procmine/internal/seal"
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

// BenchmarkStepTexts reads the steps of 100 recordings of 100 steps each
// published into one process, as task mining does, and edits a step's
// input, as a PATCH does, with the blob key in use (SQLite and
// PostgreSQL): the cost of opening every step's sealed texts, and of an
// edit that erases what it replaced.
func BenchmarkStepTexts(b *testing.B) {
	ctx := context.Background()
	for name, s := range stores(b) {
		k, err := seal.ParseKey(seal.Generate())
		if err != nil {
			b.Fatal(err)
		}
		s.UseKeys(&seal.Keyring{Current: k})
		u, err := s.CreateUser(ctx, User{Username: "o"})
		if err != nil {
			b.Fatal(err)
		}
		env, root, _ := s.CreateEnvironment(ctx, "e", u)
		p, err := s.CreateProcess(ctx, Process{Env: env, Name: "p", Owner: access.Principal{User: u}, Unit: root})
		if err != nil {
			b.Fatal(err)
		}
		at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
		var rid access.ID
		for r := range 100 {
			steps := make([]recording.Step, 100)
			for i := range steps {
				steps[i] = recording.Step{Name: fmt.Sprintf("Step %d", i%12), Description: "Open the invoice from the inbox", Action: "type", Application: "ERP",
					WindowTitle: "Invoice 4711 - ERP", Element: recording.Element{Name: "Amount", Role: "edit"}, Input: fmt.Sprintf("typed %d %d", r, i),
					StartedAt: at, EndedAt: at.Add(time.Second)}
			}
			if rid, err = s.CreateRecording(ctx, Recording{Env: env, Process: p, Recorder: u, Title: "t", State: StatePublished}, steps, nil); err != nil {
				b.Fatal(err)
			}
		}
		b.Run(name+"/read-10k-steps", func(b *testing.B) {
			for b.Loop() {
				if _, steps, err := s.ProcessSteps(ctx, env, p); err != nil || len(steps) != 100 {
					b.Fatal(len(steps), err)
				}
			}
		})
		b.Run(name+"/edit-a-step", func(b *testing.B) {
			i := 0
			for b.Loop() {
				i++
				input := fmt.Sprintf("edited %d", i)
				if err := s.UpdateStep(ctx, rid, 1+i%100, StepEdit{Input: &input}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkOpenStepTexts opens one step's sealed texts, as every read of
// a step does (task mining opens every step of a process), and, for the
// choice of encoding, decodes the same texts from JSON.
func BenchmarkOpenStepTexts(b *testing.B) {
	k, err := seal.ParseKey(seal.Generate())
	if err != nil {
		b.Fatal(err)
	}
	s := &Store{keys: &seal.Keyring{Current: k}}
	t := stepTexts{"Step 7", "Open the invoice from the inbox", "ERP", "Invoice 4711 - ERP", "Amount", "typed 12 34"}
	sealed := s.sealStepTexts(12, 34, t)
	b.Run("open", func(b *testing.B) {
		for b.Loop() {
			if got, err := s.openStepTexts(12, 34, sealed, stepTexts{}); err != nil || got != t {
				b.Fatal(got, err)
			}
		}
	})
	b.Run("decode", func(b *testing.B) {
		data := t.encode()
		for b.Loop() {
			var got stepTexts
			if err := got.decode(data); err != nil || got != t {
				b.Fatal(got, err)
			}
		}
	})
	b.Run("decode-json", func(b *testing.B) {
		data, _ := json.Marshal(t)
		for b.Loop() {
			var got stepTexts
			if err := json.Unmarshal(data, &got); err != nil || got != t {
				b.Fatal(got, err)
			}
		}
	})
}
