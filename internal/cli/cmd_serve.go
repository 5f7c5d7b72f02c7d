package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/procmine/procmine/internal/api"
	"github.com/procmine/procmine/internal/auth"
	"github.com/procmine/procmine/internal/datasource"
	"github.com/procmine/procmine/internal/dot"
	"github.com/procmine/procmine/internal/s3blobs"
	"github.com/procmine/procmine/internal/seal"
	"github.com/procmine/procmine/internal/signin"
	"github.com/procmine/procmine/internal/store"
	"github.com/procmine/procmine/internal/webhooks"
)

// storeFlags choose the database: PostgreSQL by URL, else the SQLite file
// in the data folder; and the key that seals blobs at rest. Environment
// variables give the defaults.
type storeFlags struct {
	dataDir, databaseURL string
	blobStore            string
	keyFile              string
	oldKeyFiles          names
	notice               io.Writer // where a newly made key is announced
}

func (f *storeFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.dataDir, "data-dir", envOr("PROCMINE_DATA_DIR", "procmine-data"), "data folder of the embedded store (env PROCMINE_DATA_DIR)")
	fs.StringVar(&f.databaseURL, "database-url", os.Getenv("PROCMINE_DATABASE_URL"), "postgres://… to use PostgreSQL instead (env PROCMINE_DATABASE_URL)")
	fs.StringVar(&f.keyFile, "blob-key-file", os.Getenv("PROCMINE_BLOB_KEY_FILE"),
		"file holding the key that encrypts uploaded data and screenshots (env PROCMINE_BLOB_KEY_FILE, or the key itself in PROCMINE_BLOB_KEY; default DATA-DIR/blob.key, made on first start)")
	fs.Var(&f.oldKeyFiles, "old-blob-key-file", "a former key, still accepted for reading while blobs are resealed (repeatable)")
	fs.StringVar(&f.blobStore, "blob-store", os.Getenv("PROCMINE_BLOB_STORE"),
		"s3://bucket/prefix to keep event data, screenshots and uploads in an S3 bucket, sealed as in the database (env PROCMINE_BLOB_STORE; endpoint, region and keys from AWS_ENDPOINT_URL, AWS_REGION, AWS_ACCESS_KEY_ID, … as the AWS tools read them)")
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

// open opens (and migrates) the store the flags name, with its keys.
func (f *storeFlags) open(ctx context.Context) (*store.Store, error) {
	if f.databaseURL != "" {
		if !strings.HasPrefix(f.databaseURL, "postgres://") && !strings.HasPrefix(f.databaseURL, "postgresql://") {
			return nil, usagef("--database-url must be a postgres:// URL")
		}
		// A key made in this machine's data folder would not be the one
		// of the next server on the same database.
		if f.keyFile == "" && os.Getenv("PROCMINE_BLOB_KEY") == "" {
			return nil, usagef("with --database-url, give the blob key with --blob-key-file or PROCMINE_BLOB_KEY ('procmine keys new' makes one); every server of the database needs the same key")
		}
	}
	if f.databaseURL != "" {
		return openAt(ctx, *f, f.databaseURL)
	}
	return openAt(ctx, *f, filepath.Join(f.dataDir, "procmine.db"))
}

// openAt opens the store at dsn (a PostgreSQL URL or an SQLite file) with
// the flags' keys, and checks that they are the store's.
func openAt(ctx context.Context, f storeFlags, dsn string) (*store.Store, error) {
	ring, err := f.keyring()
	if err != nil {
		return nil, err
	}
	st, err := store.Open(ctx, dsn)
	if err != nil {
		return nil, err
	}
	st.UseKeys(ring)
	if err := st.VerifyKeys(ctx); err != nil {
		st.Close()
		return nil, err
	}
	if f.blobStore != "" {
		b, err := s3blobs.Open(ctx, f.blobStore, s3blobs.FromEnv())
		if err != nil {
			st.Close()
			return nil, err
		}
		st.UseObjects(b)
	}
	if err := st.CheckObjects(ctx); err != nil {
		st.Close()
		return nil, err
	}
	// Steps stored by a version that kept their texts in clear are sealed
	// now, before anything serves them.
	if _, err := st.SealStepTexts(ctx); err != nil {
		st.Close()
		return nil, fmt.Errorf("sealing the texts of recording steps: %w", err)
	}
	return st, nil
}

