package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/feedserver/feedserver/auth"
	"github.com/feedserver/feedserver/cluster"
	"github.com/feedserver/feedserver/feed"
	"github.com/feedserver/feedserver/index"
	"github.com/feedserver/feedserver/protocol"
	"github.com/feedserver/feedserver/protocol/httpx"
)

const commands = `usage: feedserver [flags]                 serve (the default)
       feedserver reindex [flags]         re-index the package directory and exit
       feedserver retention [--dry-run] [flags]   apply the retention policy once (see -retention-* flags) and exit
       feedserver apikey create --name N --role administrator|publisher|reader [--space S ...] [--owner O ...] [--expires 720h]
       feedserver apikey list
       feedserver apikey revoke ID-or-NAME
       feedserver space create --name N   (prints the new space id)
       feedserver space list
       feedserver owner create NAME       (a generic-package owner; an administrator's first push also creates one)
       feedserver owner list
       feedserver migrate [--to-database postgres://...] [--to-storage s3://BUCKET/PREFIX] [flags]
                                          copy the feed into PostgreSQL and/or S3, verify the copy and exit`

const usage = commands + "\nFlags (also environment variables) are listed by: feedserver -h"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// The first signal asks for a graceful stop (ctx); from then on a signal
	// has its default effect, so a second one ends the process at once,
	// whatever it is waiting for.
	go func() {
		<-ctx.Done()
		stop()
	}()
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	if code := exitCode(err); code != 0 {
		fmt.Fprintln(os.Stderr, "feedserver:", err)
		os.Exit(code)
	}
}

// exitCode is the exit status for what run returned: 0 for success and for
// -h (the usage is printed, as asked), 1 for an error.
func exitCode(err error) int {
	if err == nil || errors.Is(err, flag.ErrHelp) {
		return 0
	}
	return 1
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cmd := "serve"
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		return serve(ctx, args, getenv, stdout, stderr)
	case "reindex":
		return reindexCmd(ctx, args, getenv, stderr)
	case "retention":
		return retentionCmd(ctx, args, getenv, stdout, stderr) // cmd/feedserver/retention.go
	case "apikey":
		return apikeyCmd(ctx, args, getenv, stdout, stderr)
	case "space":
		return spaceCmd(ctx, args, getenv, stdout, stderr)
	case "owner":
		return ownerCmd(ctx, args, getenv, stdout, stderr) // cmd/feedserver/owner.go
	case "migrate":
		return migrateCmd(ctx, args, getenv, stdout, stderr) // cmd/feedserver/migrate.go
	case "help":
		fmt.Fprintln(stdout, usage)
		return nil
	}
	return fmt.Errorf("unknown command %q\n%s", cmd, usage)
}

// app is everything opened from the data folder.
type app struct {
	lock    *os.File // the data folder's lock (datalock.go); nil for the key sub-commands
	cfg     config
	log     *slog.Logger
	store   blobStore
	checks  []protocol.ReadyCheck // what /readyz asks about the backends
	reg     *prometheus.Registry
	catalog index.Catalog
	search  *index.Search
	keysDB  *auth.DB
	pings   []func(context.Context) error // the database pools /readyz checks
	keys    *auth.Keys
	spaces  *auth.Spaces
	owners  *auth.Owners // opened by the sub-commands that need it (migrate)
	feed    *feed.Feed
	cluster *cluster.Cluster // the replicas sharing the database (replicas.go); nil on SQLite
}

