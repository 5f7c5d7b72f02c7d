package store

import (
	"bytes"
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/procmine/procmine/internal/access"
	"github.com/procmine/procmine/internal/recording"
)

func step(name string, at time.Time) recording.Step {
	return recording.Step{Name: name, Action: "click", Input: "typed " + name, Element: recording.Element{Role: "edit", Bounds: &recording.Bounds{1, 2, 3, 4}},
		StartedAt: at, EndedAt: at.Add(time.Second)}
}

func TestRecordings(t *testing.T) {
	for name, s := range stores(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			env, root, err := s.CreateEnvironment(ctx, "env", 0)
			must(t, err)
			u, err := s.CreateUser(ctx, User{Username: "rec"})
			must(t, err)
			must(t, s.AddMember(ctx, env, u, root))
			p, err := s.CreateProcess(ctx, Process{Env: env, Name: "p", Owner: access.Principal{User: u}, Unit: root})
			must(t, err)
			at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
			marker := bytes.Repeat([]byte("SCREENSHOT-BYTES-"), 200)

			// A live session: steps only while recording.
			id, err := s.CreateRecording(ctx, Recording{Env: env, Recorder: u, Title: "live", State: StateRecording}, nil, nil)
			must(t, err)
			n, err := s.AppendStep(ctx, env, id, step("one", at), marker)
			must(t, err)
			if n != 1 {
				t.Errorf("first step is %d", n)
			}
			must(t, s.SetRecordingState(ctx, env, id, []string{StateRecording}, StatePaused, 0))
			if _, err := s.AppendStep(ctx, env, id, step("paused", at), nil); !errors.Is(err, ErrState) {
				t.Errorf("append while paused: %v", err)
			}
			must(t, s.SetRecordingState(ctx, env, id, []string{StatePaused}, StateRecording, 0))
			n, err = s.AppendStep(ctx, env, id, step("two", at.Add(time.Minute)), nil)
			must(t, err)
			if n != 2 {
				t.Errorf("second step is %d (the refused one must not count)", n)
			}
			if err := s.SetRecordingState(ctx, env, id, []string{StateStopped}, StatePublished, p); !errors.Is(err, ErrState) {
				t.Errorf("publish while recording: %v", err)
			}
			must(t, s.SetRecordingState(ctx, env, id, []string{StateRecording, StatePaused}, StateStopped, 0))
			must(t, s.SetRecordingState(ctx, env, id, []string{StateStopped}, StatePublished, p))

			recs, err := s.Recordings(ctx, env, p)
			must(t, err)
			if len(recs) != 1 || recs[0].StepCount != 2 || recs[0].RecorderName != "rec" || recs[0].State != StatePublished {
				t.Fatalf("recordings %+v", recs)
			}
			steps, err := s.Steps(ctx, id)
			must(t, err)
			if len(steps) != 2 || steps[0].Name != "one" || !steps[0].HasScreenshot || steps[1].HasScreenshot || *steps[0].Element.Bounds != (recording.Bounds{1, 2, 3, 4}) || !steps[1].StartedAt.Equal(at.Add(time.Minute)) {
				t.Fatalf("steps %+v", steps)
			}
			input := "edited"
			must(t, s.UpdateStep(ctx, id, 1, StepEdit{Input: &input}))
			steps, _ = s.Steps(ctx, id)
			if steps[0].Input != "edited" || steps[0].Name != "one" {
				t.Errorf("after edit: %+v", steps[0])
			}
			if err := s.UpdateStep(ctx, id, 9, StepEdit{Input: &input}); !errors.Is(err, ErrNotFound) {
				t.Errorf("edit of a missing step: %v", err)
			}

			// Deleting the screenshot erases its bytes.
			got, err := s.Screenshot(ctx, id, 1)
			must(t, err)
			if !bytes.Equal(got, marker) {
				t.Fatal("screenshot changed in the store")
			}
			must(t, s.DeleteScreenshot(ctx, id, 1))
			if _, err := s.Screenshot(ctx, id, 1); !errors.Is(err, ErrNotFound) {
				t.Errorf("screenshot after delete: %v", err)
			}
			var rows int
			must(t, s.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM screenshots").Scan(&rows))
			if rows != 0 {
				t.Errorf("%d screenshot rows left", rows)
			}
			if name == "sqlite" {
				assertNotOnDisk(t, s, marker)
			}

			must(t, s.DeleteStep(ctx, id, 1))
			steps, _ = s.Steps(ctx, id)
			if len(steps) != 1 || steps[0].N != 2 {
				t.Errorf("after deleting step 1: %+v", steps)
			}
			// Another environment does not reach it.
			other, _, err := s.CreateEnvironment(ctx, "other", 0)
			must(t, err)
			if _, err := s.Recording(ctx, other, id); !errors.Is(err, ErrNotFound) {
				t.Errorf("recording through another environment: %v", err)
			}
			if err := s.DeleteRecording(ctx, other, id); !errors.Is(err, ErrNotFound) {
				t.Errorf("delete through another environment: %v", err)
			}
			must(t, s.DeleteProcess(ctx, env, p))
			if _, err := s.Recording(ctx, env, id); !errors.Is(err, ErrNotFound) {
				t.Errorf("recording outlived its process: %v", err)
			}
		})
	}
}

