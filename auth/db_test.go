package auth

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
	_ "github.com/mattn/go-sqlite3"

	"github.com/feedserver/feedserver/internal/testsvc"
)

// The store tests run on every database the key store supports: the
// embedded SQLite file and PostgreSQL (a throwaway cluster on loopback).

var pg = testsvc.NewPostgres()

func TestMain(m *testing.M) { os.Exit(testsvc.Run(m, pg)) }

// backends are the databases forEachBackend runs a test on.
var backends = []string{"sqlite", "postgres"}

// forEachBackend runs test once per database, as subtests named after it.
func forEachBackend(t *testing.T, test func(t *testing.T, backend string)) {
	for _, b := range backends {
		t.Run(b, func(t *testing.T) { test(t, b) })
	}
}

// openDB opens an empty key database on backend, the way cmd does. path is
// the SQLite file ("" for PostgreSQL).
func openDB(t testing.TB, backend string) (db *DB, path string) {
	t.Helper()
	var raw *sql.DB
	var err error
	switch backend {
	case "sqlite":
		path = filepath.Join(t.TempDir(), "feed.db")
		raw, err = sql.Open("sqlite3", "file:"+path+"?_journal_mode=WAL&_busy_timeout=10000&_txlock=immediate")
		db = SQLite(raw)
	case "postgres":
		raw, err = sql.Open("pgx", pg.NewDatabase(t))
		db = PostgreSQL(raw, nil)
	default:
		t.Fatalf("unknown backend %q", backend)
	}
	if err != nil {
		t.Fatalf("sql.Open: %v", err)
	}
	t.Cleanup(func() { raw.Close() })
	return db, path
}

func TestBind(t *testing.T) {
	tests := []struct{ query, sqlite, postgres string }{
		{"SELECT 1", "SELECT 1", "SELECT 1"},
		{"SELECT a FROM t WHERE b = ? AND c = lower(?)", "SELECT a FROM t WHERE b = ? AND c = lower(?)", "SELECT a FROM t WHERE b = $1 AND c = lower($2)"},
		{"INSERT INTO t VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'é')", "", "INSERT INTO t VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'é')"},
	}
	for _, tt := range tests {
		if got := SQLite(nil).bind(tt.query); got != tt.query {
			t.Errorf("SQLite bind(%q) = %q, want it unchanged", tt.query, got)
		}
		if got := PostgreSQL(nil, nil).bind(tt.query); got != tt.postgres {
			t.Errorf("PostgreSQL bind(%q) = %q, want %q", tt.query, got, tt.postgres)
		}
	}
}

// TestConcurrentOpen: processes starting at once on one PostgreSQL database
// each create the tables (the advisory lock serialises them) and all work.
func TestConcurrentOpen(t *testing.T) {
	ctx := context.Background()
	url := pg.NewDatabase(t)
	const n = 6
	errs := make(chan error, n)
	for range n {
		go func() {
			raw, err := sql.Open("pgx", url)
			if err != nil {
				errs <- err
				return
			}
			defer raw.Close()
			db := PostgreSQL(raw, nil)
			if _, err := NewKeys(ctx, db); err != nil {
				errs <- err
				return
			}
			_, err = NewOwners(ctx, db)
			errs <- err
		}()
	}
	for range n {
		if err := <-errs; err != nil {
			t.Errorf("concurrent open: %v", err)
		}
	}
}

// TestConcurrentFirstKey: servers starting at once on one PostgreSQL
// database, each with its own pool, each create the first administrator key
// if there is none (cmd's first start, with one FEEDSERVER_ADMIN_API_KEY or a
// generated key each): exactly one does, and the others go on without error.
func TestConcurrentFirstKey(t *testing.T) {
	ctx := context.Background()
	url := pg.NewDatabase(t)
	for _, given := range []string{"", "API-" + strings.Repeat("F1RSTKEY", 4)} {
		reset, err := sql.Open("pgx", url)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := reset.ExecContext(ctx, `DROP TABLE IF EXISTS auth_keys, auth_schema`); err != nil {
			t.Fatal(err)
		}
		reset.Close()
		const n = 6
		var created atomic.Int32
		var wg sync.WaitGroup
		for range n {
			wg.Go(func() {
				raw, err := sql.Open("pgx", url)
				if err != nil {
					t.Error(err)
					return
				}
				defer raw.Close()
				keys, err := NewKeys(ctx, PostgreSQL(raw, nil))
				if err != nil {
					t.Error(err)
					return
				}
				_, _, ok, err := keys.CreateFirst(ctx, KeySpec{Name: "admin", Role: RoleAdministrator, Key: given})
				if err != nil {
					t.Errorf("first key (given %q): %v", given, err)
				}
				if ok {
					created.Add(1)
				}
			})
		}
		wg.Wait()
		if got := created.Load(); got != 1 {
			t.Errorf("given key %q: %d servers created the first key, want 1", given, got)
		}
	}
}

// TestCreateFirst: the first key is created on an empty database only; a
// database that ever held a key (a revoked one counts) gets none.
func TestCreateFirst(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		ctx := context.Background()
		db, _ := openDB(t, backend)
		keys, err := NewKeys(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		key, info, created, err := keys.CreateFirst(ctx, KeySpec{Name: "admin", Role: RoleAdministrator})
		if err != nil || !created {
			t.Fatalf("first key on an empty database: created %v, %v", created, err)
		}
		if p, err := keys.Authenticate(ctx, key); err != nil || p.Role != RoleAdministrator {
			t.Errorf("the first key authenticates as %+v, %v", p, err)
		}
		if _, _, created, err := keys.CreateFirst(ctx, KeySpec{Name: "admin", Role: RoleAdministrator}); err != nil || created {
			t.Errorf("second first key: created %v, %v; want none", created, err)
		}
		if err := keys.Revoke(ctx, info.ID); err != nil {
			t.Fatal(err)
		}
		if _, _, created, err := keys.CreateFirst(ctx, KeySpec{Name: "admin", Role: RoleAdministrator}); err != nil || created {
			t.Errorf("first key after revoking the only one: created %v, %v; want none", created, err)
		}
	})
}
