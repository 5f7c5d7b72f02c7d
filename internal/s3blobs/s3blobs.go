// Package s3blobs keeps procmine's large blobs in an S3 bucket (procmine
// serve --blob-store s3://bucket/prefix): it is the store's Objects over
// minio-go, which speaks to AWS S3 and to the servers compatible with it
// (MinIO, SeaweedFS, Ceph, …). What it stores is already sealed by the
// store; the bucket never sees a blob in clear.
package s3blobs

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/procmine/procmine/internal/store"
)

// Config is where the bucket is and who procmine is to it. FromEnv reads
// it as the AWS tools do.
type Config struct {
	// Endpoint is the server's URL (http://127.0.0.1:8333); empty is AWS
	// S3 itself.
	Endpoint string
	// Region is the bucket's region; empty lets the client ask.
	Region string
	// Credentials signs the requests; nil reads them from the
	// environment, the shared credentials file and the instance's role.
	Credentials *credentials.Credentials
}

// FromEnv reads the configuration as the AWS command-line tools and SDKs
// do: AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL, AWS_REGION or
// AWS_DEFAULT_REGION, and the keys from AWS_ACCESS_KEY_ID,
// AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN, else the shared
// credentials file (AWS_SHARED_CREDENTIALS_FILE, AWS_PROFILE), else the
// role of the machine it runs on.
func FromEnv() Config {
	c := Config{Endpoint: os.Getenv("AWS_ENDPOINT_URL_S3"), Region: os.Getenv("AWS_REGION")}
	if c.Endpoint == "" {
		c.Endpoint = os.Getenv("AWS_ENDPOINT_URL")
	}
	if c.Region == "" {
		c.Region = os.Getenv("AWS_DEFAULT_REGION")
	}
	c.Credentials = credentials.NewChainCredentials([]credentials.Provider{
		&credentials.EnvAWS{}, &credentials.FileAWSCredentials{}, &credentials.IAM{},
	})
	return c
}

// Bucket is the objects under one prefix of one bucket.
type Bucket struct {
	client *minio.Client
	bucket string
	prefix string // "" or "prefix/"
}

var _ store.Objects = (*Bucket)(nil)

// Open connects to the bucket that location names (s3://bucket or
// s3://bucket/prefix) and checks that it exists: procmine does not make
// buckets, so that a mistyped name is an error rather than a new bucket.
func Open(ctx context.Context, location string, c Config) (*Bucket, error) {
	bucket, prefix, err := parseLocation(location)
	if err != nil {
		return nil, err
	}
	host, secure := "s3.amazonaws.com", true
	if c.Endpoint != "" {
		u, err := url.Parse(c.Endpoint)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") {
			return nil, fmt.Errorf("the S3 endpoint %q is not a URL such as https://s3.example.com or http://127.0.0.1:8333", c.Endpoint)
		}
		host, secure = u.Host, u.Scheme == "https"
	}
	creds := c.Credentials
	if creds == nil {
		creds = FromEnv().Credentials
	}
	client, err := minio.New(host, &minio.Options{Creds: creds, Secure: secure, Region: c.Region})
	if err != nil {
		return nil, fmt.Errorf("the blob store %s: %w", location, err)
	}
	b := &Bucket{client: client, bucket: bucket, prefix: prefix}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	// Unsigned requests are what minio-go sends when it finds no keys:
	// procmine does not use a bucket anyone may write to.
	v, err := creds.GetWithContext(&credentials.CredContext{Client: &http.Client{Timeout: 10 * time.Second}})
	if err == nil && v.SignerType == credentials.SignatureAnonymous {
		err = errors.New("none found")
	}
	if err != nil {
		return nil, fmt.Errorf("the blob store %s: no S3 keys (from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, the shared credentials file, or the machine's role): %w", location, err)
	}
	ok, err := client.BucketExists(ctx, bucket)
	switch {
	case err != nil:
		return nil, fmt.Errorf("the blob store %s at %s: %w", location, host, err)
	case !ok:
		return nil, fmt.Errorf("the blob store %s: the bucket %q does not exist at %s (procmine does not make buckets)", location, bucket, host)
	}
	// A versioned bucket keeps what procmine deletes, erased data
	// included, as former versions.
	if v, err := client.GetBucketVersioning(ctx, bucket); err == nil && v.Enabled() {
		return nil, fmt.Errorf("the blob store %s: the bucket %q keeps former versions of its objects, so what procmine deletes or erases would stay in it: suspend its versioning and delete the former versions (see docs/operations.md)", location, bucket)
	}
	return b, nil
}

