package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/cookiejar"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/procmine/procmine/internal/seal"
	"github.com/procmine/procmine/internal/store/storetest"
)

// TestMain lets a test run this binary as procmine itself: with
// PROCMINE_TEST_AS_MAIN=1 it is the command, so a test can kill it.
func TestMain(m *testing.M) {
	if os.Getenv("PROCMINE_TEST_AS_MAIN") == "1" {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		code := Main(ctx, os.Args[1:], Std())
		stop()
		os.Exit(code)
	}
	os.Exit(m.Run())
}

// TestImportSurvivesSIGKILL: killing the server with SIGKILL during an
// import leaves no partial version, and after a restart the job resumes
// from the file staged in the database and makes exactly one version; on
// both databases.
func TestImportSurvivesSIGKILL(t *testing.T) {
	var csv bytes.Buffer
	csv.WriteString("case,activity,timestamp\n")
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 600_000 {
		fmt.Fprintf(&csv, "c%d,step %d,%s\n", i/6, i%6, start.Add(time.Duration(i)*time.Second).Format(time.RFC3339))
	}
	for name, dsn := range storetest.DSNs(t) {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			key := filepath.Join(dir, "key")
			os.WriteFile(key, []byte(seal.Generate()), 0o600)
			store := []string{"--data-dir", dir, "--blob-key-file", key}
			if name == "postgres" {
				store = append(store, "--database-url", dsn)
			}
			if code, _, errOut := runWithInput("a long enough password\n", append([]string{"admin", "create-user", "root", "--password-stdin", "--installation-admin"}, store...)...); code != 0 {
				t.Fatal(errOut)
			}
			serve := func() (string, *exec.Cmd) {
				ln, _ := net.Listen("tcp", "127.0.0.1:0")
				addr := ln.Addr().String()
				ln.Close()
				// A short import timeout, so that the job of the killed
				// server is taken up again soon (after twice the timeout).
				cmd := exec.Command(os.Args[0], append([]string{"serve", "--addr", addr, "--import-timeout", "5s"}, store...)...)
				cmd.Env = append(os.Environ(), "PROCMINE_TEST_AS_MAIN=1")
				cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
				if err := cmd.Start(); err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
				for i := 0; ; i++ {
					if resp, err := http.Get("http://" + addr + "/readyz"); err == nil {
						resp.Body.Close()
						break
					}
					if i > 200 {
						t.Fatal("the server did not come up")
					}
					time.Sleep(50 * time.Millisecond)
				}
				return "http://" + addr, cmd
			}
			base, cmd := serve()
			jar, _ := cookiejar.New(nil)
			c := &http.Client{Jar: jar}
			post := func(path, body string) map[string]any {
				t.Helper()
				resp, err := c.Post(base+path, "application/json", strings.NewReader(body))
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				var out map[string]any
				json.NewDecoder(resp.Body).Decode(&out)
				return out
			}
			post("/api/v1/session", `{"username":"root","password":"a long enough password"}`)
			env := post("/api/v1/environments", `{"name":"prod"}`)
			envPath := fmt.Sprintf("/api/v1/environments/%v", env["id"])
			proc := post(envPath+"/processes", `{"name":"big"}`)
			procPath := fmt.Sprintf("%s/processes/%v", envPath, proc["id"])

			var body bytes.Buffer
			mw := multipart.NewWriter(&body)
			fw, _ := mw.CreateFormFile("file", "big.csv")
			fw.Write(csv.Bytes())
			mw.Close()
			resp, err := c.Post(base+procPath+"/data", mw.FormDataContentType(), &body)
			if err != nil {
				t.Fatal(err)
			}
			var accepted struct{ Job int }
			json.NewDecoder(resp.Body).Decode(&accepted)
			resp.Body.Close()
			if resp.StatusCode != 202 {
				t.Fatalf("upload: %d", resp.StatusCode)
			}
			job := func() (j struct{ State, Error string }) {
				t.Helper()
				r, err := c.Get(fmt.Sprintf("%s/api/v1/jobs/%d", base, accepted.Job))
				if err != nil {
					t.Fatal(err)
				}
				defer r.Body.Close()
				json.NewDecoder(r.Body).Decode(&j)
				return j
			}
			versions := func() int {
				t.Helper()
				r, err := c.Get(base + procPath + "/data")
				if err != nil {
					t.Fatal(err)
				}
				defer r.Body.Close()
				var out struct{ Versions []any }
				raw, _ := io.ReadAll(r.Body)
				if err := json.Unmarshal(raw, &out); r.StatusCode != 200 || err != nil {
					t.Fatalf("versions: %d %s", r.StatusCode, raw)
				}
				return len(out.Versions)
			}
			for j := job(); j.State != "running"; j = job() {
				if j.State != "queued" {
					t.Fatalf("the job before the kill: %+v", j)
				}
				time.Sleep(10 * time.Millisecond)
			}
			// Killed mid-import: no chance to clean up.
			cmd.Process.Signal(syscall.SIGKILL)
			cmd.Wait()

			base, _ = serve()
			c.Jar, _ = cookiejar.New(nil)
			post("/api/v1/session", `{"username":"root","password":"a long enough password"}`)
			if n := versions(); n != 0 {
				t.Errorf("versions after the kill: %d", n)
			}
			deadline := time.Now().Add(90 * time.Second)
			j := job()
			for ; j.State != "done" && j.State != "failed" && time.Now().Before(deadline); j = job() {
				time.Sleep(100 * time.Millisecond)
			}
			if j.State != "done" {
				t.Fatalf("the job after the restart: %+v", j)
			}
			if n := versions(); n != 1 {
				t.Errorf("versions once the job resumed: %d", n)
			}
		})
	}
}
