package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/feedserver/feedserver/auth"
	"github.com/feedserver/feedserver/migration"
)

// migrateCmd is `feedserver migrate --to-database URL --to-storage URL
// [server flags]`: it copies the feed the server flags describe (the data
// folder, -database, -storage) into the backends named by --to-*, checks
// the copy and prints what it did. The copying is package migration's; this
// only opens both sides.
func migrateCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("feedserver migrate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	toDatabase := fs.String("to-database", "", "the PostgreSQL database to move the catalogue, keys, spaces and owners to: postgres://user:password@host:port/database (or key=value pairs)")
	toStorage := fs.String("to-storage", "", "where to move the packages: s3://BUCKET/PREFIX (or a folder)")
	workers := fs.Int("workers", 8, "blobs and rows copied at once")
	rest := splitServerFlags(args)
	if err := fs.Parse(rest.own); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("migrate takes no arguments, got %q\n%s", fs.Args(), usage)
	}
	cfg, _, err := loadConfig("feedserver migrate", rest.server, getenv, stderr)
	if err != nil {
		return err
	}
	to := cfg
	to.Database, to.Storage = strings.TrimSpace(*toDatabase), strings.TrimSpace(*toStorage)
	switch {
	case to.Database == "" && to.Storage == "":
		return errors.New("migrate needs --to-database, --to-storage or both")
	case to.Database != "" && !isPostgres(to.Database):
		return fmt.Errorf("to-database: %q is not a PostgreSQL postgres:// URL or key=value connection string", redactDSN(to.Database))
	case to.Database != "" && to.Database == cfg.Database:
		return errors.New("to-database: the feed is already in that database")
	case to.Storage != "" && sameStore(cfg, to.Storage):
		return errors.New("to-storage: the feed's packages are already there")
	}
	log, err := newLogger(cfg, stderr)
	if err != nil {
		return err
	}

	// The source: the whole data folder, locked so no server writes to it
	// meanwhile (a server on -database and -storage alone would not show
	// here: stop it first, as the README says).
	src, err := openBackends(ctx, cfg, log, true, true, true)
	if err != nil {
		var inUse *dataInUseError
		if errors.As(err, &inUse) {
			return fmt.Errorf("%w: stop the server before moving its feed", err)
		}
		return err
	}
	defer src.close()
	dst, err := openBackends(ctx, to, log, false, to.Storage != "", to.Database != "")
	if err != nil {
		return fmt.Errorf("open the target: %w", err)
	}
	defer dst.close()

	fmt.Fprintf(stderr, "migrate: from %s and %s\n", describeStorage(cfg), describeDatabase(cfg))
	if to.Storage != "" {
		fmt.Fprintf(stderr, "migrate: packages to %s\n", describeStorage(to))
	}
	if to.Database != "" {
		fmt.Fprintf(stderr, "migrate: catalogue, keys, spaces and owners to %s\n", describeDatabase(to))
	}
	rep, err := migration.Run(ctx, src.backends(), dst.backends(), migration.Options{Progress: stderr, Workers: *workers})
	printMigration(stdout, rep)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "done in %s: start the server with", rep.Duration.Round(100*time.Millisecond))
	if to.Database != "" {
		fmt.Fprint(stdout, " -database (FEEDSERVER_DATABASE) set to the new database")
	}
	if to.Storage != "" {
		if to.Database != "" {
			fmt.Fprint(stdout, " and")
		}
		fmt.Fprintf(stdout, " -storage (FEEDSERVER_STORAGE) %s", describeStorage(to))
	}
	fmt.Fprintln(stdout)
	return nil
}

// sameStore reports whether storage names the store cfg already uses.
func sameStore(cfg config, storage string) bool {
	if strings.HasPrefix(cfg.Storage, "s3:") || strings.HasPrefix(storage, "s3:") {
		return cfg.Storage == storage
	}
	have := cfg.Storage
	if have == "" {
		have = filepath.Join(cfg.Data, "packages")
	}
	a, errA := filepath.Abs(have)
	b, errB := filepath.Abs(storage)
	return errA == nil && errB == nil && a == b
}

// describeStorage names the store of cfg for messages, without the query
// (which may carry credentials).
func describeStorage(cfg config) string {
	switch {
	case cfg.Storage == "":
		return filepath.Join(cfg.Data, "packages")
	case strings.HasPrefix(cfg.Storage, "s3:"):
		s, _, _ := strings.Cut(cfg.Storage, "?")
		return s
	}
	return cfg.Storage
}

// openBackends opens one side of a migration: the store when store is
// true, the catalogue and the key database when db is true, after taking
// the data folder's lock when lock is true (the source). An S3 store's
// scratch folder is in the data folder on either side.
func openBackends(ctx context.Context, cfg config, log *slog.Logger, lock, store, db bool) (*app, error) {
	a := &app{cfg: cfg, log: log, reg: prometheus.NewRegistry()}
	ok := false
	defer func() {
		if !ok {
			a.close()
		}
	}()
	var err error
	if lock {
		if a.lock, err = lockDataFolder(cfg.Data, "migrate"); err != nil {
			return nil, err
		}
	}
	if store {
		if a.store, _, err = openStore(ctx, cfg, a.reg, log); err != nil {
			return nil, err
		}
	}
	if db {
		if err := a.openCatalog(ctx); err != nil {
			return nil, err
		}
		if err := a.openKeys(ctx); err != nil {
			return nil, err
		}
		if a.owners, err = auth.NewOwners(ctx, a.keysDB); err != nil {
			return nil, fmt.Errorf("open key database: %w", err)
		}
	}
	ok = true
	return a, nil
}

// backends is what a opened, for package migration; what it did not open
// stays nil.
func (a *app) backends() migration.Backends {
	var b migration.Backends
	if a.store != nil {
		b.Store = a.store
	}
	if a.catalog != nil {
		b.Catalog, b.Keys, b.Spaces, b.Owners = a.catalog, a.keys, a.spaces, a.owners
	}
	return b
}

func printMigration(w io.Writer, rep migration.Report) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "\tSOURCE\tCOPIED\tALREADY THERE\tUPDATED\t")
	for _, r := range []struct {
		name string
		c    migration.Count
	}{
		{"blobs", rep.Blobs}, {"package rows", rep.Packages}, {"generic file rows", rep.GenericFiles},
		{"API keys", rep.Keys}, {"spaces", rep.Spaces}, {"owners", rep.Owners}, {"settings", rep.Settings},
	} {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t\n", r.name, r.c.Source, r.c.Copied, r.c.Same, r.c.Updated)
	}
	tw.Flush()
	if rep.Blobs.Bytes > 0 {
		secs := max(rep.Duration.Seconds(), 1e-3)
		fmt.Fprintf(w, "%.1f MiB of blobs copied; %.0f blobs/s, %.1f MiB/s over the whole run\n",
			float64(rep.Blobs.Bytes)/(1<<20), float64(rep.Blobs.Copied)/secs, float64(rep.Blobs.Bytes)/(1<<20)/secs)
	}
}