// parseLocation splits s3://bucket/prefix.
func parseLocation(location string) (bucket, prefix string, err error) {
	rest, ok := strings.CutPrefix(location, "s3://")
	if !ok {
		return "", "", fmt.Errorf("--blob-store %q: give it as s3://bucket or s3://bucket/prefix", location)
	}
	bucket, prefix, _ = strings.Cut(rest, "/")
	prefix = strings.Trim(prefix, "/")
	if bucket == "" {
		return "", "", fmt.Errorf("--blob-store %q names no bucket: give it as s3://bucket or s3://bucket/prefix", location)
	}
	if prefix != "" {
		prefix += "/"
	}
	return bucket, prefix, nil
}

// Put stores an object.
func (b *Bucket) Put(ctx context.Context, name string, data []byte) error {
	_, err := b.client.PutObject(ctx, b.bucket, b.prefix+name, bytes.NewReader(data), int64(len(data)),
		minio.PutObjectOptions{ContentType: "application/octet-stream"})
	return err
}

// Get reads an object whole, into a buffer of its size, unless it is
// larger than max.
func (b *Bucket) Get(ctx context.Context, name string, max int64) ([]byte, error) {
	obj, err := b.client.GetObject(ctx, b.bucket, b.prefix+name, minio.GetObjectOptions{})
	if err != nil {
		return nil, notFound(err)
	}
	defer obj.Close()
	info, err := obj.Stat()
	if err != nil {
		return nil, notFound(err)
	}
	if info.Size < 0 || info.Size > max {
		return nil, fmt.Errorf("the object %s is %d bytes, more than the %d it may be", name, info.Size, max)
	}
	data := make([]byte, info.Size)
	if _, err := io.ReadFull(obj, data); err != nil {
		return nil, notFound(err)
	}
	// The size announced is the size read: no more follows.
	if n, _ := obj.Read(make([]byte, 1)); n != 0 {
		return nil, fmt.Errorf("the object %s is longer than the %d bytes announced", name, info.Size)
	}
	return data, nil
}

func notFound(err error) error {
	if minio.ToErrorResponse(err).Code == minio.NoSuchKey {
		return fmt.Errorf("%w: %v", store.ErrNotFound, err)
	}
	return err
}

// Delete deletes objects, a thousand to a request; one already gone is
// no error.
func (b *Bucket) Delete(ctx context.Context, names ...string) error {
	if len(names) == 1 {
		err := b.client.RemoveObject(ctx, b.bucket, b.prefix+names[0], minio.RemoveObjectOptions{})
		if minio.ToErrorResponse(err).Code == minio.NoSuchKey {
			return nil
		}
		return err
	}
	objects := make(chan minio.ObjectInfo)
	go func() {
		defer close(objects)
		for _, n := range names {
			select {
			case objects <- minio.ObjectInfo{Key: b.prefix + n}:
			case <-ctx.Done():
				return
			}
		}
	}()
	var errs []error
	for e := range b.client.RemoveObjects(ctx, b.bucket, objects, minio.RemoveObjectsOptions{}) {
		if e.Err != nil && minio.ToErrorResponse(e.Err).Code != minio.NoSuchKey {
			errs = append(errs, fmt.Errorf("%s: %w", strings.TrimPrefix(e.ObjectName, b.prefix), e.Err))
		}
	}
	if len(errs) == 0 {
		return ctx.Err()
	}
	return errors.Join(errs...)
}

// Walk calls fn for every object under the prefix.
func (b *Bucket) Walk(ctx context.Context, fn func(name string, stored time.Time) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // ends the listing if fn stops it early
	for o := range b.client.ListObjects(ctx, b.bucket, minio.ListObjectsOptions{Prefix: b.prefix, Recursive: true}) {
		if o.Err != nil {
			return o.Err
		}
		name, ok := strings.CutPrefix(o.Key, b.prefix)
		if !ok {
			continue
		}
		if err := fn(name, o.LastModified); err != nil {
			return err
		}
	}
	return ctx.Err()
}
