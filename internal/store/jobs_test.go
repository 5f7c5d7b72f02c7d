package store

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/procmine/procmine/internal/access"
	"github.com/procmine/procmine/internal/seal"
)

// jobWorld is what a job needs: a store with a key, an environment, a
// user and a process.
type jobWorld struct {
	s       *Store
	key     *seal.Key
	env     access.ID
	user    access.ID
	process access.ID
	root    access.ID // the environment's root business unit
}

func newJobWorld(t *testing.T, s *Store) *jobWorld {
	t.Helper()
	ctx := context.Background()
	w := &jobWorld{s: s, key: testKey(t)}
	s.UseKeys(&seal.Keyring{Current: w.key})
	var root access.ID
	var err error
	w.env, root, err = s.CreateEnvironment(ctx, "e", 0)
	must(t, err)
	w.user, err = s.CreateUser(ctx, User{Username: "importer"})
	must(t, err)
	w.process, err = s.CreateProcess(ctx, Process{Env: w.env, Name: "p", Owner: access.Principal{User: w.user}, Unit: root})
	must(t, err)
	w.root = root
	return w
}

func (w *jobWorld) job() Job {
	return Job{Env: w.env, Process: w.process, User: w.user, Kind: "import"}
}

// stage stages file and returns the new job's id, checking that it is the
// one enqueue was given.
func (w *jobWorld) stage(t *testing.T, file []byte) access.ID {
	t.Helper()
	var enqueued access.ID
	id, err := w.s.StageImport(context.Background(), w.job(), bytes.NewReader(file), func(tx *sql.Tx, job access.ID) (int64, error) {
		enqueued = job
		return 0, nil
	})
	must(t, err)
	if id == 0 || id != enqueued {
		t.Fatalf("StageImport returned job %d, enqueue was given %d", id, enqueued)
	}
	return id
}

// uploadRows counts the staged chunks of a job, past the store.
func uploadRows(t *testing.T, s *Store, job access.ID) int {
	t.Helper()
	var n int
	must(t, s.db.QueryRow(s.rebind("SELECT COUNT(*) FROM job_uploads WHERE job_id = ?"), job).Scan(&n))
	return n
}

// rawChunk reads one staged chunk as stored, past the store.
func rawChunk(t *testing.T, s *Store, job access.ID, seq int) []byte {
	t.Helper()
	var b []byte
	must(t, s.db.QueryRow(s.rebind("SELECT data FROM job_uploads WHERE job_id = ? AND seq = ?"), job, seq).Scan(&b))
	return b
}

func pseudoRandom(n int, seed uint64) []byte {
	b := make([]byte, n)
	rng := rand.NewChaCha8([32]byte{byte(seed), 'j', 'o', 'b'})
	if _, err := rng.Read(b); err != nil {
		panic(err)
	}
	return b
}

