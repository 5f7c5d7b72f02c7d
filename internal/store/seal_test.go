package store

import (
	"bytes"
	"context"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/procmine/procmine/internal/access"
	"github.com/procmine/procmine/internal/recording"
	"github.com/procmine/procmine/internal/seal"
	"github.com/procmine/procmine/internal/store/storetest"
)

func testKey(t *testing.T) *seal.Key {
	k, err := seal.ParseKey(seal.Generate())
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// rawBlobs reads the stored bytes of every blob, past the store.
func rawBlobs(t *testing.T, s *Store) [][]byte {
	var out [][]byte
	for _, q := range []string{"SELECT data FROM log_versions", "SELECT data FROM screenshots", "SELECT pseudonym_key FROM privacy_policies", "SELECT texts FROM recording_steps"} {
		rows, err := s.db.Query(q)
		must(t, err)
		for rows.Next() {
			var b []byte
			must(t, rows.Scan(&b))
			out = append(out, b)
		}
		rows.Close()
	}
	return out
}

func TestBlobsAreSealedAndKeysRotate(t *testing.T) {
	for name, s := range stores(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			a, b := testKey(t), testKey(t)
			s.UseKeys(&seal.Keyring{Current: a})
			env, root, err := s.CreateEnvironment(ctx, "e", 0)
			must(t, err)
			u, err := s.CreateUser(ctx, User{Username: "o"})
			must(t, err)
			p, err := s.CreateProcess(ctx, Process{Env: env, Name: "p", Owner: access.Principal{User: u}, Unit: root})
			must(t, err)
			logData := []byte("EVENT-DATA resource=Sara Lind")
			v, err := s.AddVersion(ctx, p, Version{Source: "x.csv"}, logData)
			must(t, err)
			shot := []byte("\x89PNG SCREENSHOT-DATA")
			rid, err := s.CreateRecording(ctx, Recording{Env: env, Title: "t", State: StateStopped}, []recording.Step{step("a", time.Now())}, map[int][]byte{0: shot})
			must(t, err)

			_, pkey, err := s.PrivacyPolicy(ctx, env)
			must(t, err)
			for _, raw := range rawBlobs(t, s) {
				if id, ok := seal.SealedWith(raw); !ok || id != a.ID() || bytes.Contains(raw, []byte("DATA")) || bytes.Contains(raw, pkey) {
					t.Fatalf("stored blob is not sealed with the key: %q", raw[:min(len(raw), 40)])
				}
			}
			if got, err := s.VersionData(ctx, p, v); err != nil || !bytes.Equal(got, logData) {
				t.Fatalf("version data: %q %v", got, err)
			}
			if got, err := s.Screenshot(ctx, rid, 1); err != nil || !bytes.Equal(got, shot) {
				t.Fatalf("screenshot: %q %v", got, err)
			}
			// A sealed blob copied onto another row does not open there.
			rid2, err := s.CreateRecording(ctx, Recording{Env: env, Title: "t2", State: StateStopped}, []recording.Step{step("b", time.Now())}, map[int][]byte{0: []byte("\x89PNG OTHER")})
			must(t, err)
			_, err = s.db.Exec(s.rebind("UPDATE screenshots SET data = (SELECT data FROM screenshots WHERE recording_id = ?) WHERE recording_id = ?"), rid, rid2)
			must(t, err)
			if _, err := s.Screenshot(ctx, rid2, 1); err == nil || !strings.Contains(err.Error(), "does not authenticate") {
				t.Errorf("a blob moved to another row opened: %v", err)
			}
			_, err = s.db.Exec(s.rebind("UPDATE screenshots SET data = ? WHERE recording_id = ?"), []byte("planted in clear"), rid2)
			must(t, err)
			if _, err := s.Screenshot(ctx, rid2, 1); !errors.Is(err, seal.ErrNotSealed) {
				t.Errorf("a blob planted in clear: %v", err)
			}
			_, err = s.db.Exec(s.rebind("DELETE FROM recordings WHERE id = ?"), rid2)
			must(t, err)
			// Without the key, or with another one, nothing reads.
			s.UseKeys(nil)
			if _, err := s.Screenshot(ctx, rid, 1); err == nil || !strings.Contains(err.Error(), "no key is configured") {
				t.Errorf("no key: %v", err)
			}
			s.UseKeys(&seal.Keyring{Current: b})
			if _, err := s.VersionData(ctx, p, v); !errors.Is(err, seal.ErrUnknownKey) {
				t.Errorf("wrong key: %v", err)
			}
			// Rotation: b current, a kept to open; everything is resealed.
			s.UseKeys(&seal.Keyring{Current: b, Old: []*seal.Key{a}})
			n, err := s.Reseal(ctx)
			must(t, err)
			if n != 4 {
				t.Errorf("resealed %d blobs, want 4 (log, screenshot, pseudonym key, step texts)", n)
			}
			if n, _ := s.Reseal(ctx); n != 0 {
				t.Errorf("a second rotation resealed %d", n)
			}
			s.UseKeys(&seal.Keyring{Current: b})
			if got, err := s.Screenshot(ctx, rid, 1); err != nil || !bytes.Equal(got, shot) {
				t.Errorf("after rotation, with the new key only: %v", err)
			}
			if _, k2, err := s.PrivacyPolicy(ctx, env); err != nil || !bytes.Equal(k2, pkey) {
				t.Errorf("pseudonym key after rotation: %v", err)
			}
			for _, raw := range rawBlobs(t, s) {
				if id, _ := seal.SealedWith(raw); id != b.ID() {
					t.Errorf("blob still sealed with %s", id)
				}
			}
		})
	}
}

