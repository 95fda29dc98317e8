package feed

import (
	"context"
	"runtime"
	"testing"

	"github.com/feedserver/feedserver/feed/feedtest"
	"github.com/feedserver/feedserver/index"
	"github.com/feedserver/feedserver/internal/corpus"
)

// TestVersionsCacheStaysWithinItsBytes: reading more ids than fit keeps the
// cache under its limit, and the bytes it counts are at least what the
// lists it keeps take on the heap (the memory budget relies on both).
func TestVersionsCacheStaysWithinItsBytes(t *testing.T) {
	ctx := context.Background()
	parts := feedtest.Open(t, t.TempDir())
	pkgs := corpus.Packages(2000)
	parts.FillPackages(t, pkgs)
	read := func(f *Feed) {
		for _, p := range pkgs {
			vs, err := f.Versions(ctx, DefaultSpace, index.KindNuGet, p.ID)
			if err != nil || len(vs) != len(p.Versions) {
				t.Fatalf("versions of %s = %d, %v; want %d", p.ID, len(vs), err, len(p.Versions))
			}
		}
	}
	newFeed := func(limit int64) *Feed {
		f, err := New(parts.Store, parts.Catalog, parts.Search, Options{VersionsCacheBytes: limit})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { f.Close() })
		return f
	}

	const small = 256 << 10
	f := newFeed(small)
	read(f)
	read(f)
	if f.versions.bytes > small || f.versions.bytes < small/2 {
		t.Errorf("a full cache of %d bytes counts %d", small, f.versions.bytes)
	}
	var counted int64
	for _, l := range f.versions.lists {
		counted += l.bytes
	}
	if counted != f.versions.bytes {
		t.Errorf("the lists kept count %d bytes, the cache says %d", counted, f.versions.bytes)
	}

	// Everything fits: the growth of the live heap is what the lists take.
	f = newFeed(64 << 20)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	read(f)
	runtime.GC()
	runtime.ReadMemStats(&after)
	if len(f.versions.lists) != len(pkgs) {
		t.Fatalf("cached %d ids, want all %d", len(f.versions.lists), len(pkgs))
	}
	heap := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	t.Logf("%d ids: counted %d bytes, heap grew %d", len(pkgs), f.versions.bytes, heap)
	if heap > f.versions.bytes {
		t.Errorf("the cached lists grew the heap by %d bytes, the cache counts %d", heap, f.versions.bytes)
	}
}
