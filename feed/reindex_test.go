package feed_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/feedserver/feedserver/feed"
	"github.com/feedserver/feedserver/feed/generic/generictest"
	"github.com/feedserver/feedserver/index"
	"github.com/feedserver/feedserver/nuget/nugettest"
)

func TestReindexRebuildsDeletedCatalogue(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	e := newEnv(t, dir, feed.Options{})
	for i := range 5 {
		mustPush(t, e.feed, nugettest.Build(t, nugettest.Spec{ID: fmt.Sprintf("Pkg%d", i), Version: "1.0.0", Tags: "rebuild"}), feed.PushRequest{})
	}
	mustPush(t, e.feed, []byte("archive"), feed.PushRequest{FileName: "Tool.2.0.0-rc.1.tar.gz"})
	generictest.MustPut(t, e.feed.Generic(), "acme", "Tool", "1.0", "tool.bin", []byte("generic"))
	e.close()
	os.Remove(filepath.Join(dir, "catalog.db"))
	os.RemoveAll(filepath.Join(dir, "search"))

	e = newEnv(t, dir, feed.Options{})
	stats, err := e.feed.Reindex(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if stats.Seen != 6 || stats.Added != 6 || stats.Failed != 0 {
		t.Errorf("stats = %+v, want 6 seen and added", stats)
	}
	// The generic registry's re-index runs too (its files are not in the stats).
	if vs, err := e.feed.Generic().Versions(ctx, "acme", "tool"); err != nil || len(vs) != 1 || vs[0].Files[0].Name != "Tool" {
		t.Errorf("generic versions after rebuild: %+v, %v; want Tool 1.0", vs, err)
	}
	raw, err := e.feed.Get(ctx, feed.DefaultSpace, index.KindRaw, "tool", "2.0.0-rc.1")
	if err != nil || raw.Version.Original() != "2.0.0-rc.1" || raw.Extension != ".tar.gz" {
		t.Errorf("raw archive after rebuild: %+v, %v", raw, err)
	}
	r, err := e.feed.Search(ctx, index.Query{Text: "tags:rebuild", Take: 10})
	if err != nil || r.Total != 5 {
		t.Errorf("search after rebuild: %+v, %v; want 5 ids", r, err)
	}

	// A warm restart reads nothing again.
	stats, err = e.feed.Reindex(ctx)
	if err != nil || stats.Unchanged != 6 || stats.Added != 0 {
		t.Errorf("warm re-index: %+v, %v; want 6 unchanged", stats, err)
	}
}

func TestReindexFollowsTheDirectory(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	e := newEnv(t, dir, feed.Options{})
	keep := mustPush(t, e.feed, nugettest.Build(t, nugettest.Spec{ID: "Keep", Version: "1.0.0"}), feed.PushRequest{})
	gone := mustPush(t, e.feed, nugettest.Build(t, nugettest.Spec{ID: "Vanish", Version: "1.0.0", Tags: "vanish"}), feed.PushRequest{})

	root := filepath.Join(dir, "packages")
	// An operator removes one file, drops one package in by hand, and leaves a broken file and a temporary leftover.
	os.Remove(filepath.Join(root, filepath.FromSlash(gone.Entry.BlobKey)))
	dropped := nugettest.Build(t, nugettest.Spec{ID: "HandMade", Version: "3.0.0"})
	os.WriteFile(filepath.Join(root, "spaces-1", "nuget", "HandMade.3.0.0.nupkg"), dropped, 0o644)
	broken := filepath.Join(root, "spaces-1", "nuget", "broken", "1.0.0", "broken.1.0.0.nupkg")
	os.MkdirAll(filepath.Dir(broken), 0o755)
	os.WriteFile(broken, []byte("not a zip"), 0o644)

	stats, err := e.feed.Reindex(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if stats.Removed != 1 || stats.Added != 1 || stats.Moved != 1 || stats.Failed != 1 || stats.Unchanged != 1 {
		t.Errorf("stats = %+v, want removed 1, added 1 (moved), failed 1, unchanged 1", stats)
	}
	if _, err := e.feed.Get(ctx, feed.DefaultSpace, index.KindNuGet, "vanish", "1.0.0"); err == nil {
		t.Errorf("a package whose file is gone is still catalogued")
	}
	r, _ := e.feed.Search(ctx, index.Query{Text: "vanish", Take: 10})
	if r.Total != 0 {
		t.Errorf("search still finds the vanished package")
	}
	blob, entry, err := e.feed.Open(ctx, feed.DefaultSpace, index.KindNuGet, "handmade", "3.0.0")
	if err != nil {
		t.Fatalf("hand-dropped package: %v", err)
	}
	blob.Close()
	if entry.BlobKey != "spaces-1/nuget/handmade/handmade.3.0.0.nupkg" {
		t.Errorf("hand-dropped package stored at %q", entry.BlobKey)
	}
	if _, err := os.Stat(filepath.Join(root, "spaces-1", "nuget", "HandMade.3.0.0.nupkg")); !os.IsNotExist(err) {
		t.Errorf("the dropped file was not moved: %v", err)
	}
	if _, err := e.feed.Get(ctx, feed.DefaultSpace, index.KindNuGet, "keep", "1.0.0"); err != nil {
		t.Errorf("untouched package lost: %v (%v)", err, keep.Entry.BlobKey)
	}
	if st := e.feed.State(); st.Running || st.Runs != 1 {
		t.Errorf("state = %+v", st)
	}
}

// TestReindexEarlierLayout: files stored a folder per version, as feedserver
// did before versions shared their id's folder, keep working where they are:
// catalogued, re-read when they change, found by a push while the catalogue
// is incomplete, and replaced by a re-push.
func TestReindexEarlierLayout(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	e := newEnv(t, dir, feed.Options{})
	root := filepath.Join(dir, "packages")
	earlier := func(id string) (key, path string) {
		key = "spaces-1/nuget/" + id + "/1.0.0/" + id + ".1.0.0.nupkg"
		return key, filepath.Join(root, filepath.FromSlash(key))
	}
	write := func(t *testing.T, path string, body []byte) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, body, 0o644); err != nil {
			t.Fatal(err)
		}
	}

	// A package catalogued under the earlier key, as an upgraded server has it.
	res := mustPush(t, e.feed, nugettest.Build(t, nugettest.Spec{ID: "Old", Version: "1.0.0"}), feed.PushRequest{})
	oldKey, oldPath := earlier("old")
	os.MkdirAll(filepath.Dir(oldPath), 0o755)
	if err := os.Rename(filepath.Join(root, filepath.FromSlash(res.Entry.BlobKey)), oldPath); err != nil {
		t.Fatal(err)
	}
	fi, _ := os.Stat(oldPath)
	row := res.Entry
	row.BlobKey, row.ModTime = oldKey, fi.ModTime()
	if err := e.catalog.Put(ctx, row); err != nil {
		t.Fatal(err)
	}
	// One dropped in that layout with no catalogue row, and one whose file
	// changed since it was catalogued (a restore without mtimes).
	dropKey, dropPath := earlier("dropped")
	write(t, dropPath, nugettest.Build(t, nugettest.Spec{ID: "Dropped", Version: "1.0.0"}))
	res = mustPush(t, e.feed, nugettest.Build(t, nugettest.Spec{ID: "Changed", Version: "1.0.0"}), feed.PushRequest{})
	changedKey, changedPath := earlier("changed")
	os.Remove(filepath.Join(root, filepath.FromSlash(res.Entry.BlobKey)))
	write(t, changedPath, nugettest.Build(t, nugettest.Spec{ID: "Changed", Version: "1.0.0", Description: "restored"}))
	row = res.Entry
	row.BlobKey = changedKey
	if err := e.catalog.Put(ctx, row); err != nil {
		t.Fatal(err)
	}

	stats, err := e.feed.Reindex(ctx)
	if err != nil || stats.Unchanged != 1 || stats.Added != 2 || stats.Moved != 0 || stats.Removed != 0 || stats.Failed != 0 {
		t.Fatalf("re-index = %+v, %v; want 1 unchanged, 2 added in place", stats, err)
	}
	for _, tc := range []struct{ id, key string }{{"old", oldKey}, {"dropped", dropKey}, {"changed", changedKey}} {
		blob, entry, err := e.feed.Open(ctx, feed.DefaultSpace, index.KindNuGet, tc.id, "1.0.0")
		if err != nil {
			t.Fatalf("open %s: %v", tc.id, err)
		}
		blob.Close()
		if entry.BlobKey != tc.key {
			t.Errorf("%s is stored at %q, want %q", tc.id, entry.BlobKey, tc.key)
		}
	}

	// A re-push replaces the earlier file with one at today's key.
	res = mustPush(t, e.feed, nugettest.Build(t, nugettest.Spec{ID: "Old", Version: "1.0.0", Description: "again"}),
		feed.PushRequest{Overwrite: feed.OverwriteExisting, CanReplace: true})
	if res.Entry.BlobKey != "spaces-1/nuget/old/old.1.0.0.nupkg" {
		t.Errorf("re-pushed at %q", res.Entry.BlobKey)
	}
	if _, err := os.Stat(oldPath); !os.IsNotExist(err) {
		t.Errorf("the earlier file is still there after the re-push: %v", err)
	}

	// While the catalogue is incomplete, a push finds the earlier file.
	if err := e.catalog.Delete(ctx, feed.DefaultSpace, index.KindNuGet, "dropped", "1.0.0"); err != nil {
		t.Fatal(err)
	}
	e.close()
	e2 := newEnv(t, dir, feed.Options{}) // a restart, before its re-index
	_, err = push(t, e2.feed, nugettest.Build(t, nugettest.Spec{ID: "Dropped", Version: "1.0.0"}), feed.PushRequest{})
	if !errors.Is(err, feed.ErrExists) {
		t.Errorf("push of a version stored in the earlier layout, catalogue incomplete: %v, want ErrExists", err)
	}
}