// TestStepTextsStoredInClearAreSealed: steps stored before their texts
// were sealed (migration 00019 leaves their texts in the clear columns,
// texts NULL) read as they were, and SealStepTexts, which the server runs
// at start, seals them and empties the clear columns; on SQLite the clear
// texts leave the file and its write-ahead log.
func TestStepTextsStoredInClearAreSealed(t *testing.T) {
	for name, dsn := range storetest.DSNs(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			s, err := Open(ctx, dsn)
			must(t, err)
			defer s.Close()
			k := testKey(t)
			s.UseKeys(&seal.Keyring{Current: k})
			env, _, err := s.CreateEnvironment(ctx, "e", 0)
			must(t, err)
			rid, err := s.CreateRecording(ctx, Recording{Env: env, Title: "t", State: StateStopped}, []recording.Step{step("a", time.Now()), step("b", time.Now())}, nil)
			must(t, err)
			// Step 1 as a version before 00019 stored it.
			legacy := []string{"LEGACY-NAME-4241", "LEGACY-DESC-4242", "LEGACY-APP-4243", "LEGACY-TITLE-4244", "LEGACY-ELEMENT-4245", "LEGACY-INPUT-4246"}
			_, err = s.db.Exec(s.rebind("UPDATE recording_steps SET texts = NULL, name = ?, description = ?, application = ?, window_title = ?, element_name = ?, input = ? WHERE recording_id = ? AND n = 1"),
				legacy[0], legacy[1], legacy[2], legacy[3], legacy[4], legacy[5], rid)
			must(t, err)
			check := func(when string) {
				steps, err := s.Steps(ctx, rid)
				must(t, err)
				st := steps[0]
				if got := []string{st.Name, st.Description, st.Application, st.WindowTitle, st.Element.Name, st.Input}; !slices.Equal(got, legacy) || steps[1].Input != "typed b" {
					t.Errorf("%s: steps read %+v", when, steps)
				}
			}
			check("before sealing")
			n, err := s.SealStepTexts(ctx)
			if err != nil || n != 1 {
				t.Fatalf("sealed %d steps (%v), want 1", n, err)
			}
			check("after sealing")
			if n, err := s.SealStepTexts(ctx); err != nil || n != 0 {
				t.Errorf("a second start sealed %d (%v)", n, err)
			}
			var texts []byte
			var clear string
			must(t, s.db.QueryRow(s.rebind("SELECT texts, name || description || application || window_title || element_name || input FROM recording_steps WHERE recording_id = ? AND n = 1"), rid).Scan(&texts, &clear))
			if id, ok := seal.SealedWith(texts); !ok || id != k.ID() || clear != "" || bytes.Contains(texts, []byte("LEGACY")) {
				t.Errorf("step 1 stored as %q, clear columns %q", texts, clear)
			}
			if name == "sqlite" {
				for _, f := range []string{dsn, dsn + "-wal"} {
					data, err := os.ReadFile(f)
					must(t, err)
					if bytes.Contains(data, []byte("LEGACY-")) {
						t.Errorf("%s still holds the clear texts", f)
					}
				}
			}
		})
	}
}
