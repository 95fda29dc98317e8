package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver, for the key store
	_ "github.com/mattn/go-sqlite3"    // registers the "sqlite3" database/sql driver

	"github.com/feedserver/feedserver/auth"
	"github.com/feedserver/feedserver/index/postgres"
	"github.com/feedserver/feedserver/index/sqlite"
)

// This file opens the database the configuration names: SQLite files in the
// data folder (the default), or one PostgreSQL database for the catalogue
// and the keys, spaces and owners.

// isPostgres reports whether dsn names PostgreSQL: a postgres:// or
// postgresql:// URL, or libpq's key=value form ("host=db dbname=feed").
func isPostgres(dsn string) bool {
	lower := strings.ToLower(dsn)
	if strings.HasPrefix(lower, "postgres://") || strings.HasPrefix(lower, "postgresql://") {
		return true
	}
	return !strings.Contains(dsn, "://") && strings.Contains(dsn, "=")
}

// redactDSN is dsn without a password, for messages.
func redactDSN(dsn string) string {
	if u, err := url.Parse(dsn); err == nil && u.Scheme != "" {
		return u.Redacted()
	}
	if strings.Contains(strings.ToLower(dsn), "password") {
		return "(a connection string with a password)"
	}
	return dsn
}

// describeDatabase names the database for the start-up line: never a password.
func describeDatabase(cfg config) string {
	if cfg.Database == "" {
		return "SQLite in the data folder"
	}
	pc, err := pgconn.ParseConfig(cfg.Database)
	if err != nil {
		return "PostgreSQL"
	}
	return fmt.Sprintf("PostgreSQL %s:%d/%s", pc.Host, pc.Port, pc.Database)
}

// openCatalog opens the catalogue: PostgreSQL, or the SQLite file in the data
// folder, where a corrupt file is set aside and rebuilt by the re-index.
func (a *app) openCatalog(ctx context.Context) error {
	if a.cfg.Database != "" {
		c, err := postgres.Open(ctx, a.cfg.Database, postgres.Options{Registerer: a.reg})
		if err != nil {
			return fmt.Errorf("open catalogue on %s: %w", describeDatabase(a.cfg), err)
		}
		a.catalog = c
		a.pings = append(a.pings, c.Ping)
		return nil
	}
	catalog, setAside, err := sqlite.OpenChecked(ctx, filepath.Join(a.cfg.Data, "catalog.db"), time.Now())
	if err != nil {
		return fmt.Errorf("open catalogue: %w", err)
	}
	a.catalog = catalog
	if setAside != "" {
		a.log.Error("the catalogue was corrupt: moved it aside and started a new one; the re-index refills it from the package directory (download counts and unlisted flags are lost)",
			"moved_to", setAside)
	}
	return nil
}

// openKeyDB opens the database of keys, spaces and owners: the PostgreSQL
// database, or keys.db in the data folder (created 0600).
func (a *app) openKeyDB(ctx context.Context) error {
	if a.cfg.Database != "" {
		raw, err := sql.Open("pgx", a.cfg.Database)
		if err != nil {
			return fmt.Errorf("open key database on %s: %w", describeDatabase(a.cfg), err)
		}
		raw.SetMaxOpenConns(8)
		raw.SetMaxIdleConns(8)
		a.keysDB = auth.PostgreSQL(raw, postgres.Unavailable)
		a.pings = append(a.pings, a.keysDB.Ping)
		return nil
	}
	if err := os.MkdirAll(a.cfg.Data, 0o750); err != nil {
		return fmt.Errorf("create data folder: %w", err)
	}
	path := filepath.Join(a.cfg.Data, "keys.db")
	if err := prepareSecretDB(path, a.log); err != nil {
		return fmt.Errorf("open key database: %w", err)
	}
	raw, err := sql.Open("sqlite3", "file:"+path+"?_journal_mode=WAL&_busy_timeout=5000&_foreign_keys=on")
	if err != nil {
		return fmt.Errorf("open key database: %w", err)
	}
	a.keysDB = auth.SQLite(raw)
	a.pings = append(a.pings, a.keysDB.Ping)
	return nil
}

// pingDatabase is /readyz's database check: every pool the server holds
// answers.
func (a *app) pingDatabase(ctx context.Context) error {
	var errs []error
	for _, ping := range a.pings {
		errs = append(errs, ping(ctx))
	}
	return errors.Join(errs...)
}
