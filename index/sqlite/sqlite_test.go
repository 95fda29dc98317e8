package sqlite

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/mattn/go-sqlite3"

	"github.com/feedserver/feedserver/index"
	"github.com/feedserver/feedserver/index/indextest"
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
