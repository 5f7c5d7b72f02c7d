package cli

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/procmine/procmine/internal/seal"
	"github.com/procmine/procmine/internal/store/storetest"
)

// syncBuffer is a bytes.Buffer safe to write from the server's goroutines
// while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// TestAdminAndServe: create the first user offline, start the server on
// the same data folder, sign in over HTTP, and stop it with the context.
func TestAdminAndServe(t *testing.T) {
	dir := t.TempDir()
	var out, errb bytes.Buffer
	code := Main(context.Background(), []string{"admin", "create-user", "root", "--password-stdin", "--installation-admin", "--data-dir", dir},
		Streams{In: strings.NewReader("a long enough password\n"), Out: &out, Err: &errb})
	if code != 0 || !strings.Contains(out.String(), "created user root") {
		t.Fatalf("create-user: %d %s %s", code, out.String(), errb.String())
	}
	code = Main(context.Background(), []string{"admin", "create-user", "root", "--password-stdin", "--data-dir", dir},
		Streams{In: strings.NewReader("a long enough password\n"), Out: &out, Err: &errb})
	if code != 1 || !strings.Contains(errb.String(), `user "root" already exists`) {
		t.Errorf("duplicate: %d %s", code, errb.String())
	}
	if code, _, stderr := runCode("admin", "create-user", "x", "--data-dir", dir); code != 2 || !strings.Contains(stderr, "--password-stdin") {
		t.Errorf("without --password-stdin: %d %s", code, stderr)
	}

	addr, logs, stop := serveInBackground(t, "serve", "--data-dir", dir)
	var resp *http.Response
	var err error
	resp, err = http.Post("http://"+addr+"/api/v1/session", "application/json", strings.NewReader(`{"username":"root","password":"a long enough password"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || len(resp.Cookies()) != 1 {
		t.Errorf("sign-in: %d", resp.StatusCode)
	}
	if code := stop(); code != 0 {
		t.Errorf("serve exited %d\n%s", code, logs.String())
	}
	if !strings.Contains(logs.String(), `"msg":"request"`) || !strings.Contains(logs.String(), "procmine: stopped") {
		t.Errorf("logs:\n%s", logs.String())
	}
}

// TestAdminCreateUserOnPostgreSQL: the offline command works against a
// database URL too.
func TestAdminCreateUserOnPostgreSQL(t *testing.T) {
	dsn, ok := storetest.DSNs(t)["postgres"]
	if !ok {
		return // storetest logged why, or failed under CI
	}
	var out, errb bytes.Buffer
	// PostgreSQL wants its blob key given: a key made in a data folder
	// would differ from one server to the next.
	if code, _, stderr := runWithInput("x\n", "admin", "create-user", "pgroot", "--password-stdin", "--database-url", dsn); code != 2 || !strings.Contains(stderr, "give the blob key") {
		t.Errorf("PostgreSQL without a key: %d %s", code, stderr)
	}
	keyFile := filepath.Join(t.TempDir(), "blob.key")
	os.WriteFile(keyFile, []byte(seal.Generate()), 0o600)
	code := Main(context.Background(), []string{"admin", "create-user", "pgroot", "--password-stdin", "--database-url", dsn, "--blob-key-file", keyFile},
		Streams{In: strings.NewReader("a long enough password\n"), Out: &out, Err: &errb})
	if code != 0 || !strings.Contains(out.String(), "created user pgroot") {
		t.Fatalf("create-user on PostgreSQL: %d %s %s", code, out.String(), errb.String())
	}
	if code, _, stderr := runCode("admin", "create-user", "x", "--password-stdin", "--database-url", "mysql://nope"); code != 2 || !strings.Contains(stderr, "postgres://") {
		t.Errorf("a non-PostgreSQL URL: %d %s", code, stderr)
	}
}

// serveInBackground runs procmine with args plus --addr on a free loopback
// port, waits until it answers /readyz, and returns the address, its
// output and a stop function that returns the exit code.
func serveInBackground(t *testing.T, args ...string) (string, *syncBuffer, func() int) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	ctx, cancel := context.WithCancel(context.Background())
	out := &syncBuffer{}
	done := make(chan int, 1)
	go func() {
		done <- Main(ctx, append(args, "--addr", addr), Streams{In: strings.NewReader(""), Out: out, Err: out})
	}()
	for i := 0; ; i++ {
		if resp, err := http.Get("http://" + addr + "/readyz"); err == nil {
			resp.Body.Close()
			break
		}
		if i > 200 {
			cancel()
			t.Fatalf("procmine %s did not come up:\n%s", args[0], out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	return addr, out, func() int { cancel(); return <-done }
}
