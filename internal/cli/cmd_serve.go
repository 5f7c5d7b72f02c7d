package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/procmine/procmine/internal/api"
	"github.com/procmine/procmine/internal/auth"
	"github.com/procmine/procmine/internal/store"
)

// storeFlags choose the database: PostgreSQL by URL, else the SQLite file
// in the data folder. Environment variables give the defaults.
type storeFlags struct {
	dataDir, databaseURL string
}

func (f *storeFlags) register(fs interface {
	StringVar(*string, string, string, string)
}) {
	fs.StringVar(&f.dataDir, "data-dir", envOr("PROCMINE_DATA_DIR", "procmine-data"), "data folder of the embedded store (env PROCMINE_DATA_DIR)")
	fs.StringVar(&f.databaseURL, "database-url", os.Getenv("PROCMINE_DATABASE_URL"), "postgres://… to use PostgreSQL instead (env PROCMINE_DATABASE_URL)")
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

// open opens (and migrates) the store the flags name.
func (f *storeFlags) open(ctx context.Context) (*store.Store, error) {
	if f.databaseURL != "" {
		if !strings.HasPrefix(f.databaseURL, "postgres://") && !strings.HasPrefix(f.databaseURL, "postgresql://") {
			return nil, usagef("--database-url must be a postgres:// URL")
		}
		return store.Open(ctx, f.databaseURL)
	}
	if err := os.MkdirAll(f.dataDir, 0o700); err != nil {
		return nil, err
	}
	return store.Open(ctx, filepath.Join(f.dataDir, "procmine.db"))
}

func runServe(ctx context.Context, args []string, s Streams) error {
	fs := newFlagSet("serve", "[--addr HOST:PORT] [--data-dir DIR | --database-url URL] [--tls-cert FILE --tls-key FILE]", s)
	var sf storeFlags
	sf.register(fs)
	addr := fs.String("addr", envOr("PROCMINE_ADDR", "127.0.0.1:8080"), "address to listen on (env PROCMINE_ADDR)")
	cert := fs.String("tls-cert", "", "TLS certificate file; with --tls-key, serve HTTPS")
	key := fs.String("tls-key", "", "TLS key file")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	if (*cert == "") != (*key == "") {
		return usagef("--tls-cert and --tls-key go together")
	}
	st, err := sf.open(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	log := slog.New(slog.NewJSONHandler(s.Err, nil))
	srv := api.New(api.Config{Store: st, Log: log, Password: auth.DefaultParams, SecureCookies: *cert != ""})
	if err := srv.FailStaleJobs(ctx); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	// A slow client cannot hold a connection for long: headers within 10 s,
	// a whole request within 2 minutes (uploads set a longer deadline of
	// their own), idle keep-alive connections closed after 2 minutes.
	hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 2 * time.Minute, IdleTimeout: 2 * time.Minute}
	scheme := "http"
	if *cert != "" {
		scheme = "https"
	}
	fmt.Fprintf(s.Err, "procmine: serving on %s://%s\n", scheme, ln.Addr())
	done := make(chan error, 1)
	go func() {
		if *cert != "" {
			done <- hs.ServeTLS(ln, *cert, *key)
		} else {
			done <- hs.Serve(ln)
		}
	}()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	// Finish the requests under way, then the imports under way, and only
	// then close the store.
	shutdown, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	err = hs.Shutdown(shutdown)
	if serr := <-done; err == nil && !errors.Is(serr, http.ErrServerClosed) {
		err = serr
	}
	srv.Wait()
	if err != nil {
		return err
	}
	fmt.Fprintln(s.Err, "procmine: stopped")
	return nil
}