func TestJobStageImportReadsBackSealedChunks(t *testing.T) {
	eachJobWorld(t, func(t *testing.T, ctx context.Context, s *Store, w *jobWorld) {
		file := pseudoRandom(9<<20, 1) // three chunks: 4, 4 and 1 MiB
		var enqueued access.ID
		var enqueueTx *sql.Tx
		var inTx struct {
			state  string
			chunks int
		}
		id, err := s.StageImport(ctx, w.job(), bytes.NewReader(file), func(tx *sql.Tx, job access.ID) (int64, error) {
			enqueueTx, enqueued = tx, job
			// The job and its chunks are there in the transaction
			// enqueue is given.
			if err := tx.QueryRow(s.rebind("SELECT state FROM jobs WHERE id = ?"), job).Scan(&inTx.state); err != nil {
				return 0, err
			}
			return 0, tx.QueryRow(s.rebind("SELECT COUNT(*) FROM job_uploads WHERE job_id = ?"), job).Scan(&inTx.chunks)
		})
		must(t, err)
		if enqueueTx == nil {
			t.Fatal("enqueue was not called with a transaction")
		}
		if id == 0 || id != enqueued {
			t.Fatalf("StageImport returned job %d, enqueue was given %d", id, enqueued)
		}
		if inTx.state != "queued" || inTx.chunks != 3 {
			t.Errorf("inside enqueue's transaction: job state %q with %d chunks, want queued with 3", inTx.state, inTx.chunks)
		}
		if n := uploadRows(t, s, id); n != 3 {
			t.Errorf("%d chunks stored for a 9 MiB file, want 3", n)
		}
		got, err := io.ReadAll(s.Upload(ctx, id))
		must(t, err)
		if !bytes.Equal(got, file) {
			t.Fatalf("read back %d bytes, not the %d staged", len(got), len(file))
		}
		j, err := s.JobOf(ctx, w.user, id)
		must(t, err)
		if j.State != "queued" || j.Progress != 0 || j.Env != w.env || j.Process != w.process || j.Kind != "import" || j.Version != 0 {
			t.Errorf("staged job: %+v", j)
		}
		for seq := range 3 {
			raw := rawChunk(t, s, id, seq)
			if kid, ok := seal.SealedWith(raw); !ok || kid != w.key.ID() {
				t.Errorf("chunk %d is not sealed with the key: %q", seq, raw[:min(len(raw), 40)])
			}
			plain := file[seq*uploadChunk:][:64]
			if bytes.Contains(raw, plain) {
				t.Errorf("chunk %d holds its plaintext", seq)
			}
		}
	})
}

func TestJobStageEmptyFile(t *testing.T) {
	eachJobWorld(t, func(t *testing.T, ctx context.Context, s *Store, w *jobWorld) {
		id := w.stage(t, nil)
		if n := uploadRows(t, s, id); n != 1 {
			t.Errorf("an empty file is %d chunks, want 1", n)
		}
		got, err := io.ReadAll(s.Upload(ctx, id))
		if err != nil || len(got) != 0 {
			t.Fatalf("an empty file read back as %q, %v", got, err)
		}
	})
}

