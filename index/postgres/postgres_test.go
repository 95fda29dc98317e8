package postgres

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/feedserver/feedserver/index"
	"github.com/feedserver/feedserver/index/indextest"
	"github.com/feedserver/feedserver/index/internal/row"
	"github.com/feedserver/feedserver/internal/testsvc"
	"github.com/feedserver/feedserver/nuget"
)

// pg is this test binary's PostgreSQL cluster, started on first use.
var pg = testsvc.NewPostgres()

func TestMain(m *testing.M) { os.Exit(testsvc.Run(m, pg)) }

func TestConformance(t *testing.T) {
	// One database for the suite, a schema per case: a new database costs
	// a second here, a schema (and the migrations run into it) a tenth.
	db := pg.NewDatabase(t)
	n := 0
	indextest.Run(t, func(t *testing.T) index.Catalog {
		n++
		return openSchema(t, db, fmt.Sprintf("case_%d", n))
	})
}

// openSchema opens a catalogue in a new schema of the database at url.
func openSchema(t testing.TB, url, schema string) *Catalog {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	c, err := Open(ctx, url+"&search_path="+schema, Options{})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// small is a package version with no manifest, stored at its own key.
func small(id string) index.Entry {
	return index.Entry{
		Space: "Spaces-1", Kind: index.KindNuGet, ID: nuget.ID(id), Version: nuget.MustParseVersion("1.0.0"),
		Extension: ".nupkg", Listed: true, BlobKey: "spaces-1/nuget/" + id,
	}
}

// TestConcurrentMigrations: processes that start at once against a new
// database each open it, the migrations run once, and every catalogue works.
func TestConcurrentMigrations(t *testing.T) {
	ctx := context.Background()
	url := pg.NewDatabase(t)
	const n = 6
	cats := make([]*Catalog, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			cats[i], errs[i] = Open(ctx, url, Options{})
		})
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("Open %d: %v", i, err)
		}
		defer cats[i].Close()
	}
	if err := cats[0].Insert(ctx, small("Shared")); err != nil {
		t.Fatal(err)
	}
	for i, c := range cats {
		if _, err := c.Get(ctx, "Spaces-1", index.KindNuGet, "shared", "1.0.0"); err != nil {
			t.Errorf("catalogue %d does not see the row: %v", i, err)
		}
	}
	var applied, files int
	if err := cats[1].pool.QueryRow(ctx, `SELECT COUNT(*) FROM schema_migrations`).Scan(&applied); err != nil {
		t.Fatal(err)
	}
	names, _ := migrationFS.ReadDir("migrations")
	files = len(names)
	if applied != files {
		t.Errorf("%d migrations recorded, want %d (each once)", applied, files)
	}
	// Reopening applies nothing again and keeps the rows.
	again, err := Open(ctx, url, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	if _, err := again.Get(ctx, "Spaces-1", index.KindNuGet, "SHARED", "1.0"); err != nil {
		t.Errorf("row lost on reopen: %v", err)
	}
}

// TestConcurrentInsertAcrossPools: the identity is decided by the database
// even when the writers are separate pools (separate processes, as far as
// PostgreSQL can tell): one Insert wins, the others get ErrExists.
func TestConcurrentInsertAcrossPools(t *testing.T) {
	ctx := context.Background()
	url := pg.NewDatabase(t)
	const n = 8
	cats := make([]*Catalog, n)
	for i := range cats {
		c, err := Open(ctx, url, Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		cats[i] = c
	}
	for round := range 5 {
		errs := make([]error, n)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i, c := range cats {
			wg.Go(func() {
				e := small(fmt.Sprintf("Race%d", round))
				e.ID = nuget.ID(fmt.Sprintf("rAcE%d", round))
				if i%2 == 0 {
					e.ID = nuget.ID(fmt.Sprintf("RACE%d", round))
				}
				e.BlobKey = fmt.Sprintf("key-%d-%d", round, i)
				<-start
				errs[i] = c.Insert(ctx, e)
			})
		}
		close(start)
		wg.Wait()
		won := 0
		for i, err := range errs {
			switch {
			case err == nil:
				won++
			case !errors.Is(err, index.ErrExists):
				t.Errorf("round %d, insert %d: %v, want nil or ErrExists", round, i, err)
			}
		}
		if won != 1 {
			t.Errorf("round %d: %d inserts won, want exactly 1", round, won)
		}
	}
}

func TestErrorClasses(t *testing.T) {
	tests := []struct {
		name            string
		err             error
		wantUnavailable bool
		wantENOSPC      bool
	}{
		{"refused", &net.OpError{Op: "dial", Err: syscall.ECONNREFUSED}, true, false},
		{"connect", &pgconn.ConnectError{}, true, false},
		{"closed conn", fmt.Errorf("x: %w", pgconn.ErrConnClosed), true, false},
		{"eof", fmt.Errorf("read: %w", io.ErrUnexpectedEOF), true, false},
		{"admin shutdown", &pgconn.PgError{Code: "57P01"}, true, false},
		{"starting up", &pgconn.PgError{Code: "57P03"}, true, false},
		{"connection failure", &pgconn.PgError{Code: "08006"}, true, false},
		{"disk full", &pgconn.PgError{Code: "53100"}, false, true},
		{"syntax", &pgconn.PgError{Code: "42601"}, false, false},
		{"unique", &pgconn.PgError{Code: "23505"}, false, false},
		{"cancelled", context.Canceled, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := classify(fmt.Errorf("index: put x: %w", tt.err))
			if got := errors.Is(err, index.ErrUnavailable); got != tt.wantUnavailable {
				t.Errorf("ErrUnavailable = %v, want %v (%v)", got, tt.wantUnavailable, err)
			}
			if got := errors.Is(err, syscall.ENOSPC); got != tt.wantENOSPC {
				t.Errorf("ENOSPC = %v, want %v (%v)", got, tt.wantENOSPC, err)
			}
		})
	}
}

