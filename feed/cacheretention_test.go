package feed_test

import (
	"bytes"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/feedserver/feedserver/feed"
	"github.com/feedserver/feedserver/feed/feedtest"
	"github.com/feedserver/feedserver/index"
	"github.com/feedserver/feedserver/nuget/nugettest"
)

// cacheEnv is a mirrored default space with three cached upstream packages
// (Old, Mid and New 1.0.0, last downloaded 40, 5 and 1 days before
// cacheNow) and one pushed package (Pushed 1.0.0, last downloaded 100 days
// before), whose metrics go to reg.
type cacheEnv struct {
	f     *feed.Feed
	parts feedtest.Parts
	up    *memUpstream
	reg   *prometheus.Registry
	sizes map[string]int64 // lower id → size of its cached copy
	nupkg map[string][]byte
}

// cacheNow is the retention clock of the cache tests: well after the real
// time the copies were cached at (their file time), so their recorded
// downloads decide.
var cacheNow = time.Now().Add(100 * 24 * time.Hour)

func newCacheEnv(t *testing.T) *cacheEnv {
	t.Helper()
	e := &cacheEnv{up: &memUpstream{}, reg: prometheus.NewRegistry(), sizes: map[string]int64{}, nupkg: map[string][]byte{}}
	e.parts = feedtest.Open(t, t.TempDir())
	f, err := feed.New(e.parts.Store, e.parts.Catalog, e.parts.Search, feed.Options{
		Mirrors:    map[string]feed.Mirror{feed.DefaultSpace: {Upstream: e.up}},
		Registerer: e.reg,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	e.f = f
	for id, age := range map[string]int{"Old": 40, "Mid": 5, "New": 1} {
		e.nupkg[id] = e.up.add(t, nugettest.Spec{ID: id, Version: "1.0.0", Description: "cached " + id})
		_, entry, err := openBytes(t, f, id, "1.0.0")
		if err != nil || entry.Kind != index.KindCached {
			t.Fatalf("cache %s: kind %q, %v", id, entry.Kind, err)
		}
		e.sizes[entry.ID.Lower()] = entry.Size
		e.downloaded(t, index.KindCached, id, age)
	}
	mustPush(t, f, nugettest.Build(t, nugettest.Spec{ID: "Pushed", Version: "1.0.0"}), feed.PushRequest{})
	e.downloaded(t, index.KindNuGet, "Pushed", 100)
	if n := e.up.downloads.Load(); n != 3 {
		t.Fatalf("upstream downloads = %d, want 3", n)
	}
	return e
}

// downloaded records a download of id 1.0.0 days before cacheNow.
func (e *cacheEnv) downloaded(t *testing.T, kind index.Kind, id string, days int) {
	t.Helper()
	at := cacheNow.Add(-time.Duration(days) * 24 * time.Hour)
	if err := e.parts.Catalog.AddDownloads(t.Context(), feed.DefaultSpace, kind, id, "1.0.0", 1, at); err != nil {
		t.Fatal(err)
	}
}

// cachedIDs lists the ids with a cached row left, sorted.
func (e *cacheEnv) cachedIDs(t *testing.T) []string {
	t.Helper()
	ids, err := e.parts.Catalog.PackageIDs(t.Context(), feed.DefaultSpace, index.KindCached, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

// Cache retention drops cached packages by last download, by age and by the
// space's total size, least recently downloaded first; a pushed package,
// however old its last download, stays.
func TestCacheRetention(t *testing.T) {
	day := 24 * time.Hour
	// The sizes are only known once built: a limit is given as the ids
	// whose copies it must hold.
	tests := []struct {
		name     string
		cache    feed.CacheRule
		sizeOf   []string // MaxSize is the sum of these ids' sizes
		spaces   map[string]feed.CacheRule
		dryRun   bool
		wantLeft []string
		wouldDel int // a dry run's report

	}{
		{name: "off", wantLeft: []string{"mid", "new", "old"}},
		{name: "max age", cache: feed.CacheRule{MaxAge: 30 * day}, wantLeft: []string{"mid", "new"}},
		{name: "max age keeps a download within it", cache: feed.CacheRule{MaxAge: 41 * day}, wantLeft: []string{"mid", "new", "old"}},
		{name: "short max age", cache: feed.CacheRule{MaxAge: 2 * day}, wantLeft: []string{"new"}},
		{name: "max size that holds all", sizeOf: []string{"old", "mid", "new"}, wantLeft: []string{"mid", "new", "old"}},
		{name: "max size drops the least recent", sizeOf: []string{"mid", "new"}, wantLeft: []string{"mid", "new"}},
		{name: "max size drops until it fits", sizeOf: []string{"new"}, wantLeft: []string{"new"}},
		{name: "max size below one package drops all", cache: feed.CacheRule{MaxSize: 1}, wantLeft: []string{}},
		{name: "age then size", cache: feed.CacheRule{MaxAge: 30 * day}, sizeOf: []string{"new"}, wantLeft: []string{"new"}},
		{name: "space switched off", cache: feed.CacheRule{MaxAge: day},
			spaces: map[string]feed.CacheRule{"spaces-1": {}}, wantLeft: []string{"mid", "new", "old"}},
		{name: "space rule replaces the default", spaces: map[string]feed.CacheRule{"Spaces-1": {MaxAge: 2 * day}},
			wantLeft: []string{"new"}},
		{name: "dry run", cache: feed.CacheRule{MaxAge: day}, dryRun: true, wantLeft: []string{"mid", "new", "old"}, wouldDel: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newCacheEnv(t)
			rule := tt.cache
			for _, id := range tt.sizeOf {
				rule.MaxSize += e.sizes[id]
			}
			p := feed.RetentionPolicy{Cache: rule, CacheSpaces: tt.spaces, Now: cacheNow}
			rep, err := e.f.Retention(t.Context(), p, tt.dryRun)
			if err != nil {
				t.Fatal(err)
			}
			left := e.cachedIDs(t)
			if !slices.Equal(left, tt.wantLeft) && !(len(left) == 0 && len(tt.wantLeft) == 0) {
				t.Errorf("cached ids left = %v, want %v", left, tt.wantLeft)
			}
			wantGone := 3 - len(tt.wantLeft)
			if tt.dryRun {
				wantGone = tt.wouldDel
			}
			if rep.Deleted != int64(wantGone) || len(rep.Items) != wantGone {
				t.Errorf("report: %d deleted, %d items; want %d", rep.Deleted, len(rep.Items), wantGone)
			}
			for _, it := range rep.Items {
				if it.Kind != string(index.KindCached) || it.Space != feed.DefaultSpace || it.Reason == "" {
					t.Errorf("report item %+v: want kind cached, the space and a reason", it)
				}
			}
			// Pushed packages are never the cache's to drop.
			if vs := versionsOf(t, e.f, feed.DefaultSpace, index.KindNuGet, "pushed"); !slices.Equal(vs, []string{"1.0.0"}) {
				t.Errorf("pushed versions = %v, want 1.0.0", vs)
			}
			// A dropped copy's file goes with its row.
			stored := 0
			for _, k := range keys(t, e.parts.Store) {
				if bytes.Contains([]byte(k), []byte("/cached/")) {
					stored++
				}
			}
			if stored != len(tt.wantLeft) {
				t.Errorf("%d cached files stored, want %d", stored, len(tt.wantLeft))
			}
			wantMetric := float64(wantGone)
			if tt.dryRun {
				wantMetric = 0
			}
			if got := counterValue(t, e.reg, "feedserver_retention_deleted_total", "cached"); got != wantMetric {
				t.Errorf("deleted_total{kind=cached} = %v, want %v", got, wantMetric)
			}
		})
	}
}

// A dropped package is fetched from the upstream again on its next
// download, the same bytes, and cached again.
func TestCacheRetentionRefetches(t *testing.T) {
	e := newCacheEnv(t)
	p := feed.RetentionPolicy{Cache: feed.CacheRule{MaxAge: 30 * 24 * time.Hour}, Now: cacheNow}
	if _, err := e.f.Retention(t.Context(), p, false); err != nil {
		t.Fatal(err)
	}
	if _, err := e.parts.Catalog.Get(t.Context(), feed.DefaultSpace, index.KindCached, "old", "1.0.0"); !errors.Is(err, index.ErrNotFound) {
		t.Fatalf("Old's cached row after retention: %v, want none", err)
	}
	// The listing still offers the version: the upstream has it.
	if got := mirrorList(t, e.f, "old"); got != "1.0.0:cached" {
		t.Errorf("versions after the drop = %q", got)
	}
	data, entry, err := openBytes(t, e.f, "old", "1.0.0")
	if err != nil || !bytes.Equal(data, e.nupkg["Old"]) || entry.Kind != index.KindCached {
		t.Fatalf("download after the drop: %d bytes of kind %q, %v", len(data), entry.Kind, err)
	}
	if n := e.up.downloads.Load(); n != 4 {
		t.Errorf("upstream downloads = %d, want 4 (one re-fetch)", n)
	}
	if _, err := e.parts.Catalog.Get(t.Context(), feed.DefaultSpace, index.KindCached, "old", "1.0.0"); err != nil {
		t.Errorf("Old is not cached again: %v", err)
	}
}

// A download the feed counted (RecordDownload) is what keeps a cached
// package: the run flushes this process's pending counts first, and the
// flush records the time. Without one, the copy's file time counts.
func TestCacheRetentionCountsDownloads(t *testing.T) {
	for _, downloaded := range []bool{false, true} {
		up := &memUpstream{}
		up.add(t, nugettest.Spec{ID: "Lib", Version: "1.0.0"})
		f, parts := mirrorFeed(t, up)
		ctx := t.Context()
		if _, _, err := openBytes(t, f, "lib", "1.0.0"); err != nil {
			t.Fatal(err)
		}
		// Cached ten days ago, as far as the catalogue knows.
		entry, err := parts.Catalog.Get(ctx, feed.DefaultSpace, index.KindCached, "lib", "1.0.0")
		if err != nil {
			t.Fatal(err)
		}
		entry.ModTime = time.Now().Add(-10 * 24 * time.Hour)
		if err := parts.Catalog.Put(ctx, entry); err != nil {
			t.Fatal(err)
		}
		if downloaded {
			f.RecordDownload(ctx, entry)
		}
		p := feed.RetentionPolicy{Cache: feed.CacheRule{MaxAge: time.Hour}}
		rep, err := f.Retention(ctx, p, false)
		if err != nil {
			t.Fatal(err)
		}
		_, err = parts.Catalog.Get(ctx, feed.DefaultSpace, index.KindCached, "lib", "1.0.0")
		if kept := err == nil; kept != downloaded || rep.Deleted != map[bool]int64{false: 1, true: 0}[downloaded] {
			t.Errorf("downloaded=%v: kept=%v (%v), %d deleted; want kept only when downloaded", downloaded, kept, err, rep.Deleted)
		}
	}
}
