package cli

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/procmine/procmine/internal/testlogs"
)

// TestRemoteAgreesWithOffline: procmine remote stats, map and variants,
// run against a server through its generated client, print what the
// offline verbs print on the same file, for the process's owner; a
// report reader gets the figures disclosure control lets through (no
// resource, no time range, no variant of fewer than k cases) and is told
// so.
func TestRemoteAgreesWithOffline(t *testing.T) {
	addr, out, _ := serveInBackground(t, "demo", "--data-dir", t.TempDir())
	passwords := demoPasswords(out.String())
	base := "http://" + addr
	maker, makerToken := signInWithToken(t, base, "maker", passwords["maker"])
	_, viewerToken := signInWithToken(t, base, "viewer", passwords["viewer"])

	for _, rel := range []string{"xes/08_receipt.xes.gz", "xes/04_reviewing.xes.gz"} {
		t.Run(filepath.Base(rel), func(t *testing.T) {
			file := testlogs.Path(t, rel)
			upload(t, maker, base, file)
			t.Setenv("PROCMINE_TOKEN", makerToken)
			remote := []string{"--server", base, "--process", "1"}
			for _, c := range [][]string{
				{"stats"}, {"stats", "--json"}, {"variants"}, {"variants", "--top", "5", "--json"},
				{"map", "--format-out", "json"}, {"map", "--view", "performance", "--paths", "0.5", "--format-out", "dot"},
			} {
				code, want, errs := runCode(append([]string{c[0], file}, c[1:]...)...)
				if code != 0 {
					t.Fatalf("offline %v: %d %s", c, code, errs)
				}
				// The offline verb names the calendar file; the process
				// here has none, so neither does the output.
				code, got, errs := runCode(append(append([]string{"remote", c[0]}, remote...), c[1:]...)...)
				if code != 0 {
					t.Fatalf("remote %v: %d %s", c, code, errs)
				}
				if got != want {
					t.Errorf("remote %v differs from offline:\n%.600s\n---\n%.600s", c, got, want)
					if d := os.Getenv("REMOTE_DIFF"); d != "" {
						n := strings.Join(c, "_")
						os.WriteFile(filepath.Join(d, n+".got"), []byte(got), 0o644)
						os.WriteFile(filepath.Join(d, n+".want"), []byte(want), 0o644)
					}
				}
			}

			// A report reader: key figures through disclosure control.
			t.Setenv("PROCMINE_TOKEN", viewerToken)
			_, owners, _ := runCode("stats", file, "--json")
			var full struct {
				ResourceWork []struct{ Resource string } `json:"resource_work"`
				TimeRange    [2]string                   `json:"time_range"`
			}
			if err := json.Unmarshal([]byte(owners), &full); err != nil {
				t.Fatal(err)
			}
			code, got, errs := runCode(append([]string{"remote", "stats"}, remote...)...)
			if code != 0 || !strings.Contains(got, "as a report reader: figures describe groups of at least") {
				t.Fatalf("reader's stats: %d %s %s", code, got, errs)
			}
			for _, r := range full.ResourceWork {
				if r.Resource != "" && regexp.MustCompile(`(?m)\s`+regexp.QuoteMeta(r.Resource)+`\s`).MatchString(got) {
					t.Errorf("a reader's stats name the resource %q:\n%s", r.Resource, got)
				}
			}
			if strings.Contains(got, full.TimeRange[0][:10]) || strings.Contains(got, "time range") {
				t.Errorf("a reader's stats give the time range:\n%s", got)
			}
			code, got, errs = runCode(append([]string{"remote", "variants", "--json"}, remote...)...)
			var vs struct {
				Total    int
				Variants []struct{ Cases int }
			}
			// Receipt has variants of many cases; reviewing's 100 cases
			// take 96 variants, none of k.
			if code != 0 || json.Unmarshal([]byte(got), &vs) != nil || (len(vs.Variants) == 0) != strings.Contains(rel, "reviewing") {
				t.Fatalf("reader's variants: %d %s %s", code, got, errs)
			}
			// The server's total (noisy) counts the small variants too.
			if vs.Total <= len(vs.Variants) {
				t.Errorf("a reader's total %d, with %d variants shown", vs.Total, len(vs.Variants))
			}
			for _, v := range vs.Variants {
				if v.Cases < 5 {
					t.Errorf("a reader is shown a variant of %d cases (k is 5)", v.Cases)
				}
			}
			code, _, errs = runCode(append([]string{"remote", "map"}, remote...)...)
			if code != 0 || !strings.Contains(errs, "as a report reader") {
				t.Errorf("reader's map: %d %s", code, errs)
			}
		})
	}

	// A process the caller may not read is not found, as one that does
	// not exist; a wrong verb or a missing process says what is wrong.
	t.Setenv("PROCMINE_TOKEN", viewerToken)
	for _, c := range []struct {
		args []string
		code int
		err  string
	}{
		{[]string{"remote", "stats", "--server", base, "--process", "999"}, 1, "process 999: not found among the processes you may read"},
		{[]string{"remote", "stats", "--server", base, "--process", "999", "--env", "1"}, 1, "404 not_found"},
		{[]string{"remote", "stats", "--server", base}, 2, "--process"},
		{[]string{"remote", "mine", "--server", base}, 2, `"mine" is not a remote verb`},
		{[]string{"remote", "stats", "--server", "http://example.com", "--process", "1"}, 2, "https"},
	} {
		if code, _, errs := runCode(c.args...); code != c.code || !strings.Contains(errs, c.err) {
			t.Errorf("%v: %d %s, want %d and %q", c.args, code, errs, c.code, c.err)
		}
	}
}

