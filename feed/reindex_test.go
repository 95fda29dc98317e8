package feed_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/feedserver/feedserver/feed"
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
	if entry.BlobKey != "spaces-1/nuget/handmade/3.0.0/handmade.3.0.0.nupkg" {
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