// keyring reads the blob key: the file given, else PROCMINE_BLOB_KEY, else
// DATA-DIR/blob.key, which is made (readable by its owner only) when
// missing; and the former keys given for a rotation.
func (f *storeFlags) keyring() (*seal.Keyring, error) {
	ring := &seal.Keyring{}
	var err error
	switch text := os.Getenv("PROCMINE_BLOB_KEY"); {
	case f.keyFile != "":
		ring.Current, err = seal.ReadKeyFile(f.keyFile)
	case text != "":
		if ring.Current, err = seal.ParseKey(text); err != nil {
			err = fmt.Errorf("PROCMINE_BLOB_KEY: %v", err)
		}
	default:
		if err := os.MkdirAll(f.dataDir, 0o700); err != nil {
			return nil, err
		}
		name := filepath.Join(f.dataDir, "blob.key")
		if file, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600); err == nil {
			_, werr := file.WriteString(seal.Generate() + "\n")
			if cerr := file.Close(); werr == nil {
				werr = cerr
			}
			if werr != nil {
				os.Remove(name)
				return nil, werr
			}
			if f.notice != nil {
				fmt.Fprintf(f.notice, "procmine: made the key that encrypts uploaded data and screenshots: %s. Keep a copy apart from the database: without it they cannot be read.\n", name)
			}
		} else if !errors.Is(err, os.ErrExist) {
			return nil, err
		}
		ring.Current, err = seal.ReadKeyFile(name)
	}
	if err != nil {
		return nil, err
	}
	for _, name := range f.oldKeyFiles {
		k, err := seal.ReadKeyFile(name)
		if err != nil {
			return nil, err
		}
		ring.Old = append(ring.Old, k)
	}
	return ring, nil
}