func TestJobStageRolledBackWhenEnqueueFails(t *testing.T) {
	eachJobWorld(t, func(t *testing.T, ctx context.Context, s *Store, w *jobWorld) {
		boom := errors.New("queue is down")
		var enqueued access.ID
		id, err := s.StageImport(ctx, w.job(), bytes.NewReader(pseudoRandom(5<<20, 2)), func(tx *sql.Tx, job access.ID) (int64, error) {
			enqueued = job
			return 0, boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("StageImport with a failing enqueue: %v, want %v", err, boom)
		}
		if id != 0 {
			t.Errorf("StageImport returned job %d with its error", id)
		}
		if enqueued == 0 {
			t.Fatal("enqueue was not called")
		}
		var jobs, uploads int
		must(t, s.db.QueryRow("SELECT COUNT(*) FROM jobs").Scan(&jobs))
		must(t, s.db.QueryRow("SELECT COUNT(*) FROM job_uploads").Scan(&uploads))
		if jobs != 0 || uploads != 0 {
			t.Errorf("after a failed enqueue: %d jobs and %d upload chunks remain, want none", jobs, uploads)
		}
		if _, err := s.JobOf(ctx, w.user, enqueued); !errors.Is(err, ErrNotFound) {
			t.Errorf("the job of a failed enqueue: %v, want ErrNotFound", err)
		}
	})
}

func TestJobFinishImportOnce(t *testing.T) {
	eachJobWorld(t, func(t *testing.T, ctx context.Context, s *Store, w *jobWorld) {
		id := w.stage(t, pseudoRandom(1<<10, 3))
		must(t, s.StartJob(ctx, id))
		must(t, s.JobProgress(ctx, id, 0.5))
		if j, err := s.JobOf(ctx, w.user, id); err != nil || j.State != "running" || j.Progress != 0.5 {
			t.Fatalf("started job: %+v, %v", j, err)
		}
		data := []byte("ENCODED-LOG")
		v := Version{By: w.user, Source: "log.csv", Cases: 2, Events: 7}
		// The mapping and the audit entry come with the version: whoever
		// sees the job done sees them (a test once read the mapping
		// between the two).
		audit := func(version access.ID) AuditEntry {
			return AuditEntry{Env: w.env, At: time.Now(), ActorID: w.user, Action: "data.version", Detail: fmt.Sprintf("version %d", version)}
		}
		version, err := s.FinishImport(ctx, Imported{Job: id, Process: w.process, Version: v, Data: data, Mapping: map[string]string{"case": "id"}, Audit: audit})
		must(t, err)
		if version == 0 {
			t.Fatal("FinishImport returned version 0")
		}
		remembered := func() {
			t.Helper()
			if m, err := s.UploadMapping(ctx, w.process); err != nil || !reflect.DeepEqual(m, map[string]string{"case": "id"}) {
				t.Errorf("remembered mapping %v, %v", m, err)
			}
			entries, err := s.AuditLog(ctx, w.env, AuditFilter{Action: "data.version"})
			if err != nil || len(entries) != 1 || entries[0].Detail != fmt.Sprintf("version %d", version) {
				t.Errorf("audit entries of the version: %+v, %v", entries, err)
			}
		}
		remembered()
		j, err := s.JobOf(ctx, w.user, id)
		must(t, err)
		if j.State != "done" || j.Progress != 1 || j.Version != version || j.Error != "" {
			t.Errorf("finished job: %+v, want done, progress 1, version %d", j, version)
		}
		if n := uploadRows(t, s, id); n != 0 {
			t.Errorf("%d upload chunks remain after the job is done", n)
		}
		if got, err := s.VersionData(ctx, w.process, version); err != nil || !bytes.Equal(got, data) {
			t.Errorf("version data: %q, %v", got, err)
		}
		// A retry of the job changes nothing.
		if again, err := s.FinishImport(ctx, Imported{Job: id, Process: w.process, Version: v, Data: data, Mapping: map[string]string{"case": "other"}, Audit: audit}); !errors.Is(err, ErrJobEnded) || again != 0 {
			t.Errorf("second FinishImport: version %d, %v, want ErrJobEnded", again, err)
		}
		remembered()
		vs, err := s.Versions(ctx, w.process)
		must(t, err)
		if len(vs) != 1 || vs[0].ID != version || vs[0].Source != "log.csv" || vs[0].Cases != 2 || vs[0].Events != 7 || vs[0].By != w.user {
			t.Errorf("versions after a retried finish: %+v, want only %d", vs, version)
		}
		if err := s.StartJob(ctx, id); !errors.Is(err, ErrJobEnded) {
			t.Errorf("StartJob on a done job: %v, want ErrJobEnded", err)
		}
		if err := s.JobProgress(ctx, id, 0.3); !errors.Is(err, ErrJobEnded) {
			t.Errorf("JobProgress on a done job: %v, want ErrJobEnded", err)
		}
		if err := s.FailJob(ctx, id, "late"); !errors.Is(err, ErrJobEnded) {
			t.Errorf("FailJob on a done job: %v, want ErrJobEnded", err)
		}
		if j, err := s.JobOf(ctx, w.user, id); err != nil || j.State != "done" || j.Progress != 1 || j.Version != version || j.Error != "" {
			t.Errorf("done job after late calls: %+v, %v", j, err)
		}
	})
}

func TestJobFailedIsEnded(t *testing.T) {
	eachJobWorld(t, func(t *testing.T, ctx context.Context, s *Store, w *jobWorld) {
		id := w.stage(t, pseudoRandom(5<<20, 4))
		other := w.stage(t, pseudoRandom(1<<10, 5))
		const reason = "log.csv: line 3: no case column"
		must(t, s.FailJob(ctx, id, reason))
		j, err := s.JobOf(ctx, w.user, id)
		must(t, err)
		if j.State != "failed" || j.Error != reason || j.Version != 0 {
			t.Errorf("failed job: %+v, want failed with %q", j, reason)
		}
		if n := uploadRows(t, s, id); n != 0 {
			t.Errorf("%d upload chunks remain after the job failed", n)
		}
		if _, err := io.ReadAll(s.Upload(ctx, id)); err == nil {
			t.Error("a failed job's upload still reads")
		}
		if n := uploadRows(t, s, other); n != 1 {
			t.Errorf("failing one job left another's upload with %d chunks, want 1", n)
		}
		if v, err := s.FinishImport(ctx, Imported{Job: id, Process: w.process, Version: Version{By: w.user, Source: "log.csv"}, Data: []byte("LOG")}); !errors.Is(err, ErrJobEnded) || v != 0 {
			t.Errorf("FinishImport on a failed job: version %d, %v, want ErrJobEnded", v, err)
		}
		if vs, err := s.Versions(ctx, w.process); err != nil || len(vs) != 0 {
			t.Errorf("versions after finishing a failed job: %+v, %v, want none", vs, err)
		}
		if err := s.FailJob(ctx, id, "again"); !errors.Is(err, ErrJobEnded) {
			t.Errorf("FailJob twice: %v, want ErrJobEnded", err)
		}
		if err := s.StartJob(ctx, id); !errors.Is(err, ErrJobEnded) {
			t.Errorf("StartJob on a failed job: %v, want ErrJobEnded", err)
		}
		if j, err := s.JobOf(ctx, w.user, id); err != nil || j.State != "failed" || j.Error != reason {
			t.Errorf("failed job after late calls: %+v, %v", j, err)
		}
	})
}

func TestJobUploadChunkMovedDoesNotOpen(t *testing.T) {
	eachJobWorld(t, func(t *testing.T, ctx context.Context, s *Store, w *jobWorld) {
		a := w.stage(t, []byte("JOB-A upload"))
		b := w.stage(t, []byte("JOB-B upload"))
		_, err := s.db.Exec(s.rebind("UPDATE job_uploads SET data = (SELECT data FROM job_uploads WHERE job_id = ? AND seq = 0) WHERE job_id = ? AND seq = 0"), a, b)
		must(t, err)
		if !bytes.Equal(rawChunk(t, s, a, 0), rawChunk(t, s, b, 0)) {
			t.Fatal("the chunk was not copied")
		}
		got, err := io.ReadAll(s.Upload(ctx, b))
		if err == nil || !strings.Contains(err.Error(), "does not authenticate") {
			t.Errorf("job A's chunk read as job B's: %q, %v", got, err)
		}
		if bytes.Contains(got, []byte("JOB-A")) {
			t.Errorf("job B's upload gave job A's data: %q", got)
		}
		// Job A's own chunk still opens where it belongs.
		if got, err := io.ReadAll(s.Upload(ctx, a)); err != nil || string(got) != "JOB-A upload" {
			t.Errorf("job A's upload: %q, %v", got, err)
		}
	})
}

// TestImportAndDeleteDoNotDeadlock: an import finishing while its process
// is deleted (with shares, so that both touch the access tables) ends one
// way or the other, never in a deadlock or another error: the deletion
// succeeds, and the job is done exactly when the import won.
func TestImportAndDeleteDoNotDeadlock(t *testing.T) {
	eachJobWorld(t, func(t *testing.T, ctx context.Context, s *Store, w *jobWorld) {
		other, err := s.CreateUser(ctx, User{Username: "other"})
		must(t, err)
		must(t, s.AddMember(ctx, w.env, other, w.root))
		for i := range 40 {
			p, err := s.CreateProcess(ctx, Process{Env: w.env, Name: fmt.Sprint("p", i), Owner: access.Principal{User: w.user}, Unit: w.root})
			must(t, err)
			must(t, s.PutShare(ctx, p, access.ProcessShare{To: access.Principal{User: other}, Access: access.Viewer}))
			job := w.job()
			job.Process = p
			id, err := s.StageImport(ctx, job, strings.NewReader("x"), func(*sql.Tx, access.ID) (int64, error) { return 0, nil })
			must(t, err)
			var wg sync.WaitGroup
			var errs [2]error
			wg.Go(func() {
				_, errs[0] = s.FinishImport(ctx, Imported{Job: id, Process: p, Version: Version{Source: "x"}, Data: []byte("data")})
			})
			wg.Go(func() { errs[1] = s.DeleteProcess(ctx, w.env, p) })
			wg.Wait()
			// Either the import went first (a version, then the
			// deletion took it too) or the deletion did (the import
			// finds no process); the deletion always succeeds.
			if (errs[0] != nil && !errors.Is(errs[0], ErrNotFound)) || errs[1] != nil {
				t.Fatalf("round %d: import %v, deletion %v", i, errs[0], errs[1])
			}
			if _, err := s.ProcessRecord(ctx, w.env, p); err != ErrNotFound {
				t.Fatalf("round %d: the process is still there: %v", i, err)
			}
			j, err := s.JobOf(ctx, w.user, id)
			must(t, err)
			if (errs[0] == nil) != (j.State == "done") {
				t.Fatalf("round %d: import %v, job %s", i, errs[0], j.State)
			}
		}
	})
}

// TestFailLostJobs: a job whose River job is gone, and a job left staging
// by a server that died mid-upload, are failed with the reason and their
// chunks deleted; a job still staging recently, and ended jobs, keep
// their state.
func TestFailLostJobs(t *testing.T) {
	eachJobWorld(t, func(t *testing.T, ctx context.Context, s *Store, w *jobWorld) {
		lost := w.stage(t, []byte("lost")) // its River job (id 0) does not exist
		done := w.stage(t, []byte("done"))
		_, err := s.FinishImport(ctx, Imported{Job: done, Process: w.process, Version: Version{Source: "d"}, Data: []byte("d")})
		must(t, err)
		// Two uploads cut short: one long ago, one just now.
		staleID, err := s.insert(ctx, "INSERT INTO jobs (env_id, process_id, user_id, kind, state, progress, error, created_at, updated_at) VALUES (?, ?, ?, 'import', 'staging', 0, '', ?, ?)",
			w.env, w.process, w.user, s.now().Add(-2*time.Hour).UnixNano(), s.now().UnixNano())
		must(t, err)
		fresh, err := s.insert(ctx, "INSERT INTO jobs (env_id, process_id, user_id, kind, state, progress, error, created_at, updated_at) VALUES (?, ?, ?, 'import', 'staging', 0, '', ?, ?)",
			w.env, w.process, w.user, s.now().UnixNano(), s.now().UnixNano())
		must(t, err)
		for _, id := range []int64{staleID, fresh} {
			_, err := s.exec(ctx, "INSERT INTO job_uploads (job_id, seq, data) VALUES (?, 0, ?)", id, []byte("x"))
			must(t, err)
		}
		n, err := s.FailLostJobs(ctx, "lost", time.Hour)
		must(t, err)
		if n != 2 {
			t.Errorf("failed %d jobs, want 2 (the one without a River job, the stale upload)", n)
		}
		state := func(id access.ID) string {
			var st string
			must(t, s.db.QueryRow(s.rebind("SELECT state FROM jobs WHERE id = ?"), id).Scan(&st))
			return st
		}
		for id, want := range map[access.ID]string{lost: "failed", done: "done", access.ID(staleID): "failed", access.ID(fresh): "staging"} {
			if got := state(id); got != want {
				t.Errorf("job %d: %s, want %s", id, got, want)
			}
		}
		if n := uploadRows(t, s, lost) + uploadRows(t, s, access.ID(staleID)); n != 0 {
			t.Errorf("%d chunks of failed jobs kept", n)
		}
		if n := uploadRows(t, s, access.ID(fresh)); n != 1 {
			t.Errorf("the upload under way lost its chunk: %d", n)
		}
	})
}

// erasingReader fails the environment's pending imports after its first
// chunk has been read, as an erasure running during an upload would.
type erasingReader struct {
	r     io.Reader
	read  int
	erase func()
}

func (e *erasingReader) Read(p []byte) (int, error) {
	if e.read >= uploadChunk && e.erase != nil {
		e.erase()
		e.erase = nil
	}
	n, err := e.r.Read(p)
	e.read += n
	return n, err
}

// TestErasureDuringStaging: an erasure that fails a job while its file is
// still being staged stops the staging: no chunk is written after it, none
// is left, and the upload is refused.
func TestErasureDuringStaging(t *testing.T) {
	eachJobWorld(t, func(t *testing.T, ctx context.Context, s *Store, w *jobWorld) {
		enqueued := false
		in := &erasingReader{r: bytes.NewReader(pseudoRandom(3*uploadChunk, 7)), erase: func() {
			if _, err := s.FailPendingImports(ctx, w.env, "erased"); err != nil {
				t.Error(err)
			}
		}}
		_, err := s.StageImport(ctx, w.job(), in, func(*sql.Tx, access.ID) (int64, error) { enqueued = true; return 0, nil })
		if !errors.Is(err, ErrJobEnded) || enqueued {
			t.Errorf("staging across an erasure: %v, enqueued %v; want ErrJobEnded and nothing queued", err, enqueued)
		}
		if n, err := s.StagedUploads(ctx); err != nil || n != 0 {
			t.Errorf("chunks left: %d %v", n, err)
		}
	})
}

// TestRewritesOfOneVersionDoNotLoseEachOther: rewrites of one version at
// once (an erasure, a privacy policy on another server) each start from
// what the other stored: none writes back what the other removed.
func TestRewritesOfOneVersionDoNotLoseEachOther(t *testing.T) {
	eachJobWorld(t, func(t *testing.T, ctx context.Context, s *Store, w *jobWorld) {
		v, err := s.AddVersion(ctx, w.process, Version{Source: "x"}, []byte("start"))
		must(t, err)
		var wg sync.WaitGroup
		for i := range 8 {
			wg.Go(func() {
				_, err := s.RewriteVersion(ctx, LogVersion{Process: w.process, Version: v}, func(data []byte) ([]byte, error) {
					return append(data, byte('a'+i)), nil
				})
				if err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		data, err := s.VersionData(ctx, w.process, v)
		must(t, err)
		if len(data) != len("start")+8 {
			t.Errorf("after 8 rewrites at once: %q, want all 8 kept", data)
		}
	})
}

// eachJobWorld runs f on a fresh job world on each store.
func eachJobWorld(t *testing.T, f func(t *testing.T, ctx context.Context, s *Store, w *jobWorld)) {
	for name, s := range stores(t) {
		t.Run(name, func(t *testing.T) { f(t, context.Background(), s, newJobWorld(t, s)) })
	}
}

// TestUploadTail: the last bytes of a staged file, read from its last
// chunks only, also when they straddle two chunks.
func TestUploadTail(t *testing.T) {
	eachJobWorld(t, func(t *testing.T, ctx context.Context, s *Store, w *jobWorld) {
		for _, size := range []int{3, uploadChunk + 2, 2*uploadChunk + 100} {
			file := pseudoRandom(size, 3)
			id, err := s.StageImport(ctx, w.job(), bytes.NewReader(file), func(*sql.Tx, access.ID) (int64, error) { return 0, nil })
			must(t, err)
			tail, err := s.UploadTail(ctx, id, 4)
			must(t, err)
			if want := file[max(0, size-4):]; !bytes.Equal(tail, want) {
				t.Errorf("a file of %d bytes: tail %x, want %x", size, tail, want)
			}
		}
	})
}