// open opens the whole data folder for command ("serve", "reindex", ...),
// after taking its lock: a folder another process holds is refused at once.
func open(ctx context.Context, cfg config, log *slog.Logger, command string) (*app, error) {
	if err := os.MkdirAll(cfg.Data, 0o750); err != nil {
		return nil, fmt.Errorf("create data folder: %w", err)
	}
	lock, err := lockDataFolder(cfg.Data, command)
	if err != nil {
		return nil, err
	}
	a := &app{lock: lock, cfg: cfg, log: log, reg: prometheus.NewRegistry()}
	a.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	ok := false
	defer func() {
		if !ok {
			a.close()
		}
	}()
	if a.store, a.checks, err = openStore(ctx, cfg, a.reg, log); err != nil {
		return nil, err
	}
	// A corrupt catalogue or search index is set aside and rebuilt by the
	// re-index: both are caches of the package directory.
	if err := a.openCatalog(ctx); err != nil { // database.go
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err // a signal during start-up: stop here
	}
	var setAside string
	if a.search, setAside, err = index.OpenSearchChecked(filepath.Join(cfg.Data, "search"), time.Now()); err != nil {
		return nil, fmt.Errorf("open search index: %w", err)
	}
	if setAside != "" {
		log.Error("the search index was corrupt: moved it aside and started a new one; the re-index rebuilds it", "moved_to", setAside)
	}
	if err := a.search.Dropped(); err != nil {
		log.Error("the search index could not be opened: started a new one; the re-index rebuilds it", "err", err)
	}
	if err := a.openKeys(ctx); err != nil {
		return nil, err
	}
	if err := a.openCluster(ctx); err != nil { // replicas.go
		return nil, err
	}
	changes, group := a.sharing(command)
	ms, err := mirrors(cfg.Mirrors, cfg.MaxUpload, log, a.reg)
	if err != nil {
		return nil, err
	}
	if a.feed, err = feed.New(a.store, a.catalog, a.search, feed.Options{
		Logger: log, MaxPackageSize: cfg.MaxUpload, Registerer: a.reg, Changes: changes, Cluster: group,
		VersionsCacheBytes: cfg.Memory.versions, Mirrors: ms,
	}); err != nil {
		return nil, err
	}
	ok = true
	return a, nil
}

// sweep removes temporary files. It runs before serving, when no upload of
// this process is in flight, so every temporary file is a crash's leftover
// (an S3 store shared by replicas only aborts uploads a day old).
func (a *app) sweep(ctx context.Context) {
	if n, err := a.store.SweepTemp(ctx, 0); err != nil {
		a.log.Warn("sweep temporary files", "err", err)
	} else if n > 0 {
		a.log.Info("removed temporary files left by an earlier crash", "count", n)
	}
}

// openKeys opens the key database alone. Keys live apart from the catalogue
// (keys.db beside catalog.db, or the auth_ tables beside the catalogue's in
// PostgreSQL): deleting the catalogue to rebuild it never loses them, and
// the key sub-commands work while the server runs (bleve locks its index;
// SQLite in WAL mode takes a second process).
func (a *app) openKeys(ctx context.Context) error {
	if err := a.openKeyDB(ctx); err != nil { // database.go
		return err
	}
	var err error
	if a.keys, err = auth.NewKeys(ctx, a.keysDB); err != nil {
		return fmt.Errorf("open key database: %w", err)
	}
	if a.spaces, err = auth.NewSpaces(ctx, a.keysDB); err != nil {
		return fmt.Errorf("open key database: %w", err)
	}
	return nil
}

func (a *app) close() {
	if a.feed != nil {
		if err := a.feed.Close(); err != nil {
			a.log.Error("flush pending search updates", "err", err)
		}
	}
	if a.store != nil {
		a.store.Close()
	}
	if a.search != nil {
		a.search.Close()
	}
	if a.catalog != nil {
		a.catalog.Close()
	}
	if a.cluster != nil {
		a.cluster.Close()
	}
	if a.keysDB != nil {
		a.keysDB.Close()
	}
	if a.lock != nil {
		a.lock.Close() // last: the folder is free once everything in it is closed
	}
}

// openLogged opens the whole data folder for a sub-command with the
// configured logger. While a server holds the folder, the refusal says which
// endpoint of that server does the same work.
func openLogged(ctx context.Context, cfg config, stderr io.Writer, command, endpoint string) (*app, error) {
	log, err := newLogger(cfg, stderr)
	if err != nil {
		return nil, err
	}
	a, err := open(ctx, cfg, log, command)
	var inUse *dataInUseError
	if errors.As(err, &inUse) {
		return nil, fmt.Errorf("%w (or ask the running server with an administrator key: %s)", err, endpoint)
	}
	return a, err
}

