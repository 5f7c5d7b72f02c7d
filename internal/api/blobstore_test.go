package api

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"image"
	"image/color"
	"io"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/minio/minio-go/v7"

	"github.com/procmine/procmine/internal/access"
	"github.com/procmine/procmine/internal/seal"
	"github.com/procmine/procmine/internal/store"
	"github.com/procmine/procmine/internal/store/storetest"
)

// TestBlobsInS3: with --blob-store, a version's data, a screenshot and a
// staged upload's chunks live in objects of a real S3 server (SeaweedFS,
// started by scripts/test), sealed as in the database; the database names
// what exists, and an object whose row is deleted, replaced or erased
// leaves the bucket, as the bucket's own listing shows. On SQLite and
// PostgreSQL, each under its own prefix of one bucket.
func TestBlobsInS3(t *testing.T) {
	s3 := storetest.NewS3(t)
	for name, e := range serversS3(t, s3) {
		t.Run(name, func(t *testing.T) {
			e.t = t
			ctx := context.Background()
			w := setupRecordings(t, e)
			// inBucket lists the objects under the database's prefix,
			// by the names the store gives them, but for the store's
			// mark (store.CheckObjects).
			inBucket := func() map[string]bool {
				t.Helper()
				out := map[string]bool{}
				for _, k := range s3.Objects(t) {
					if n, ok := strings.CutPrefix(k, name+"/"); ok && n != "procmine-store" {
						out[n] = true
					}
				}
				return out
			}
			// matches: the bucket holds what the rows name, no more and
			// no less.
			matches := func(when string) map[string]bool {
				t.Helper()
				named, err := e.store.ObjectsNamed(ctx)
				if err != nil {
					t.Fatal(err)
				}
				got := inBucket()
				if !maps.Equal(got, named) {
					t.Errorf("%s: the bucket holds %v; the rows name %v", when, slices.Sorted(maps.Keys(got)), slices.Sorted(maps.Keys(named)))
				}
				return got
			}
			of := func(objects map[string]bool, purpose string) []string {
				var out []string
				for n := range objects {
					if strings.HasPrefix(n, purpose+"/") {
						out = append(out, n)
					}
				}
				slices.Sort(out)
				return out
			}
			db := rawDB(t, e)
			get := func(key string) []byte {
				t.Helper()
				o, err := s3.Client.GetObject(ctx, s3.Bucket, name+"/"+key, minio.GetObjectOptions{})
				if err != nil {
					t.Fatal(err)
				}
				data, err := io.ReadAll(o)
				if err != nil {
					t.Fatalf("reading %s: %v", key, err)
				}
				return data
			}

			// A staged upload's chunks are objects: three for a file of
			// 9 MiB, gone with a job that never gets queued.
			file := bytes.Repeat([]byte("x"), 9<<20)
			stop := errors.New("the test stops the staging here")
			_, err := e.store.StageImport(ctx, store.Job{Env: w.env, Process: w.pid, User: w.ids["owner"], Kind: "import"}, bytes.NewReader(file),
				func(*sql.Tx, access.ID) (int64, error) {
					if chunks := of(inBucket(), "upload"); len(chunks) != 3 {
						t.Errorf("the chunks of a 9 MiB upload in the bucket: %v, want 3", chunks)
					}
					return 0, stop
				})
			if !errors.Is(err, stop) {
				t.Fatalf("staging: %v", err)
			}
			if chunks := of(inBucket(), "upload"); len(chunks) != 0 {
				t.Errorf("the chunks of a job that was never queued stay in the bucket: %v", chunks)
			}

			// An import: its version's data in one object, sealed; the
			// rows keep none of it; the staged file's objects are gone.
			var csv strings.Builder
			csv.WriteString("case,activity,time,resource\n")
			for i := range 60000 { // more than one chunk of the upload
				fmt.Fprintf(&csv, "%d,Create,2026-01-01T09:00:00Z,Sara Lind\n%d,Approve,2026-01-01T10:%02d:00Z,Ahmed Khan\n", i, i, i%60)
			}
			if csv.Len() < 4<<20 {
				t.Fatalf("the upload is %d bytes: it would fit in one chunk", csv.Len())
			}
			job := w.c["owner"].importLog(w.process+"/data", "log.csv", []byte(csv.String()), map[string]string{"case": "case", "activity": "activity", "timestamp": "time", "resource": "resource"})
			if job.State != "done" {
				t.Fatalf("import: %+v", job)
			}
			objects := matches("after the import")
			versions := of(objects, "eventlog")
			if len(versions) != 1 || len(of(objects, "upload")) != 0 {
				t.Fatalf("after the import the bucket holds %v: want the version's data and no upload", slices.Sorted(maps.Keys(objects)))
			}
			if data := get(versions[0]); !seal.Sealed(data) || bytes.Contains(data, []byte("Sara Lind")) {
				t.Errorf("the version's object is not sealed (%d bytes)", len(data))
			}
			var inRow int
			if err := db.QueryRow("SELECT SUM(LENGTH(data)) FROM log_versions").Scan(&inRow); err != nil || inRow != 0 {
				t.Errorf("the database keeps %d bytes of versions' data (%v)", inRow, err)
			}
			if code, body := w.c["owner"].do("GET", w.process+"/statistics", "", nil); code != 200 || !strings.Contains(body, `"cases":60000`) {
				t.Fatalf("statistics read from the bucket: %d %.300s", code, body)
			}

			// A screenshot: an object, served back as it was uploaded.
			png := testPNG(t, 16, 16)
			r := w.upload(w.c["contrib"], bundle(t, "t", []stepJSON{newStep("a", 0, stepJSON{"screenshot": "screenshots/a.png"}), newStep("b", 1, stepJSON{"screenshot": "screenshots/b.png"})},
				map[string][]byte{"screenshots/a.png": png, "screenshots/b.png": png}))
			shot := w.recordingPath(r.ID) + "/steps/1/screenshot"
			// (procmine re-encodes what it stores: the same image, not the
			// same bytes.)
			if code, body := w.c["contrib"].do("GET", shot, "", nil); code != 200 || !sameImage(t, []byte(body), png) {
				t.Fatalf("the screenshot from the bucket: %d, %d bytes", code, len(body))
			}
			objects = matches("after the recording")
			shots := of(objects, "screenshot")
			if len(shots) != 2 {
				t.Fatalf("screenshots in the bucket: %v", shots)
			}
			if data := get(shots[0]); !seal.Sealed(data) || bytes.Contains(data, png[:8]) {
				t.Errorf("a screenshot's object is not sealed")
			}

			// Deleted, its object is gone from the bucket.
			w.c["contrib"].json("DELETE", shot, "", 204, nil)
			if code, _ := w.c["contrib"].do("GET", shot, "", nil); code != 404 {
				t.Errorf("a deleted screenshot: %d", code)
			}
			objects = matches("after deleting a screenshot")
			if left := of(objects, "screenshot"); len(left) != 1 || !strings.HasPrefix(left[0], fmt.Sprintf("screenshot/%d/2/", r.ID)) {
				t.Errorf("after deleting step 1's screenshot the bucket holds %v (before: %v)", left, shots)
			}

			// Replaced (a cleaned image), the old object goes.
			before := of(objects, "screenshot")
			if err := e.store.ReplaceScreenshot(ctx, r.ID, 2, testPNG(t, 8, 8)); err != nil {
				t.Fatal(err)
			}
			objects = matches("after replacing a screenshot")
			if after := of(objects, "screenshot"); len(after) != 1 || after[0] == before[0] {
				t.Errorf("a replaced screenshot: the bucket holds %v, before %v", after, before)
			}

			// An erasure rewrites the version: the object that named the
			// person is deleted, and what is served no longer names her.
			named := get(versions[0])
			w.root.json("POST", w.base+"/erasure", `{"names":["Sara Lind"]}`, 200, nil)
			objects = matches("after the erasure")
			if now := of(objects, "eventlog"); len(now) != 1 || now[0] == versions[0] {
				t.Errorf("after the erasure the version's objects are %v; before %v", now, versions)
			}
			if code, body := w.c["owner"].do("GET", w.process+"/events", "", nil); code != 200 || strings.Contains(body, "Sara Lind") {
				t.Errorf("events after the erasure: %d, names her: %v", code, strings.Contains(body, "Sara Lind"))
			}
			// Whoever kept the object from before the erasure and writes
			// it over the current one does not bring her back: an
			// object's seal is bound to its name.
			current := of(objects, "eventlog")[0]
			erased := get(current)
			put := func(key string, data []byte) {
				t.Helper()
				if _, err := s3.Client.PutObject(ctx, s3.Bucket, name+"/"+key, bytes.NewReader(data), int64(len(data)), minio.PutObjectOptions{}); err != nil {
					t.Fatal(err)
				}
			}
			put(current, named)
			if data, err := e.store.VersionData(ctx, w.pid, versionID(current)); err == nil {
				t.Errorf("the version's object from before the erasure, written over the current one, opens: %d bytes", len(data))
			}
			put(current, erased)

			// A key rotation reseals every object under the new key, and
			// the objects sealed with the old one leave the bucket.
			old := objects
			next, err := seal.ParseKey(seal.Generate())
			if err != nil {
				t.Fatal(err)
			}
			e.store.UseKeys(&seal.Keyring{Current: next, Old: []*seal.Key{e.key}})
			if n, err := e.store.Reseal(ctx); err != nil || n == 0 {
				t.Fatalf("reseal: %d, %v", n, err)
			}
			objects = matches("after the key rotation")
			for n := range objects {
				if old[n] {
					t.Errorf("%s, sealed with the old key, is still in the bucket", n)
				}
				if id, _ := seal.SealedWith(get(n)); id != next.ID() {
					t.Errorf("%s is sealed with %q, not the new key", n, id)
				}
			}

			// Another server of the same database and bucket serves it.
			again := storeOn(t, e.dsn)
			again.UseKeys(&seal.Keyring{Current: next})
			again.UseObjects(openBucket(t, s3, name))
			if data, err := again.Screenshot(ctx, r.ID, 2); err != nil || !sameImage(t, data, testPNG(t, 8, 8)) {
				t.Errorf("the screenshot through a second store: %d bytes, %v", len(data), err)
			}
			// One given another prefix, or another database given this
			// one, is refused: neither would find its objects, and its
			// sweep would delete the other's.
			elsewhere := storeOn(t, e.dsn)
			elsewhere.UseObjects(openBucket(t, s3, name+"-other"))
			if err := elsewhere.CheckObjects(ctx); err == nil || !strings.Contains(err.Error(), "does not hold this database's objects") {
				t.Errorf("the database on another prefix: %v", err)
			}
			stranger := storeOn(t, storetest.DSNs(t)["sqlite"])
			stranger.UseObjects(openBucket(t, s3, name))
			if err := stranger.CheckObjects(ctx); err == nil || !strings.Contains(err.Error(), "belongs to another procmine database") {
				t.Errorf("another database on this prefix: %v", err)
			}
			// One without the blob store refuses to start.
			without := storeOn(t, e.dsn)
			without.UseKeys(&seal.Keyring{Current: next})
			if err := without.CheckObjects(ctx); err == nil || !strings.Contains(err.Error(), "--blob-store") {
				t.Errorf("a store without its blob store: %v", err)
			}
			if name == "sqlite" {
				if err := e.store.Backup(ctx, t.TempDir()+"/backup.db"); err == nil || !strings.Contains(err.Error(), "bucket") {
					t.Errorf("a backup of the embedded store without its blobs: %v", err)
				}
			}

			// The process deleted, nothing of it stays in the bucket.
			w.c["owner"].json("DELETE", w.process, "", 204, nil)
			if objects = matches("after deleting the process"); len(objects) != 0 {
				t.Errorf("after deleting the process the bucket holds %v", slices.Sorted(maps.Keys(objects)))
			}
		})
	}
}

// rawDB opens e's database beside its store, to look at its rows.
func rawDB(t *testing.T, e *env) *sql.DB {
	t.Helper()
	driver := "sqlite"
	if strings.HasPrefix(e.dsn, "postgres") {
		driver = "pgx"
	}
	db, err := sql.Open(driver, e.dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// sameImage says whether two encoded images have the same pixels.
func sameImage(t *testing.T, a, b []byte) bool {
	t.Helper()
	ia, _, errA := image.Decode(bytes.NewReader(a))
	ib, _, errB := image.Decode(bytes.NewReader(b))
	if errA != nil || errB != nil || ia.Bounds() != ib.Bounds() {
		return false
	}
	for y := ia.Bounds().Min.Y; y < ia.Bounds().Max.Y; y++ {
		for x := ia.Bounds().Min.X; x < ia.Bounds().Max.X; x++ {
			if color.RGBAModel.Convert(ia.At(x, y)) != color.RGBAModel.Convert(ib.At(x, y)) {
				return false
			}
		}
	}
	return true
}

// versionID is the version an object of a version's data is of
// ("eventlog/ID/…").
func versionID(object string) access.ID {
	var id access.ID
	fmt.Sscanf(object, "eventlog/%d/", &id)
	return id
}
