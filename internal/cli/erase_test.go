package cli

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/procmine/procmine/internal/access"
	"github.com/procmine/procmine/internal/store"
)

func TestEraseOffline(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(dir, "procmine.db"))
	if err != nil {
		t.Fatal(err)
	}
	u, err := st.CreateUser(ctx, store.User{Username: "jdoe"})
	if err != nil {
		t.Fatal(err)
	}
	env, _, err := st.CreateEnvironment(ctx, "prod", u)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	for _, e := range []store.AuditEntry{
		{At: now, ActorID: u, Actor: "jdoe", Action: "sign-in", IP: "192.0.2.7"},
		{Env: env, At: now, Actor: "root", Action: "member.put", Target: "user 1", Detail: "for jdoe"},
	} {
		if err := st.Audit(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	st.Close()

	// Only a person's name is erased: "Jane Doe" is no username and no
	// value of any event log here, so the whole erasure is refused.
	if code, _, errOut := runCode("erase", "--person", "Jane Doe", "--person", "jdoe", "--data-dir", dir); code != 1 || !strings.Contains(errOut, "names[0]: no user") {
		t.Fatalf("erasing a name nobody goes by here: exit %d: %s", code, errOut)
	}
	code, out, errOut := runCode("erase", "--person", "jdoe", "--data-dir", dir)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var rep map[string]int
	if err := json.Unmarshal([]byte(out), &rep); err != nil || rep["audit_entries_changed"] != 2 || rep["user_accounts_matched"] != 1 {
		t.Fatalf("report %s (%v)", out, err)
	}
	st, err = store.Open(ctx, filepath.Join(dir, "procmine.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for _, e := range []int64{0, int64(env)} {
		entries, _ := st.AuditLog(ctx, access.ID(e), store.AuditFilter{})
		for _, a := range entries {
			if s := strings.ToLower(a.Actor + a.Detail + a.IP); strings.Contains(s, "jdoe") || strings.Contains(s, "jane") || strings.Contains(s, "192.0.2.7") {
				t.Errorf("entry %+v", a)
			}
		}
	}

	for _, tc := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"erase", "--data-dir", dir}, 2, "give 1 to 20 names"},
		{[]string{"erase", "--person", "x", "--data-dir", dir}, 2, "a name is 2 to 200 characters"},
		{[]string{"erase", "--person", "Jane Doe", "--environment", "99", "--data-dir", dir}, 1, "environment 99: no such environment"},
	} {
		if code, _, errOut := runCode(tc.args...); code != tc.code || !strings.Contains(errOut, tc.msg) {
			t.Errorf("%v: %d %q", tc.args, code, errOut)
		}
	}
}