// keysApp opens the key database alone, for the sub-commands that manage
// keys, spaces and owners: they work while the server runs, which holds the
// search index's lock.
func keysApp(ctx context.Context, cmd string, serverArgs []string, getenv func(string) string, stderr io.Writer) (*app, error) {
	cfg, _, err := loadConfig("feedserver "+cmd, serverArgs, getenv, stderr)
	if err != nil {
		return nil, err
	}
	a := &app{cfg: cfg, log: slog.New(slog.DiscardHandler)}
	if err := a.openKeys(ctx); err != nil {
		a.close()
		return nil, err
	}
	return a, nil
}

// serveProcsPerCPU is how many Go Ps the server runs per CPU unless
// GOMAXPROCS is set. A push spends most of its time in fsync, and a goroutine
// in a system call keeps its P: with one P per CPU, the other requests wait
// for the runtime to take the P back (every 20 µs at best) and hand it to
// another thread. With two per CPU they run at once.
const serveProcsPerCPU = 2

// serveProcs sets GOMAXPROCS to serveProcsPerCPU times the runtime's default
// (the CPUs it may use, container limits included) and returns it. GOMAXPROCS
// set in the environment wins.
func serveProcs(getenv func(string) string) int {
	if getenv("GOMAXPROCS") != "" {
		return runtime.GOMAXPROCS(0)
	}
	runtime.SetDefaultGOMAXPROCS() // from the default, so a second call does not double again
	n := serveProcsPerCPU * runtime.GOMAXPROCS(0)
	runtime.GOMAXPROCS(n)
	return n
}