// TestMetrics: the latency and error series are registered on the given
// registry, pass Prometheus' lint, and count a database failure but not an
// answer such as "not found".
func TestMetrics(t *testing.T) {
	ctx := context.Background()
	reg := prometheus.NewRegistry()
	c, err := Open(ctx, pg.NewDatabase(t), Options{Registerer: reg})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Insert(ctx, small("Metered")); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Get(ctx, "Spaces-1", index.KindNuGet, "absent", "1.0.0"); !errors.Is(err, index.ErrNotFound) {
		t.Fatalf("Get(absent) = %v", err)
	}
	// A statement the server refuses, through the driver's own error path.
	if _, err := c.queryStrings(ctx, `SELECT no_such_column FROM packages`); err == nil {
		t.Fatal("a bad query succeeded")
	} else {
		c.observe("get", time.Now(), &err)
	}
	problems, err := testutil.GatherAndLint(reg)
	if err != nil || len(problems) > 0 {
		t.Errorf("lint: %v %+v", err, problems)
	}
	if n := testutil.CollectAndCount(c.metrics.duration); n < 2 {
		t.Errorf("%d duration series, want insert and get at least", n)
	}
	if got := testutil.ToFloat64(c.metrics.errors.WithLabelValues("get")); got != 1 {
		t.Errorf("get errors = %v, want 1 (not found is an answer)", got)
	}
	if got := testutil.ToFloat64(c.metrics.errors.WithLabelValues("insert")); got != 0 {
		t.Errorf("insert errors = %v, want 0", got)
	}
}

// TestUnavailable: a server that cannot be reached, at open or later, is
// index.ErrUnavailable for lookups and writes alike; once the server is
// back the same catalogue works again. It stops this binary's cluster, so
// no test here runs in parallel.
func TestUnavailable(t *testing.T) {
	ctx := context.Background()
	if _, err := Open(ctx, "postgres://postgres@127.0.0.1:1/none?sslmode=disable&connect_timeout=5", Options{}); !errors.Is(err, index.ErrUnavailable) {
		t.Errorf("Open of a closed port: %v, want ErrUnavailable", err)
	}
	c, err := Open(ctx, pg.NewDatabase(t), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Insert(ctx, small("Before")); err != nil {
		t.Fatal(err)
	}
	if err := pg.Stop(); err != nil {
		t.Fatal(err)
	}
	restarted := false
	defer func() {
		if !restarted {
			pg.Start()
		}
	}()
	for name, call := range map[string]func() error{
		"Get":    func() error { _, err := c.Get(ctx, "Spaces-1", index.KindNuGet, "before", "1.0.0"); return err },
		"Insert": func() error { return c.Insert(ctx, small("During")) },
		"Put":    func() error { return c.Put(ctx, small("During")) },
		"Ping":   func() error { return c.Ping(ctx) },
	} {
		if err := call(); !errors.Is(err, index.ErrUnavailable) {
			t.Errorf("%s while the server is stopped: %v, want ErrUnavailable", name, err)
		}
	}
	if err := pg.Start(); err != nil {
		t.Fatal(err)
	}
	restarted = true
	if _, err := c.Get(ctx, "Spaces-1", index.KindNuGet, "before", "1.0.0"); err != nil {
		t.Errorf("Get after the restart: %v", err)
	}
	if err := c.Insert(ctx, small("After")); err != nil {
		t.Errorf("Insert after the restart: %v", err)
	}
}

// TestUpgradeBeforeDeprecation: a catalogue written before the deprecation
// column existed opens with its rows intact, none deprecated, and takes a
// deprecation afterwards.
func TestUpgradeBeforeDeprecation(t *testing.T) {
	ctx := context.Background()
	url := pg.NewDatabase(t)
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	migrations, err := row.Migrations(migrationFS)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range migrations {
		if m.Version >= 3 { // 0003_deprecation.sql
			break
		}
		if err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error { return applyMigration(ctx, tx, m.Version, m.Name, m.SQL) }); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := conn.Exec(ctx, `INSERT INTO packages (space, kind, id, id_lower, version, version_lower,
		version_original, version_full, prerelease, semver2, listed, size, sha512, sha1, sha256, extension, blob_key)
		VALUES ('Spaces-1', 'nuget', 'Before', 'before', '1.0.0', '1.0.0', '1.0', '1.0.0', false, false, true, 1, '', '', '', '.nupkg', 'k')`); err != nil {
		t.Fatal(err)
	}
	conn.Close(ctx)

	c, err := Open(ctx, url, Options{})
	if err != nil {
		t.Fatalf("Open an old catalogue: %v", err)
	}
	defer c.Close()
	e, err := c.Get(ctx, "Spaces-1", index.KindNuGet, "before", "1.0.0")
	if err != nil || e.Deprecation != nil {
		t.Fatalf("old row after upgrade: %+v, %v; want it, not deprecated", e, err)
	}
	d := &nuget.Deprecation{Reasons: []nuget.DeprecationReason{nuget.DeprecationLegacy}}
	if err := c.SetDeprecation(ctx, "Spaces-1", index.KindNuGet, "Before", []string{"1.0"}, d); err != nil {
		t.Fatalf("SetDeprecation after upgrade: %v", err)
	}
	if e, _ := c.Get(ctx, "Spaces-1", index.KindNuGet, "before", "1.0.0"); !e.Deprecation.Equal(d) {
		t.Errorf("deprecation after upgrade: %+v", e.Deprecation)
	}
}