// demoPasswords reads the users and passwords procmine demo prints.
func demoPasswords(printed string) map[string]string {
	passwords := map[string]string{}
	for _, line := range strings.Split(printed, "\n") {
		if f := strings.Fields(line); len(f) > 2 && len(f[1]) == 16 {
			passwords[f[0]] = f[1]
		}
	}
	return passwords
}

// signInWithToken signs user in and makes a personal access token.
func signInWithToken(t *testing.T, base, user, password string) (*http.Client, string) {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	resp, err := c.Post(base+"/api/v1/session", "application/json", strings.NewReader(`{"username":"`+user+`","password":"`+password+`"}`))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("%s signs in: %v %v", user, err, resp)
	}
	resp.Body.Close()
	if resp, err = c.Post(base+"/api/v1/tokens", "application/json", strings.NewReader(`{"name":"remote"}`)); err != nil || resp.StatusCode != 201 {
		t.Fatalf("%s makes a token: %v", user, err)
	}
	defer resp.Body.Close()
	var tok struct{ Token string }
	json.NewDecoder(resp.Body).Decode(&tok)
	return c, tok.Token
}

// upload imports file as the demo's process 1's data, as it is (no
// privacy policy applied: the owner compares it with the file), and
// waits for the import.
func upload(t *testing.T, c *http.Client, base, file string) {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("privacy", "raw")
	fw, _ := mw.CreateFormFile("file", filepath.Base(file))
	fw.Write(data)
	mw.Close()
	resp, err := c.Post(base+"/api/v1/environments/1/processes/1/data", mw.FormDataContentType(), &body)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var queued struct{ Job int }
	if resp.StatusCode != 202 || json.Unmarshal(b, &queued) != nil {
		t.Fatalf("upload: %d %s", resp.StatusCode, b)
	}
	for deadline := time.Now().Add(2 * time.Minute); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		resp, err := c.Get(base + "/api/v1/jobs/" + strconv.Itoa(queued.Job))
		if err != nil {
			t.Fatal(err)
		}
		var j struct{ State, Error string }
		json.NewDecoder(resp.Body).Decode(&j)
		resp.Body.Close()
		switch j.State {
		case "done":
			return
		case "failed":
			t.Fatalf("import of %s failed: %s", file, j.Error)
		}
	}
	t.Fatalf("import of %s did not end", file)
}
