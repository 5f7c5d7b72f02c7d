package storetest

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// S3 is a fresh bucket on the S3 server that scripts/test starts
// (scripts/s3-start: SeaweedFS on loopback), and the keys to it.
type S3 struct {
	Endpoint, AccessKey, SecretKey string
	Bucket                         string
	// Client is an S3 client of the bucket's server, for tests that look
	// at the bucket themselves.
	Client *minio.Client
}

// Location is the bucket as --blob-store takes it, under prefix.
func (s S3) Location(prefix string) string { return "s3://" + s.Bucket + "/" + prefix }

// Objects lists the names of the objects in the bucket.
func (s S3) Objects(t testing.TB) []string {
	t.Helper()
	var names []string
	for o := range s.Client.ListObjects(context.Background(), s.Bucket, minio.ListObjectsOptions{Recursive: true}) {
		if o.Err != nil {
			t.Fatalf("listing the bucket: %v", o.Err)
		}
		names = append(names, o.Key)
	}
	return names
}

// NewS3 makes a bucket for the test on the S3 server PROCMINE_TEST_S3_*
// name. Without one the test is skipped with a message; under CI=true it
// fails instead.
func NewS3(t testing.TB) S3 {
	t.Helper()
	s := S3{
		Endpoint:  os.Getenv("PROCMINE_TEST_S3_ENDPOINT"),
		AccessKey: os.Getenv("PROCMINE_TEST_S3_ACCESS_KEY"),
		SecretKey: os.Getenv("PROCMINE_TEST_S3_SECRET_KEY"),
	}
	if s.Endpoint == "" {
		msg := "PROCMINE_TEST_S3_ENDPOINT is not set: the S3 blob store's tests are skipped (scripts/test starts SeaweedFS)"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	host := s.Endpoint[len("http://"):]
	client, err := minio.New(host, &minio.Options{Creds: credentials.NewStaticV4(s.AccessKey, s.SecretKey, ""), Region: "us-east-1"})
	if err != nil {
		t.Fatal(err)
	}
	s.Client = client
	s.Bucket = fmt.Sprintf("t%d-%d", os.Getpid(), seq.Add(1))
	ctx := context.Background()
	// A server just started may refuse writes for a while, until its
	// first volume is up.
	deadline := time.Now().Add(60 * time.Second)
	for {
		err = client.MakeBucket(ctx, s.Bucket, minio.MakeBucketOptions{})
		if err == nil {
			_, err = client.PutObject(ctx, s.Bucket, "probe", bytes.NewReader([]byte("x")), 1, minio.PutObjectOptions{})
		}
		if err == nil {
			err = client.RemoveObject(ctx, s.Bucket, "probe", minio.RemoveObjectOptions{})
		}
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the S3 server at %s takes no bucket: %v", s.Endpoint, err)
		}
		client.RemoveBucket(ctx, s.Bucket)
		time.Sleep(200 * time.Millisecond)
	}
	t.Cleanup(func() {
		for o := range client.ListObjects(ctx, s.Bucket, minio.ListObjectsOptions{Recursive: true}) {
			if o.Err == nil {
				client.RemoveObject(ctx, s.Bucket, o.Key, minio.RemoveObjectOptions{})
			}
		}
		client.RemoveBucket(ctx, s.Bucket)
	})
	return s
}
