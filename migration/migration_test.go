package migration_test

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"
	_ "github.com/mattn/go-sqlite3"

	"github.com/feedserver/feedserver/auth"
	"github.com/feedserver/feedserver/feed"
	"github.com/feedserver/feedserver/feed/feedtest"
	"github.com/feedserver/feedserver/feed/generic"
	"github.com/feedserver/feedserver/index"
	"github.com/feedserver/feedserver/index/postgres"
	"github.com/feedserver/feedserver/internal/testsvc"
	"github.com/feedserver/feedserver/migration"
	"github.com/feedserver/feedserver/nuget"
	"github.com/feedserver/feedserver/nuget/nugettest"
	"github.com/feedserver/feedserver/storage"
	"github.com/feedserver/feedserver/storage/s3"
)

var (
	pg  = testsvc.NewPostgres()
	vgw = testsvc.NewVersitygw()
)

func TestMain(m *testing.M) { os.Exit(testsvc.Run(m, pg, vgw)) }

// source is a single-machine feed as the server lays it out: packages/,
// catalog.db and keys.db in one folder.
type source struct {
	migration.Backends
	key   string // a publisher key made in it
	blobs map[string][]byte
}

func newSource(t *testing.T, packages int) source {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	parts := feedtest.Open(t, dir) // packages/, catalog.db, search/
	store, catalog := parts.Store, parts.Catalog
	f, err := feed.New(store, catalog, parts.Search, feed.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	raw, err := sql.Open("sqlite3", "file:"+filepath.Join(dir, "keys.db")+"?_journal_mode=WAL&_busy_timeout=5000")
	if err != nil {
		t.Fatal(err)
	}
	b := keyStores(t, auth.SQLite(raw))
	s := source{Backends: b, blobs: map[string][]byte{}}
	s.Store, s.Catalog = store, catalog

	space, err := b.Spaces.Create(ctx, "Second")
	if err != nil {
		t.Fatal(err)
	}
	if s.key, _, err = b.Keys.Create(ctx, auth.KeySpec{Name: "ci", Role: auth.RolePublisher, Spaces: []string{space.ID}}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := b.Keys.Create(ctx, auth.KeySpec{Name: "admin", Role: auth.RoleAdministrator}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Owners.Create(ctx, "acme"); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Spaces.InstallationID(ctx); err != nil {
		t.Fatal(err)
	}
	for i := range packages {
		sp := auth.DefaultSpaceID
		if i%3 == 2 {
			sp = space.ID
		}
		nupkg := nugettest.Build(t, nugettest.Spec{ID: fmt.Sprintf("Move.P%d", i), Version: "1.0.0", Payload: bytes.Repeat([]byte{byte(i)}, 100*i)})
		res, err := f.Push(ctx, feed.PushRequest{Space: sp, Body: bytes.NewReader(nupkg)})
		if err != nil {
			t.Fatal(err)
		}
		s.blobs[res.Entry.BlobKey] = nupkg
	}
	zip := nugettest.Zip(t, map[string][]byte{"app.txt": []byte("the app")})
	res, err := f.Push(ctx, feed.PushRequest{Space: space.ID, FileName: "MyApp.Web.1.2.3.zip", Body: bytes.NewReader(zip)})
	if err != nil {
		t.Fatal(err)
	}
	s.blobs[res.Entry.BlobKey] = zip
	if _, err := f.Generic().Put(ctx, generic.Upload{Owner: "acme", Name: "tool", Version: "1.0", FileName: "tool.bin", Body: strings.NewReader("generic bytes")}); err != nil {
		t.Fatal(err)
	}
	if err := catalog.SetListed(ctx, auth.DefaultSpaceID, index.KindNuGet, "move.p0", "1.0.0", false); err != nil {
		t.Fatal(err)
	}
	if err := catalog.AddDownloads(ctx, auth.DefaultSpaceID, index.KindNuGet, "move.p1", "1.0.0", 42, time.Unix(1700000000, 0)); err != nil {
		t.Fatal(err)
	}
	if err := catalog.SetDeprecation(ctx, auth.DefaultSpaceID, index.KindNuGet, "move.p1", []string{"1.0.0"}, movedDeprecation()); err != nil {
		t.Fatal(err)
	}
	return s
}

// movedDeprecation is what the source says of Move.P1 1.0.0.
func movedDeprecation() *nuget.Deprecation {
	return &nuget.Deprecation{Reasons: []nuget.DeprecationReason{nuget.DeprecationLegacy}, Message: "moved along"}
}

// keyStores opens the key, space and owner stores of db.
func keyStores(t *testing.T, db *auth.DB) migration.Backends {
	t.Helper()
	ctx := context.Background()
	t.Cleanup(func() { db.Close() })
	keys, err := auth.NewKeys(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	spaces, err := auth.NewSpaces(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	owners, err := auth.NewOwners(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	return migration.Backends{Keys: keys, Spaces: spaces, Owners: owners}
}

// newTarget is an empty PostgreSQL database and S3 bucket.
func newTarget(t *testing.T) migration.Backends {
	t.Helper()
	ctx := context.Background()
	dsn := pg.NewDatabase(t)
	catalog, err := postgres.Open(ctx, dsn, postgres.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { catalog.Close() })
	raw, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	b := keyStores(t, auth.PostgreSQL(raw, postgres.Unavailable))
	b.Catalog = catalog
	b.Store = newBucket(t)
	return b
}

func newBucket(t *testing.T) storage.Store {
	t.Helper()
	bucket := vgw.NewBucket(t)
	c, err := s3.ParseURL(bucket.URL("feed"), bucket.Getenv)
	if err != nil {
		t.Fatal(err)
	}
	c.ScratchDir = t.TempDir()
	store, err := s3.Open(context.Background(), c, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	return store
}

// checkTarget asserts that to holds everything src does.
func checkTarget(t *testing.T, src source, to migration.Backends) {
	t.Helper()
	ctx := context.Background()
	for key, want := range src.blobs {
		b, err := to.Store.Open(ctx, key)
		if err != nil {
			t.Fatalf("open %s in the target: %v", key, err)
		}
		got, _ := io.ReadAll(b)
		b.Close()
		if !bytes.Equal(got, want) {
			t.Errorf("%s: %d bytes in the target, not the source's %d", key, len(got), len(want))
		}
	}
	e, err := to.Catalog.Get(ctx, auth.DefaultSpaceID, index.KindNuGet, "Move.P0", "1.0.0")
	if err != nil || e.Listed {
		t.Errorf("Move.P0 in the target: %+v, %v; want it unlisted", e.Listed, err)
	}
	e, err = to.Catalog.Get(ctx, auth.DefaultSpaceID, index.KindNuGet, "Move.P1", "1.0.0")
	if err != nil || e.Downloads != 42 || !e.LastDownload.Equal(time.Unix(1700000000, 0)) {
		t.Errorf("Move.P1 in the target: %d downloads, last %v, %v; want 42, 2023-11-14T22:13:20Z", e.Downloads, e.LastDownload, err)
	}
	if !e.Deprecation.Equal(movedDeprecation()) {
		t.Errorf("Move.P1 in the target is deprecated as %+v, want %+v", e.Deprecation, movedDeprecation())
	}
	info, err := to.Store.Stat(ctx, e.BlobKey)
	if err != nil || !info.ModTime.Equal(e.ModTime) {
		t.Errorf("Move.P1's row has file time %v, its blob in the target %v (%v): the first re-index would read it again", e.ModTime, info.ModTime, err)
	}
	files, err := to.Catalog.GenericFiles(ctx, "acme", "tool")
	if err != nil || len(files) != 1 || files[0].Size != int64(len("generic bytes")) {
		t.Errorf("generic files of acme/tool in the target: %+v, %v", files, err)
	}
	p, err := to.Keys.Authenticate(ctx, src.key)
	if err != nil || p.Role != auth.RolePublisher || len(p.Spaces) != 1 || p.Spaces[0] != "Spaces-2" {
		t.Errorf("the source's key against the target: %+v, %v; want a publisher limited to Spaces-2", p, err)
	}
	if sp, err := to.Spaces.Get(ctx, "Spaces-2"); err != nil || sp.Name != "Second" {
		t.Errorf("Spaces-2 in the target: %+v, %v", sp, err)
	}
	if ok, err := to.Owners.Exists(ctx, "acme"); !ok || err != nil {
		t.Errorf("owner acme in the target: %t, %v", ok, err)
	}
	want, _ := src.Spaces.InstallationID(ctx)
	if got, err := to.Spaces.InstallationID(ctx); got != want || err != nil {
		t.Errorf("installation id in the target %q (%v), want the source's %q", got, err, want)
	}
}

// TestMigrateToPostgresAndS3: a full copy, checked; a second run finds
// everything there and copies nothing.
func TestMigrateToPostgresAndS3(t *testing.T) {
	src := newSource(t, 12)
	to := newTarget(t)
	var progress bytes.Buffer
	rep, err := migration.Run(t.Context(), src.Backends, to, migration.Options{Progress: &progress})
	if err != nil {
		t.Fatalf("Run: %v\n%s", err, progress.String())
	}
	checkTarget(t, src, to)
	// 12 packages, the archive, the generic blob and its reference.
	if rep.Blobs.Source != 15 || rep.Blobs.Copied != 15 || rep.Packages.Copied != 13 || rep.GenericFiles.Copied != 1 ||
		rep.Keys.Copied != 2 || rep.Spaces.Source != 2 || rep.Owners.Copied != 1 {
		t.Errorf("report %+v", rep)
	}
	if !strings.Contains(progress.String(), "migrate: blobs 15/15 (copied 15, already there 0)") ||
		!strings.Contains(progress.String(), "migrate: verified: blobs 15 (SHA-512 read back), package rows 13, generic file rows 1, API keys 2, spaces 2, owners 1") {
		t.Errorf("progress:\n%s", progress.String())
	}

	again, err := migration.Run(t.Context(), src.Backends, to, migration.Options{})
	if err != nil {
		t.Fatalf("second Run: %v", err)
	}
	if again.Blobs.Copied != 0 || again.Blobs.Same != 15 || again.Packages.Same != 13 || again.Keys.Same != 2 || again.GenericFiles.Same != 1 {
		t.Errorf("second run %+v, want everything already there", again)
	}
}

// cancellingStore cancels a run once n blobs are committed in it.
type cancellingStore struct {
	storage.Store
	n      int64
	done   atomic.Int64
	cancel context.CancelFunc
}

func (s *cancellingStore) Stage(ctx context.Context) (storage.Staged, error) {
	st, err := s.Store.Stage(ctx)
	return cancellingStage{st, s}, err
}

type cancellingStage struct {
	storage.Staged
	s *cancellingStore
}

func (c cancellingStage) Commit(ctx context.Context, key string, opts storage.CommitOptions) (storage.Info, error) {
	info, err := c.Staged.Commit(ctx, key, opts)
	if c.s.done.Add(1) == c.s.n {
		c.s.cancel()
	}
	return info, err
}

// TestMigrateAgainAfterInterruption: a run cancelled midway through the
// blobs leaves a partial target; the next run completes and verifies it.
func TestMigrateAgainAfterInterruption(t *testing.T) {
	src := newSource(t, 30)
	to := newTarget(t)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	cut := to
	cut.Store = &cancellingStore{Store: to.Store, n: 10, cancel: cancel}
	rep, err := migration.Run(ctx, src.Backends, cut, migration.Options{Workers: 2})
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "run the same command again") {
		t.Fatalf("cancelled Run: %v, want an interruption that says to run again", err)
	}
	if rep.Blobs.Copied < 5 || rep.Blobs.Copied >= rep.Blobs.Source || rep.Packages.Copied != 0 {
		t.Fatalf("cancelled run %+v: want some blobs and no rows copied", rep)
	}
	rep, err = migration.Run(t.Context(), src.Backends, to, migration.Options{})
	if err != nil {
		t.Fatalf("Run after the interruption: %v", err)
	}
	if rep.Blobs.Same < 5 || rep.Blobs.Same+rep.Blobs.Copied != rep.Blobs.Source {
		t.Errorf("run after the interruption %+v: want the earlier blobs found, the rest copied", rep)
	}
	checkTarget(t, src, to)
}

// TestMigrateRefusesADifferentBlob: a target that holds other bytes under a
// key of the source is refused, naming the key, and left as it was.
func TestMigrateRefusesADifferentBlob(t *testing.T) {
	src := newSource(t, 3)
	to := newTarget(t)
	key := "spaces-1/nuget/move.p1/move.p1.1.0.0.nupkg"
	if _, ok := src.blobs[key]; !ok {
		t.Fatalf("the source has no %s", key)
	}
	for _, other := range []string{"other bytes", strings.Repeat("x", len(src.blobs[key]))} {
		if _, err := to.Store.Put(t.Context(), key, strings.NewReader(other)); err != nil {
			t.Fatal(err)
		}
		_, err := migration.Run(t.Context(), src.Backends, to, migration.Options{})
		if !errors.Is(err, migration.ErrMismatch) || !strings.Contains(err.Error(), key) || !strings.Contains(err.Error(), "refusing to overwrite") {
			t.Fatalf("Run over a different blob of %d bytes: %v, want ErrMismatch naming %s", len(other), err, key)
		}
		b, err := to.Store.Open(t.Context(), key)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(b)
		b.Close()
		if string(got) != other {
			t.Errorf("the target's blob was changed")
		}
	}
}

// TestMigrateOneBackend: only the store, or only the database, moves.
func TestMigrateOneBackend(t *testing.T) {
	t.Run("store", func(t *testing.T) {
		src := newSource(t, 4)
		bucket := newBucket(t)
		rep, err := migration.Run(t.Context(), src.Backends, migration.Backends{Store: bucket}, migration.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Blobs.Copied != 7 || rep.Packages.Updated != 5 || rep.Keys.Source != 0 {
			t.Errorf("report %+v: want 7 blobs copied, the 5 rows' file times updated, no keys", rep)
		}
		checkTarget(t, src, migration.Backends{Store: bucket, Catalog: src.Catalog, Keys: src.Keys, Spaces: src.Spaces, Owners: src.Owners})
	})
	t.Run("database", func(t *testing.T) {
		src := newSource(t, 4)
		to := newTarget(t)
		to.Store = nil
		rep, err := migration.Run(t.Context(), src.Backends, to, migration.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Blobs.Source != 0 || rep.Packages.Copied != 5 || rep.Keys.Copied != 2 {
			t.Errorf("report %+v: want no blobs, 5 rows and 2 keys copied", rep)
		}
		to.Store = src.Store
		checkTarget(t, src, to)
	})
}

// TestMigrateRefusesADifferentKey: a key id the target holds with another
// digest is a mismatch, not an overwrite.
func TestMigrateRefusesADifferentKey(t *testing.T) {
	src := newSource(t, 2)
	to := newTarget(t)
	recs, err := src.Keys.Records(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	other := recs[0]
	other.Digest = strings.Repeat("0", 64)
	if _, err := to.Keys.Restore(t.Context(), other); err != nil {
		t.Fatal(err)
	}
	_, err = migration.Run(t.Context(), src.Backends, to, migration.Options{})
	if !errors.Is(err, migration.ErrMismatch) || !strings.Contains(err.Error(), recs[0].ID) {
		t.Fatalf("Run: %v, want ErrMismatch naming %s", err, recs[0].ID)
	}
}

// TestMigrateSymbols: a symbol package's blob and its PDBs' catalogue rows
// move with its package, so the target's symbol server finds them.
func TestMigrateSymbols(t *testing.T) {
	ctx := t.Context()
	src := newSource(t, 2)
	pdbID := [20]byte{0xF6, 0x72, 0x7B, 0x49, 0x0A, 0x39, 0xFC, 0x44, 0x87, 0x8E, 0x5A, 0x2D, 0x63, 0xB6, 0xCC, 0x4B, 1, 2, 3, 4}
	snupkg := nugettest.SymbolPackage(t, "Move.P0", "1.0.0", map[string][]byte{"lib/Move.P0.pdb": nugettest.PortablePDB(pdbID)})
	const blobKey = "spaces-1/symbols/move.p0/move.p0.1.0.0.snupkg"
	if _, err := src.Store.Put(ctx, blobKey, bytes.NewReader(snupkg)); err != nil {
		t.Fatal(err)
	}
	key := nuget.SymbolKey("Move.P0.pdb", pdbID)
	row := index.SymbolFile{Key: key, Path: "lib/Move.P0.pdb", BlobKey: blobKey, Size: 192, SHA256: strings.Repeat("ab", 32)}
	if err := src.Catalog.PutSymbols(ctx, auth.DefaultSpaceID, "move.p0", "1.0.0", []index.SymbolFile{row}); err != nil {
		t.Fatal(err)
	}
	to := newTarget(t)
	if _, err := migration.Run(ctx, src.Backends, to, migration.Options{}); err != nil {
		t.Fatal(err)
	}
	got, err := to.Catalog.SymbolsByKey(ctx, auth.DefaultSpaceID, key)
	if err != nil || len(got) != 1 || got[0].BlobKey != blobKey || got[0].Path != row.Path || got[0].SHA256 != row.SHA256 {
		t.Fatalf("symbol rows in the target: %+v, %v; want the source's", got, err)
	}
	b, err := to.Store.Open(ctx, blobKey)
	if err != nil {
		t.Fatalf("the symbol package in the target store: %v", err)
	}
	data, _ := io.ReadAll(b)
	b.Close()
	if !bytes.Equal(data, snupkg) {
		t.Error("the symbol package in the target store differs")
	}
}
