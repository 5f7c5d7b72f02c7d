package s3blobs

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/procmine/procmine/internal/store"
	"github.com/procmine/procmine/internal/store/storetest"
)

func TestParseLocation(t *testing.T) {
	for _, c := range []struct{ in, bucket, prefix, err string }{
		{"s3://b", "b", "", ""},
		{"s3://b/", "b", "", ""},
		{"s3://b/p", "b", "p/", ""},
		{"s3://b/p/q/", "b", "p/q/", ""},
		{"b/p", "", "", "give it as s3://bucket"},
		{"https://b/p", "", "", "give it as s3://bucket"},
		{"s3:///p", "", "", "names no bucket"},
	} {
		b, p, err := parseLocation(c.in)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%q: %v, want an error saying %q", c.in, err, c.err)
			}
			continue
		}
		if err != nil || b != c.bucket || p != c.prefix {
			t.Errorf("%q: %q %q %v, want %q %q", c.in, b, p, err, c.bucket, c.prefix)
		}
	}
}

func config(s storetest.S3) Config {
	return Config{Endpoint: s.Endpoint, Region: "us-east-1", Credentials: credentials.NewStaticV4(s.AccessKey, s.SecretKey, "")}
}

// TestBucket: put, get, walk and delete on a real S3 server; a missing
// object is store.ErrNotFound, a missing one deleted is no error, and a
// missing bucket or a bad key is refused when the store is opened.
func TestBucket(t *testing.T) {
	s := storetest.NewS3(t)
	ctx := context.Background()
	b, err := Open(ctx, s.Location("p"), config(s))
	if err != nil {
		t.Fatal(err)
	}
	big := bytes.Repeat([]byte("0123456789abcdef"), 3<<20) // 48 MiB: a multipart upload
	for name, data := range map[string][]byte{"a/1": []byte("one"), "a/2": {}, "big": big} {
		if err := b.Put(ctx, name, data); err != nil {
			t.Fatal(err)
		}
		got, err := b.Get(ctx, name, int64(len(big)))
		if err != nil || !bytes.Equal(got, data) {
			t.Errorf("%s: %d bytes back of %d, %v", name, len(got), len(data), err)
		}
	}
	// An object larger than its reader allows is refused before it is
	// read.
	if _, err := b.Get(ctx, "big", 1<<20); err == nil || !strings.Contains(err.Error(), "more than the 1048576 it may be") {
		t.Errorf("an object of 48 MiB read with a bound of 1 MiB: %v", err)
	}
	var names []string
	if err := b.Walk(ctx, func(name string, stored time.Time) error {
		if time.Since(stored) > time.Hour || time.Until(stored) > time.Hour {
			t.Errorf("%s stored at %v", name, stored)
		}
		names = append(names, name)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if slices.Sort(names); !slices.Equal(names, []string{"a/1", "a/2", "big"}) {
		t.Errorf("walked %v", names)
	}
	if keys := s.Objects(t); !slices.Contains(keys, "p/a/1") {
		t.Errorf("the bucket's keys %v lack the prefix", keys)
	}
	stop := errors.New("stop")
	if err := b.Walk(ctx, func(string, time.Time) error { return stop }); !errors.Is(err, stop) {
		t.Errorf("a walk stopped by its function: %v", err)
	}
	for _, names := range [][]string{{"a/1"}, {"a/1"}, {"never"}, {"a/2", "big", "never"}} {
		if err := b.Delete(ctx, names...); err != nil {
			t.Errorf("delete %s: %v", names, err)
		}
	}
	for _, name := range []string{"a/1", "a/2", "big"} {
		if _, err := b.Get(ctx, name, 1<<30); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("%s deleted: %v, want ErrNotFound", name, err)
		}
	}
	if keys := s.Objects(t); len(keys) != 0 {
		t.Errorf("after deleting every object the bucket holds %v", keys)
	}

	if _, err := Open(ctx, "s3://no-such-bucket-here/p", config(s)); err == nil || !strings.Contains(err.Error(), `the bucket "no-such-bucket-here" does not exist`) {
		t.Errorf("a missing bucket: %v", err)
	}
	bad := config(s)
	bad.Credentials = credentials.NewStaticV4(s.AccessKey, "not the secret", "")
	if _, err := Open(ctx, s.Location("p"), bad); err == nil {
		t.Error("a wrong secret key is accepted")
	}
	anonymous := config(s)
	anonymous.Credentials = credentials.NewStatic("", "", "", credentials.SignatureAnonymous)
	if _, err := Open(ctx, s.Location("p"), anonymous); err == nil || !strings.Contains(err.Error(), "no S3 keys") {
		t.Errorf("no keys: %v", err)
	}
	for _, endpoint := range []string{"127.0.0.1:8333", "ftp://127.0.0.1", "http://127.0.0.1:1/path"} {
		c := config(s)
		c.Endpoint = endpoint
		if _, err := Open(ctx, s.Location("p"), c); err == nil || !strings.Contains(err.Error(), "is not a URL") {
			t.Errorf("endpoint %q: %v", endpoint, err)
		}
	}
}

// TestFromEnv: the endpoint, the region and the keys are read from the
// environment as the AWS tools read them, the S3 endpoint before the
// general one.
func TestFromEnv(t *testing.T) {
	s := storetest.NewS3(t)
	t.Setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:1")
	t.Setenv("AWS_ENDPOINT_URL_S3", s.Endpoint)
	t.Setenv("AWS_REGION", "")
	t.Setenv("AWS_DEFAULT_REGION", "us-east-1")
	t.Setenv("AWS_ACCESS_KEY_ID", s.AccessKey)
	t.Setenv("AWS_SECRET_ACCESS_KEY", s.SecretKey)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", t.TempDir()+"/none")
	c := FromEnv()
	if c.Endpoint != s.Endpoint || c.Region != "us-east-1" {
		t.Errorf("from the environment: %+v", c)
	}
	ctx := context.Background()
	b, err := Open(ctx, s.Location("env"), c)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Put(ctx, "x", []byte("y")); err != nil {
		t.Fatal(err)
	}
	t.Setenv("AWS_SECRET_ACCESS_KEY", "not the secret")
	if _, err := Open(ctx, s.Location("env"), FromEnv()); err == nil {
		t.Error("a wrong secret key from the environment is accepted")
	}
}

// TestSweepObjects: an object no row names (a server stopped between
// storing it and committing its row) is deleted once it is old enough;
// a young one, and one whose name procmine did not make, are left.
func TestSweepObjects(t *testing.T) {
	s := storetest.NewS3(t)
	ctx := context.Background()
	for name, dsn := range storetest.DSNs(t) {
		t.Run(name, func(t *testing.T) {
			st, err := store.Open(ctx, dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			b, err := Open(ctx, s.Location(name), config(s))
			if err != nil {
				t.Fatal(err)
			}
			st.UseObjects(b)
			orphans := []string{"screenshot/999/1/0a", "eventlog/12/0b", "upload/5/0/0c"}
			foreign := []string{"screenshot/x/1/0d", "notes/1/0e", "eventlog/1/2/0f", "lone"}
			for _, n := range append(slices.Clone(orphans), foreign...) {
				if err := b.Put(ctx, n, []byte("z")); err != nil {
					t.Fatal(err)
				}
			}
			if n, err := st.SweepObjects(ctx, time.Now().Add(-time.Hour)); err != nil || n != 0 {
				t.Errorf("a sweep of objects younger than its age: %d deleted, %v", n, err)
			}
			if n, err := st.SweepObjects(ctx, time.Now().Add(time.Minute)); err != nil || n != len(orphans) {
				t.Errorf("a sweep: %d deleted, %v; want %d", n, err, len(orphans))
			}
			var left []string
			b.Walk(ctx, func(n string, _ time.Time) error { left = append(left, n); return nil })
			slices.Sort(left)
			want := slices.Sorted(slices.Values(foreign))
			if !slices.Equal(left, want) {
				t.Errorf("left after the sweep: %v, want %v", left, want)
			}
		})
	}
}

// TestVersionedBucketRefused: a bucket that keeps former versions would
// keep what procmine deletes, and is refused.
func TestVersionedBucketRefused(t *testing.T) {
	s := storetest.NewS3(t)
	ctx := context.Background()
	if err := s.Client.EnableVersioning(ctx, s.Bucket); err != nil {
		t.Fatalf("enabling versioning: %v", err)
	}
	if _, err := Open(ctx, s.Location("p"), config(s)); err == nil || !strings.Contains(err.Error(), "keeps former versions") {
		t.Errorf("a versioned bucket: %v", err)
	}
}