func serve(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, _, err := loadConfig("feedserver", args, getenv, stderr)
	if err != nil {
		return err
	}
	setMemory(cfg.Memory, getenv)
	procs := serveProcs(getenv)
	logBuf := newLogBuffer(stderr)
	defer logBuf.Flush()
	log, err := newLogger(cfg, logBuf)
	if err != nil {
		return err
	}
	log = slog.New(flushingHandler{log.Handler(), logBuf})
	a, err := open(ctx, cfg, log, "serve")
	if err != nil {
		return err
	}
	defer a.close()
	if err := ctx.Err(); err != nil {
		return nil // stopped during start-up, before serving anything
	}
	if err := a.firstAdminKey(ctx, stdout); err != nil {
		return err
	}
	a.sweep(ctx)

	var publicURL *url.URL
	if cfg.PublicURL != "" {
		publicURL, _ = url.Parse(cfg.PublicURL) // validated by loadConfig
	}
	var ready atomic.Bool
	owners, err := auth.NewOwners(ctx, a.keysDB)
	if err != nil {
		return fmt.Errorf("open key database: %w", err)
	}
	srv, err := protocol.New(a.feed, protocol.Options{
		PublicURL:           publicURL,
		Keys:                a.keys,
		Owners:              owners,
		Spaces:              a.spaces,
		RequireAuthForReads: cfg.RequireReadKey,
		MaxUploadBytes:      cfg.MaxUpload,
		DeleteMode:          cfg.DeleteMode,
		Logger:              log,
		Registerer:          a.reg,
		Gatherer:            a.reg,
		Ready:               ready.Load,
		ReadyChecks:         append(a.checks, protocol.ReadyCheck{Name: "database", Check: a.pingDatabase}),
		Retention:           cfg.Retention,
		CacheBytes:          cfg.Memory.documents,
	})
	if err != nil {
		return err
	}
	defer srv.Close() // before a.close: a re-index started over HTTP stops first
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	httpSrv := &http.Server{
		// Outermost, so it sets deadlines on net/http's own connection.
		Handler:           httpx.IdleBody(cfg.UploadIdle)(srv.Handler()),
		ReadHeaderTimeout: 10 * time.Second,
		// No whole-request timeout: honest large uploads take as long as they
		// take; IdleBody bounds a body that stops moving instead.
		IdleTimeout: 2 * time.Minute,
		ErrorLog:    slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	fmt.Fprintf(stdout, "feedserver listening on http://%s (data folder %s, database: %s)\n", ln.Addr(), cfg.Data, describeDatabase(cfg))
	log.Info("serving", "addr", ln.Addr().String(), "gomaxprocs", procs)

	serveErr := make(chan error, 1)
	go func() { serveErr <- httpSrv.Serve(ln) }()

	if a.cluster != nil {
		// One of several replicas: the start-up re-index is a job of the
		// group, run here or by the process that runs background work, and
		// this replica is ready once it is done, as a lone server is: a
		// catalogue emptied by hand must not be served as an empty feed.
		// The leader runs the schedule (replicas.go).
		stopLeading := a.lead(ctx)
		defer stopLeading()
		reindexCtx, cancelReindex := context.WithCancel(ctx)
		defer cancelReindex()
		if cfg.Reindex {
			go func() {
				if _, err := a.feed.Reindex(reindexCtx); err != nil && !errors.Is(err, context.Canceled) {
					log.Error("startup re-index failed; serving what the catalogue has", "err", err)
				}
				ready.Store(true)
			}()
		} else {
			log.Info("startup re-index switched off")
			ready.Store(true)
		}
		return a.serveUntilDone(ctx, httpSrv, serveErr, func() { cancelReindex(); stopLeading() })
	}

	reindexCtx, cancelReindex := context.WithCancel(ctx)
	defer cancelReindex()
	reindexed := make(chan struct{}) // closed when the start-up re-index is done (or off)
	if cfg.Reindex {
		go func() {
			if _, err := a.feed.Reindex(reindexCtx); err != nil && !errors.Is(err, context.Canceled) {
				log.Error("startup re-index failed; serving what the catalogue has", "err", err)
			}
			ready.Store(true)
			close(reindexed)
		}()
	} else {
		log.Info("startup re-index switched off")
		ready.Store(true)
		close(reindexed)
	}
	stopRetention := a.startRetention(ctx, reindexed) // cmd/feedserver/retention.go
	defer stopRetention()
	return a.serveUntilDone(ctx, httpSrv, serveErr, cancelReindex)
}

// serveUntilDone serves until ctx ends or the server fails, then stops the
// background work (stopWork) and finishes the requests in flight.
func (a *app) serveUntilDone(ctx context.Context, httpSrv *http.Server, serveErr <-chan error, stopWork func()) error {
	select {
	case err := <-serveErr:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	a.log.Info("shutting down: finishing in-flight requests")
	stopWork()
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := httpSrv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	a.log.Info("stopped")
	return nil
}

// firstAdminKey creates the administrator key on the very first start: the
// one from the environment, or a generated one printed once.
func (a *app) firstAdminKey(ctx context.Context, stdout io.Writer) error {
	// Revoked keys count too: the first start is the one with no key ever
	// made. Of replicas starting at once on one database, one creates it.
	key, _, created, err := a.keys.CreateFirst(ctx, auth.KeySpec{Name: "admin", Role: auth.RoleAdministrator, Key: a.cfg.AdminAPIKey})
	if err != nil {
		return fmt.Errorf("create the administrator API key: %w", err)
	}
	if !created {
		return nil
	}
	if a.cfg.AdminAPIKey != "" {
		fmt.Fprintln(stdout, "created the administrator API key from FEEDSERVER_ADMIN_API_KEY")
		return nil
	}
	fmt.Fprintf(stdout, "first start: the administrator API key is shown once, keep it safe:\n%s\n", key)
	return nil
}

func reindexCmd(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer) error {
	cfg, _, err := loadConfig("feedserver reindex", args, getenv, stderr)
	if err != nil {
		return err
	}
	a, err := openLogged(ctx, cfg, stderr, "reindex", "POST /api/admin/reindex")
	if err != nil {
		return err
	}
	defer a.close()
	a.sweep(ctx)
	_, err = a.feed.Reindex(ctx)
	return err
}