// assertNotOnDisk reads the SQLite files themselves.
func assertNotOnDisk(t *testing.T, s *Store, marker []byte) {
	t.Helper()
	var file string
	must(t, s.db.QueryRow("SELECT file FROM pragma_database_list WHERE name = 'main'").Scan(&file))
	for _, f := range []string{file, file + "-wal"} {
		data, err := os.ReadFile(f)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		if bytes.Contains(data, marker[:64]) {
			t.Errorf("%s still holds the deleted screenshot's bytes", f)
		}
	}
}

func TestPrivacyPolicyKey(t *testing.T) {
	for name, s := range stores(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			a, _, _ := s.CreateEnvironment(ctx, "a", 0)
			b, _, _ := s.CreateEnvironment(ctx, "b", 0)
			pa, ka, err := s.PrivacyPolicy(ctx, a)
			must(t, err)
			_, ka2, _ := s.PrivacyPolicy(ctx, a)
			_, kb, _ := s.PrivacyPolicy(ctx, b)
			if pa != "" || len(ka) != 32 || !bytes.Equal(ka, ka2) || bytes.Equal(ka, kb) {
				t.Errorf("policy %q, keys %x %x %x", pa, ka, ka2, kb)
			}
			must(t, s.SetPrivacyPolicy(ctx, a, `{"x":1}`))
			pa, ka2, _ = s.PrivacyPolicy(ctx, a)
			if !strings.Contains(pa, "x") || !bytes.Equal(ka, ka2) {
				t.Errorf("after set: %q", pa)
			}
		})
	}
}

// TestEraseEverywhere: erasure with environment 0 reaches every
// environment and the installation's audit entries, on both databases.
func TestEraseEverywhere(t *testing.T) {
	for name, s := range stores(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			u, err := s.CreateUser(ctx, User{Username: "kim"})
			must(t, err)
			var envs []access.ID
			for _, n := range []string{"a", "b"} {
				env, _, err := s.CreateEnvironment(ctx, n, u)
				must(t, err)
				envs = append(envs, env)
				st := step("ask Kim Berg", time.Now())
				_, err = s.CreateRecording(ctx, Recording{Env: env, Recorder: u, Title: "t", State: StateStopped}, []recording.Step{st}, nil)
				must(t, err)
				must(t, s.Audit(ctx, AuditEntry{Env: env, At: time.Now(), ActorID: u, Actor: "kim", Action: "x", IP: "192.0.2.1"}))
			}
			must(t, s.Audit(ctx, AuditEntry{At: time.Now(), ActorID: u, Actor: "kim", Action: "sign-in", IP: "192.0.2.1"}))
			replace := func(t string) (string, bool) {
				if strings.Contains(t, "Kim Berg") {
					return strings.ReplaceAll(t, "Kim Berg", "[erased]"), true
				}
				return t, false
			}
			re, err := s.EraseFromRecordings(ctx, 0, []access.ID{u}, replace)
			must(t, err)
			entries, err := s.EraseFromAudit(ctx, 0, []access.ID{u}, replace, nil, "[erased]")
			must(t, err)
			if re.Unlinked != 2 || re.Steps != 2 || len(entries) != 3 {
				t.Errorf("%+v, audit entries %v", re, entries)
			}
			for _, env := range append(envs, 0) {
				got, _ := s.AuditLog(ctx, env, AuditFilter{})
				for _, a := range got {
					if a.Actor != "[erased]" || a.ActorID != 0 || a.IP != "" {
						t.Errorf("env %d: %+v", env, a)
					}
				}
			}
		})
	}
}

// TestStepTextsEncoding: the texts sealed for a step come back as they
// were, empty ones and any bytes included, and a damaged encoding is an
// error, not a wrong step.
func TestStepTextsEncoding(t *testing.T) {
	in := stepTexts{"Öffnen", "", "ERP", strings.Repeat("w", 300), "a\x00b", "typed ✓"}
	data := in.encode()
	var out stepTexts
	if err := out.decode(data); err != nil || out != in {
		t.Fatalf("round trip: %+v %v", out, err)
	}
	for name, bad := range map[string][]byte{
		"empty":         nil,
		"other version": append([]byte{2}, data[1:]...),
		"cut short":     data[:len(data)-1],
		"run on":        append(bytes.Clone(data), 'x'),
		"huge length":   {stepTextsV1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01},
	} {
		if err := out.decode(bad); err == nil {
			t.Errorf("%s: decoded %+v", name, out)
		}
	}
}