func runServe(ctx context.Context, args []string, s Streams) error {
	fs := newFlagSet("serve", "[--addr HOST:PORT] [--data-dir DIR | --database-url URL] [--tls-cert FILE --tls-key FILE]", s)
	sf := storeFlags{notice: s.Err}
	sf.register(fs)
	addr := fs.String("addr", envOr("PROCMINE_ADDR", "127.0.0.1:8080"), "address to listen on (env PROCMINE_ADDR)")
	cert := fs.String("tls-cert", "", "TLS certificate file; with --tls-key, serve HTTPS")
	key := fs.String("tls-key", "", "TLS key file")
	importTimeout := fs.Duration("import-timeout", 30*time.Minute, "longest an import may run; one that lost its server is run again after twice this")
	workers := fs.Int("job-workers", 2, "background jobs (imports) this server runs at once")
	imageWorkers := fs.Int("image-workers", 2, "screenshots this server decodes and cleans at once, whatever the number of uploads (each may hold about 150 MB, an estimate: BENCHMARKS.md)")
	miningWorkers := fs.Int("mining-workers", 0, "models this server mines or replays at once; more requests wait 5 s, then are told to come back (0: half the CPUs)")
	layoutWorkers := fs.Int("layout-workers", 2, "processes that lay out maps and models, one layout each at a time")
	layoutTimeout := fs.Duration("layout-timeout", 20*time.Second, "longest one layout may run before its process is killed")
	budget := fs.Int64("memory-budget", 1024, "MiB of memory for loaded logs and report answers, as measured at import: the least recently used go first; a log that needs more than all of it is refused at import")
	proxies := fs.String("trusted-proxies", os.Getenv("PROCMINE_TRUSTED_PROXIES"), "comma-separated CIDR ranges of reverse proxies whose X-Forwarded-For is believed (env PROCMINE_TRUSTED_PROXIES)")
	publicURL := fs.String("public-url", os.Getenv("PROCMINE_PUBLIC_URL"), "the URL browsers reach this server at, for single sign-on's redirect (env PROCMINE_PUBLIC_URL)")
	issuer := fs.String("oidc-issuer", os.Getenv("PROCMINE_OIDC_ISSUER"), "OpenID provider for single sign-on (env PROCMINE_OIDC_ISSUER); the client secret is read from PROCMINE_OIDC_CLIENT_SECRET")
	clientID := fs.String("oidc-client-id", os.Getenv("PROCMINE_OIDC_CLIENT_ID"), "procmine's client id at the provider (env PROCMINE_OIDC_CLIENT_ID)")
	usernameClaim := fs.String("oidc-username-claim", envOr("PROCMINE_OIDC_USERNAME_CLAIM", "preferred_username"), "the claim a new account's username comes from")
	scopes := fs.String("oidc-scopes", envOr("PROCMINE_OIDC_SCOPES", "openid,profile,email"), "comma-separated scopes to ask the provider for")
	mfaACR := fs.String("oidc-mfa-acr", os.Getenv("PROCMINE_OIDC_MFA_ACR"), "comma-separated acr values that mean the provider checked a second factor (the amr claim counts too)")
	metricsAddr := fs.String("metrics-addr", os.Getenv("PROCMINE_METRICS_ADDR"), "serve Prometheus /metrics, without authentication, on this address of its own (env PROCMINE_METRICS_ADDR); off when empty")
	metricsTokenFile := fs.String("metrics-token-file", os.Getenv("PROCMINE_METRICS_TOKEN_FILE"), "file holding a token that opens /metrics on --addr to requests bearing it (env PROCMINE_METRICS_TOKEN_FILE, or the token itself in PROCMINE_METRICS_TOKEN); without it /metrics there is not found")
	sourceHosts := fs.String("source-hosts", os.Getenv("PROCMINE_SOURCE_HOSTS"), "comma-separated hosts (host or host:port; * for any) PostgreSQL data sources may connect to (env PROCMINE_SOURCE_HOSTS); none when empty")
	sourceDir := fs.String("source-dir", os.Getenv("PROCMINE_SOURCE_DIR"), "folder whose SQLite files, and folders of CSV and Parquet files, data sources may read (env PROCMINE_SOURCE_DIR); none when empty")
	webhookAllow := fs.String("webhook-allow", os.Getenv("PROCMINE_WEBHOOK_ALLOW"), "comma-separated addresses webhooks may deliver to: CIDR prefixes, addresses, address:port, host:port (its addresses must be public), public (ports 80 and 443) or public:PORT (env PROCMINE_WEBHOOK_ALLOW); nowhere when empty (docs/webhooks.md)")
	sourceRows := fs.Int("source-max-rows", 20_000_000, "most rows one refresh of a data source reads")
	groupsClaim := fs.String("oidc-groups-claim", envOr("PROCMINE_OIDC_GROUPS_CLAIM", "groups"), "the claim that lists a person's groups; teams that follow a group are kept in step with it")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	if (*cert == "") != (*key == "") {
		return usagef("--tls-cert and --tls-key go together")
	}
	// Behind a TLS-terminating proxy the public URL says https: cookies
	// are then Secure too.
	if *importTimeout < time.Second || *workers < 1 || *imageWorkers < 1 || *miningWorkers < 0 {
		return usagef("--import-timeout: at least 1s; --job-workers and --image-workers: at least 1")
	}
	if *layoutWorkers < 1 || *layoutTimeout < time.Second {
		return usagef("--layout-workers: at least 1; --layout-timeout: at least 1s")
	}
	if *budget < 16 {
		return usagef("--memory-budget: at least 16 MiB")
	}
	cfg := api.Config{Password: auth.DefaultParams, SecureCookies: *cert != "" || strings.HasPrefix(*publicURL, "https://"), MemoryBudget: *budget << 20,
		ImportTimeout: *importTimeout, JobWorkers: *workers, ImageWorkers: *imageWorkers, MiningWorkers: *miningWorkers}
	if *sourceRows < 1 {
		return usagef("--source-max-rows: at least 1")
	}
	// A query may take two thirds of a refresh's time: the rest stores it.
	cfg.Sources = datasource.Config{SQLiteDir: *sourceDir, MaxRows: *sourceRows, Timeout: *importTimeout * 2 / 3}
	for _, h := range strings.Split(*sourceHosts, ",") {
		if h = strings.TrimSpace(h); h != "" {
			cfg.Sources.PostgresHosts = append(cfg.Sources.PostgresHosts, h)
		}
	}
	allow, err := webhooks.ParseAllowList(*webhookAllow)
	if err != nil {
		return usagef("--webhook-allow: %v", err)
	}
	cfg.Webhooks.Allow = allow
	cfg.MetricsToken = os.Getenv("PROCMINE_METRICS_TOKEN")
	if *metricsTokenFile != "" {
		b, err := os.ReadFile(*metricsTokenFile)
		if err != nil {
			return usagef("--metrics-token-file: %v", err)
		}
		cfg.MetricsToken = strings.TrimSpace(string(b))
	}
	if cfg.MetricsToken != "" && len(cfg.MetricsToken) < 16 {
		return usagef("the metrics token must be at least 16 characters long")
	}
	for _, text := range strings.Split(*proxies, ",") {
		if text = strings.TrimSpace(text); text == "" {
			continue
		}
		p, err := netip.ParsePrefix(text)
		if err != nil {
			return usagef("--trusted-proxies: %q is not a CIDR range", text)
		}
		cfg.TrustedProxies = append(cfg.TrustedProxies, p)
	}
	if *issuer != "" {
		secret := os.Getenv("PROCMINE_OIDC_CLIENT_SECRET")
		if *clientID == "" || secret == "" || *publicURL == "" {
			return usagef("single sign-on needs --oidc-client-id, --public-url and the client secret in PROCMINE_OIDC_CLIENT_SECRET")
		}
		cfg.OIDC = &signin.OIDCConfig{Issuer: *issuer, ClientID: *clientID, ClientSecret: secret,
			RedirectURL: strings.TrimRight(*publicURL, "/") + "/signin/oidc/callback", UsernameClaim: *usernameClaim, GroupsClaim: *groupsClaim,
			Scopes: splitList(*scopes), MFAACR: splitList(*mfaACR)}
	}
	st, err := sf.open(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	cfg.Store, cfg.Log = st, slog.New(slog.NewJSONHandler(s.Err, nil))
	// Layouts run in worker processes (procmine-layout), where one can
	// be stopped at its deadline and none holds the server's runtime;
	// see internal/dot. A server without them would answer every map
	// with an error: it does not start.
	if _, err := dot.HelperPath(); err != nil {
		return err
	}
	layouts := &dot.Workers{Command: dot.Helper, Size: *layoutWorkers, Timeout: *layoutTimeout}
	old := dot.Use(layouts)
	defer func() { dot.Use(old); layouts.Close() }()
	srv := api.New(cfg)
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	var metricsLn net.Listener
	if *metricsAddr != "" {
		if metricsLn, err = net.Listen("tcp", *metricsAddr); err != nil {
			ln.Close()
			return fmt.Errorf("--metrics-addr: %w", err)
		}
	}
	if err := srv.Start(ctx); err != nil {
		ln.Close()
		if metricsLn != nil {
			metricsLn.Close()
		}
		return err
	}
	if metricsLn != nil {
		ms := &http.Server{Handler: srv.MetricsHandler(), ReadHeaderTimeout: 10 * time.Second, ReadTimeout: time.Minute, IdleTimeout: 2 * time.Minute}
		fmt.Fprintf(s.Err, "procmine: metrics on http://%s/metrics\n", metricsLn.Addr())
		go ms.Serve(metricsLn)
		defer ms.Close()
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
		stop, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		return errors.Join(err, srv.Stop(stop))
	case <-ctx.Done():
	}
	// Finish the requests under way, then the imports under way, and only
	// then close the store. An import not done by then is queued again.
	shutdown, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	err = hs.Shutdown(shutdown)
	if serr := <-done; err == nil && !errors.Is(serr, http.ErrServerClosed) {
		err = serr
	}
	// The imports under way get a time of their own, not what the
	// requests left of it.
	jobs, cancelJobs := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancelJobs()
	err = errors.Join(err, srv.Stop(jobs))
	if err != nil {
		return err
	}
	fmt.Fprintln(s.Err, "procmine: stopped")
	return nil
}

// splitList reads a comma-separated list, blanks left out.
func splitList(s string) []string {
	var out []string
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}