func TestReindexKeepsWhatOnlyTheCatalogueKnows(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	e := newEnv(t, dir, feed.Options{})
	res := mustPush(t, e.feed, nugettest.Build(t, nugettest.Spec{ID: "Sticky", Version: "1.0.0"}), feed.PushRequest{})
	e.feed.SetListed(ctx, feed.DefaultSpace, index.KindNuGet, "sticky", "1.0.0", false)
	// The file changes on disk (same identity, new bytes): it is re-read but stays unlisted.
	path := filepath.Join(dir, "packages", filepath.FromSlash(res.Entry.BlobKey))
	os.WriteFile(path, nugettest.Build(t, nugettest.Spec{ID: "Sticky", Version: "1.0.0", Description: "changed"}), 0o644)
	stats, err := e.feed.Reindex(ctx)
	if err != nil || stats.Added != 1 {
		t.Fatalf("re-index: %+v, %v", stats, err)
	}
	got, _ := e.feed.Get(ctx, feed.DefaultSpace, index.KindNuGet, "sticky", "1.0.0")
	if got.Listed || got.Manifest.Description != "changed" {
		t.Errorf("after re-read: listed=%v description=%q", got.Listed, got.Manifest.Description)
	}
	if bytes.Equal([]byte(got.SHA512), []byte(res.Entry.SHA512)) {
		t.Errorf("hash not refreshed")
	}
}
