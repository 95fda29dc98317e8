package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/mattn/go-sqlite3"

	"github.com/feedserver/feedserver/index"
	"github.com/feedserver/feedserver/index/indextest"
	"github.com/feedserver/feedserver/index/internal/row"
	"github.com/feedserver/feedserver/nuget"
)

func TestConformance(t *testing.T) {
	indextest.Run(t, func(t *testing.T) index.Catalog { return openTest(t) })
}

func openTest(t *testing.T) *Catalog {
	t.Helper()
	c, err := Open(context.Background(), filepath.Join(t.TempDir(), "catalog.db"))
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

// TestMigrationsOnReopen: reopening applies nothing twice and keeps the rows.
func TestMigrationsOnReopen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "catalog.db")
	files, err := filepath.Glob("migrations/*.sql")
	if err != nil || len(files) == 0 {
		t.Fatalf("no migrations: %v", err)
	}
	for round := range 3 {
		c, err := Open(ctx, path)
		if err != nil {
			t.Fatalf("round %d: Open: %v", round, err)
		}
		if round == 0 {
			if err := c.Insert(ctx, small("Kept")); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := c.Get(ctx, "Spaces-1", index.KindNuGet, "Kept", "1.0.0"); err != nil {
			t.Errorf("round %d: row lost on reopen: %v", round, err)
		}
		var applied int
		if err := c.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations`).Scan(&applied); err != nil {
			t.Fatal(err)
		}
		if applied != len(files) {
			t.Errorf("round %d: %d migrations recorded, want %d", round, applied, len(files))
		}
		if err := c.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

func TestDiskFullIsENOSPC(t *testing.T) {
	full := fmt.Errorf("index: put x: %w", sqlite3.Error{Code: sqlite3.ErrFull})
	if err := diskFull(full); !errors.Is(err, syscall.ENOSPC) {
		t.Errorf("diskFull(%v) is not ENOSPC", err)
	}
	other := fmt.Errorf("index: put x: %w", sqlite3.Error{Code: sqlite3.ErrBusy})
	if err := diskFull(other); errors.Is(err, syscall.ENOSPC) {
		t.Errorf("diskFull(%v) claims ENOSPC", err)
	}
}

// TestUpgradeBeforeDeprecation: a catalogue written before the deprecation
// column existed opens with its rows intact, none deprecated, and takes a
// deprecation afterwards.
func TestUpgradeBeforeDeprecation(t *testing.T) {
	ctx := context.Background()
	path := oldCatalogue(t, 20)
	c, err := Open(ctx, path)
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
	if e, _ := c.Get(ctx, "Spaces-1", index.KindNuGet, "before", "1.0.0"); e.Deprecation == nil {
		t.Error("deprecation not kept after upgrade")
	}
}

// oldCatalogue writes a catalogue file as a version with the migrations
// before number before left it, with one row (Before 1.0.0), and returns
// its path.
func oldCatalogue(t *testing.T, before int) string {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "catalog.db")
	old, err := sql.Open("sqlite3", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer old.Close()
	migrations, err := row.Migrations(migrationFS)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := old.ExecContext(ctx, `CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	for _, m := range migrations {
		if m.Version >= before {
			break
		}
		if err := applyMigration(ctx, old, m.Version, m.Name, m.SQL); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := old.ExecContext(ctx, `INSERT INTO packages (space, kind, id, id_lower, version, version_lower,
		version_original, version_full, prerelease, semver2, listed, size, sha512, sha1, sha256, extension, blob_key)
		VALUES ('Spaces-1', 'nuget', 'Before', 'before', '1.0.0', '1.0.0', '1.0', '1.0.0', false, false, true, 1, '', '', '', '.nupkg', 'k')`); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestUpgradeBeforeLastDownload: a catalogue written before the
// last_download column existed opens with its rows intact and no last
// download, and records one afterwards.
func TestUpgradeBeforeLastDownload(t *testing.T) {
	ctx := context.Background()
	c, err := Open(ctx, oldCatalogue(t, 22))
	if err != nil {
		t.Fatalf("Open an old catalogue: %v", err)
	}
	defer c.Close()
	e, err := c.Get(ctx, "Spaces-1", index.KindNuGet, "before", "1.0.0")
	if err != nil || !e.LastDownload.IsZero() {
		t.Fatalf("old row after upgrade: %+v, %v; want it, with no last download", e, err)
	}
	at := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	if err := c.AddDownloads(ctx, "Spaces-1", index.KindNuGet, "Before", "1.0", 2, at); err != nil {
		t.Fatalf("AddDownloads after upgrade: %v", err)
	}
	if e, _ := c.Get(ctx, "Spaces-1", index.KindNuGet, "before", "1.0.0"); !e.LastDownload.Equal(at) || e.Downloads != 2 {
		t.Errorf("after a download: %d downloads, last %v; want 2 at %v", e.Downloads, e.LastDownload, at)
	}
}
