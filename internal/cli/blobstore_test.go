package cli

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"path/filepath"
	"strings"
	"testing"

	"github.com/procmine/procmine/internal/store/storetest"
)

// TestServeWithBlobStore: procmine keeps its blobs in the bucket that
// --blob-store names, on the server that AWS_ENDPOINT_URL and the AWS keys
// in the environment name; it serves them back after a restart; started
// without the bucket, on a database that uses one, it refuses to start,
// as it does with a bucket that does not exist, and backup says why it
// cannot copy the blobs.
func TestServeWithBlobStore(t *testing.T) {
	s3 := storetest.NewS3(t)
	t.Setenv("AWS_ENDPOINT_URL", s3.Endpoint)
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_ACCESS_KEY_ID", s3.AccessKey)
	t.Setenv("AWS_SECRET_ACCESS_KEY", s3.SecretKey)
	dir, loc := t.TempDir(), s3.Location("cli")

	if code, _, stderr := runCode("serve", "--data-dir", dir, "--blob-store", "s3://no-such-bucket-here/x"); code != 1 || !strings.Contains(stderr, `the bucket "no-such-bucket-here" does not exist`) {
		t.Errorf("a bucket that does not exist: %d %s", code, stderr)
	}
	if code, _, stderr := runCode("serve", "--data-dir", dir, "--blob-store", "bucket/x"); code == 0 || !strings.Contains(stderr, "s3://bucket") {
		t.Errorf("a location that is not s3://: %d %s", code, stderr)
	}

	ctx := context.Background()
	sf := storeFlags{dataDir: dir, blobStore: loc, notice: io.Discard}
	st, err := sf.open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	users, err := seedDemo(ctx, st)
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	versions := 0
	for _, k := range s3.Objects(t) {
		if strings.HasPrefix(k, "cli/eventlog/") {
			versions++
		}
	}
	if versions < 3 {
		t.Fatalf("the demo's versions in the bucket: %d objects in %v", versions, s3.Objects(t))
	}

	addr, logs, stop := serveInBackground(t, "serve", "--data-dir", dir, "--blob-store", loc)
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	resp, err := c.Post("http://"+addr+"/api/v1/session", "application/json", strings.NewReader(`{"username":"`+users[2].name+`","password":"`+users[2].password+`"}`))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("sign-in: %v %v", err, resp)
	}
	resp.Body.Close()
	resp, err = c.Get("http://" + addr + "/api/v1/environments/1/processes/1/statistics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"cases":`) {
		t.Errorf("statistics from the bucket: %d %.200s", resp.StatusCode, body)
	}
	if code := stop(); code != 0 {
		t.Errorf("serve exited %d\n%s", code, logs.String())
	}

	if code, _, stderr := runCode("serve", "--data-dir", dir); code != 1 || !strings.Contains(stderr, "start procmine with the same --blob-store") {
		t.Errorf("serve without the blob store its database uses: %d %s", code, stderr)
	}
	if code, _, stderr := runCode("backup", "-o", filepath.Join(t.TempDir(), "b.db"), "--data-dir", dir, "--blob-store", loc); code != 1 || !strings.Contains(stderr, "back the bucket up") {
		t.Errorf("backup of a store whose blobs are in a bucket: %d %s", code, stderr)
	}
}
