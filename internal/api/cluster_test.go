package api

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/procmine/procmine/internal/seal"
	"github.com/procmine/procmine/internal/signin"
	"github.com/procmine/procmine/internal/store"
	"github.com/procmine/procmine/internal/store/storetest"
)

// TestTwoServersOneDatabase: two servers on loopback ports share one
// PostgreSQL database, with no sticky sessions: a session made on one
// works on the other; a process imported through one is reported by the
// other, with the same figures; password guesses on both are counted
// together; a share revoked, a screenshot deleted or
// a person erased through one holds on the other within a second, even
// where the other had the data cached. Once with the blobs in the
// database, once in a bucket of a real S3 server that both servers use,
// where what was deleted or erased leaves the bucket too.
func TestTwoServersOneDatabase(t *testing.T) {
	t.Run("database", func(t *testing.T) { twoServers(t, nil) })
	t.Run("s3", func(t *testing.T) {
		s3 := storetest.NewS3(t)
		twoServers(t, &s3)
	})
}

func twoServers(t *testing.T, s3 *storetest.S3) {
	dsn, ok := storetest.DSNs(t)["postgres"]
	if !ok {
		t.Skip("two servers need one PostgreSQL database; PROCMINE_TEST_POSTGRES_URL is not set")
	}
	key, err := seal.ParseKey(seal.Generate())
	if err != nil {
		t.Fatal(err)
	}
	serve := func() *env {
		st, err := store.Open(context.Background(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		st.UseKeys(&seal.Keyring{Current: key}) // every server has the same key
		if s3 != nil {
			st.UseObjects(openBucket(t, *s3, "cluster")) // and the same bucket
			if err := st.CheckObjects(context.Background()); err != nil {
				t.Fatal(err)
			}
		}
		e := &env{t: t, store: st, dsn: dsn, now: time.Now().UTC()}
		srv := New(Config{Store: st, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Password: cheap})
		ts := httptest.NewServer(checked(t, srv.Handler()))
		t.Cleanup(func() { ts.Close(); st.Close() })
		startJobs(t, srv)
		e.url = ts.URL
		return e
	}
	a, b := serve(), serve()
	if a.url == b.url {
		t.Fatal("one server, not two")
	}
	// inBucket says whether the bucket holds objects that b's rows do
	// not name, or misses some they do; without S3 it holds.
	inBucket := func(when string) {
		t.Helper()
		if s3 == nil {
			return
		}
		named, err := b.store.ObjectsNamed(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]bool{}
		for _, k := range s3.Objects(t) {
			if n := strings.TrimPrefix(k, "cluster/"); n != "procmine-store" {
				got[n] = true
			}
		}
		if !maps.Equal(got, named) || len(got) == 0 {
			t.Errorf("%s: the bucket holds %v; the rows name %v", when, slices.Sorted(maps.Keys(got)), slices.Sorted(maps.Keys(named)))
		}
	}
	w := setupRecordings(t, a)
	// on is the same caller, with the same cookies, talking to another server.
	on := func(c *client, e *env) *client { return &client{e: e, http: c.http, token: c.token} }
	within := func(what string, refused func() bool) {
		t.Helper()
		start := time.Now()
		for !refused() {
			if time.Since(start) > time.Second {
				t.Errorf("%s: still there after a second", what)
				return
			}
			time.Sleep(10 * time.Millisecond)
		}
		t.Logf("%s: gone on the other server after %v", what, time.Since(start).Round(time.Millisecond))
	}

	// A session made on A is good on B.
	var me struct{ Username string }
	on(w.c["owner"], b).json("GET", "/api/v1/me", "", 200, &me)
	if me.Username != "maker" {
		t.Errorf("me on B: %+v", me)
	}

	// Password guesses spread over the servers are counted together.
	guess := func(e *env) int {
		code, _ := e.client().do("POST", "/api/v1/session", `{"username":"viewer","password":"not the password"}`, nil)
		return code
	}
	for i := range signin.FreeAttempts {
		if code := guess([]*env{a, b}[i%2]); code != 401 {
			t.Fatalf("guess %d: %d", i+1, code)
		}
	}
	if code := guess(b); code != 429 {
		t.Errorf("a guess past the free ones, on B, after guesses on both: %d, want 429", code)
	}

	// Imported through A, run by whichever server took the job, reported
	// by B with A's figures.
	csv := "case,activity,time,resource\n" +
		"1,Create,2026-01-01T09:00:00Z,Sara Lind\n1,Approve,2026-01-01T10:00:00Z,Ahmed Khan\n" +
		"2,Create,2026-01-02T09:00:00Z,Ahmed Khan\n2,Approve,2026-01-02T09:30:00Z,Ahmed Khan\n"
	job := w.c["owner"].importLog(w.process+"/data", "log.csv", []byte(csv), map[string]string{"case": "case", "activity": "activity", "timestamp": "time", "resource": "resource"})
	if job.State != "done" {
		t.Fatalf("import through A: %+v", job)
	}
	_, fromA := w.c["owner"].do("GET", w.process+"/statistics", "", nil)
	code, fromB := on(w.c["owner"], b).do("GET", w.process+"/statistics", "", nil)
	if code != 200 || fromA != fromB || !strings.Contains(fromB, `"cases":2`) {
		t.Errorf("statistics on B: %d %s; on A: %s", code, fromB, fromA)
	}
	inBucket("after the import")

	// A share revoked through A is refused by B.
	viewerOnB := on(w.c["viewer"], b)
	// Before the revocation the viewer may read the reports: two cases
	// are too few to show a report reader (422), which is not a 404.
	if code, body := viewerOnB.do("GET", w.process+"/report", "", nil); code != 422 || errorCode(t, body) != "too_few_cases" {
		t.Fatalf("the viewer's report on B before the revocation: %d %s", code, body)
	}
	w.c["owner"].json("DELETE", w.process+"/shares", fmt.Sprintf(`{"principal":{"user":%d}}`, w.ids["viewer"]), 204, nil)
	within("a revoked share", func() bool {
		code, _ := viewerOnB.do("GET", w.process+"/report", "", nil)
		return code == 404
	})

	// A screenshot deleted through A is gone on B.
	r := w.upload(w.c["contrib"], bundle(t, "t", []stepJSON{newStep("a", 0, stepJSON{"screenshot": "screenshots/a.png"})}, map[string][]byte{"screenshots/a.png": testPNG(t, 16, 16)}))
	shot := w.recordingPath(r.ID) + "/steps/1/screenshot"
	if code, _ := on(w.c["contrib"], b).do("GET", shot, "", nil); code != 200 {
		t.Fatalf("the screenshot on B: %d", code)
	}
	inBucket("with the screenshot")
	w.c["contrib"].json("DELETE", shot, "", 204, nil)
	within("a deleted screenshot", func() bool {
		code, _ := on(w.c["contrib"], b).do("GET", shot, "", nil)
		return code == 404
	})
	inBucket("after deleting the screenshot")

	// B has the log in memory; a person erased through A is gone from
	// what B serves (the database tells B to drop its copy).
	ownerOnB := on(w.c["owner"], b)
	if _, body := ownerOnB.do("GET", w.process+"/events", "", nil); !strings.Contains(body, "Sara Lind") {
		t.Fatalf("the events on B before the erasure do not name her: the check below would prove nothing: %s", body)
	}
	// B keeps the statistics answer too (resources name people).
	if _, body := ownerOnB.do("GET", w.process+"/statistics", "", nil); !strings.Contains(body, "Sara Lind") {
		t.Fatalf("the statistics on B before the erasure do not name her: %s", body)
	}
	w.root.json("POST", w.base+"/erasure", `{"names":["Sara Lind"]}`, 200, nil)
	within("an erased name in a log cached by the other server", func() bool {
		code, body := ownerOnB.do("GET", w.process+"/events", "", nil)
		return code == 200 && !strings.Contains(body, "Sara Lind")
	})
	within("an erased name in an answer kept by the other server", func() bool {
		code, body := ownerOnB.do("GET", w.process+"/statistics", "", nil)
		return code == 200 && !strings.Contains(body, "Sara Lind")
	})
	inBucket("after the erasure")
}
