package feed_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/feedserver/feedserver/feed"
	"github.com/feedserver/feedserver/feed/feedtest"
	"github.com/feedserver/feedserver/index"
	"github.com/feedserver/feedserver/nuget"
	"github.com/feedserver/feedserver/nuget/nugettest"
)

// memUpstream is an upstream feed in memory: packages by "id/version", and
// switches for failing.
type memUpstream struct {
	mu        sync.Mutex
	packages  map[string][]byte // lower id + "/" + normalised version → .nupkg
	down      bool
	downloads atomic.Int32
	delay     time.Duration
}

func (u *memUpstream) add(t *testing.T, spec nugettest.Spec) []byte {
	data := nugettest.Build(t, spec)
	u.addBytes(spec.ID, spec.Version, data)
	return data
}

func (u *memUpstream) addBytes(id, version string, data []byte) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.packages == nil {
		u.packages = map[string][]byte{}
	}
	v, _ := nuget.ParseVersion(version)
	u.packages[strings.ToLower(id)+"/"+v.String()] = data
}

func (u *memUpstream) Versions(ctx context.Context, id string) ([]index.Entry, error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.down {
		return nil, errors.New("upstream down")
	}
	out := []index.Entry{}
	for k, data := range u.packages {
		lid, ver, _ := strings.Cut(k, "/")
		if lid != strings.ToLower(id) {
			continue
		}
		pkg, err := nuget.ReadPackage(bytes.NewReader(data), int64(len(data)), nuget.Limits{})
		v, _ := nuget.ParseVersion(ver)
		if err != nil { // a package that lies about itself: describe it as asked
			out = append(out, index.Entry{Kind: index.KindCached, ID: nuget.ID(id), Version: v, Listed: true})
			continue
		}
		out = append(out, index.Entry{Kind: index.KindCached, ID: pkg.Manifest.ID, Version: v, Manifest: pkg.Manifest, Listed: true})
	}
	return out, nil
}

func (u *memUpstream) Download(ctx context.Context, id string, v nuget.Version) (io.ReadCloser, error) {
	u.downloads.Add(1)
	time.Sleep(u.delay)
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.down {
		return nil, errors.New("upstream down")
	}
	data, ok := u.packages[strings.ToLower(id)+"/"+v.String()]
	if !ok {
		return nil, fmt.Errorf("no %s %s upstream", id, v)
	}
	return io.NopCloser(bytes.NewReader(data)), nil
}

func (u *memUpstream) URL() string { return "https://upstream.example/v3/index.json" }

func (u *memUpstream) setDown(down bool) {
	u.mu.Lock()
	u.down = down
	u.mu.Unlock()
}

func mirrorFeed(t *testing.T, up *memUpstream, allow ...string) (*feed.Feed, feedtest.Parts) {
	t.Helper()
	parts := feedtest.Open(t, t.TempDir())
	f, err := feed.New(parts.Store, parts.Catalog, parts.Search, feed.Options{
		Mirrors: map[string]feed.Mirror{feed.DefaultSpace: {Upstream: up, Allow: allow}},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f, parts
}

func mirrorList(t *testing.T, f *feed.Feed, id string) string {
	t.Helper()
	es, err := f.Versions(t.Context(), feed.DefaultSpace, index.KindNuGet, id)
	if err != nil {
		t.Fatalf("Versions(%s): %v", id, err)
	}
	var vs []string
	for _, e := range es {
		vs = append(vs, e.Version.String()+":"+string(e.Kind))
	}
	return strings.Join(vs, ",")
}

func openBytes(t *testing.T, f *feed.Feed, id, version string) ([]byte, index.Entry, error) {
	t.Helper()
	b, e, err := f.Open(t.Context(), feed.DefaultSpace, index.KindNuGet, id, version)
	if err != nil {
		return nil, index.Entry{}, err
	}
	defer b.Close()
	data, err := io.ReadAll(b)
	return data, e, err
}

// Upstream versions show beside cached ones; the first open fetches and
// stores the package as KindCached, later opens read the store, also when
// the upstream is down, and the listing then still has the cached version.
func TestMirrorCachesOnFirstUse(t *testing.T) {
	up := &memUpstream{}
	want := up.add(t, nugettest.Spec{ID: "Public.Lib", Version: "1.0.0", Dependencies: []string{"Public.Dep:[2.0.0, )"}})
	up.add(t, nugettest.Spec{ID: "Public.Lib", Version: "2.0.0"})
	f, parts := mirrorFeed(t, up)

	if got := mirrorList(t, f, "public.lib"); got != "1.0.0:cached,2.0.0:cached" {
		t.Errorf("versions = %q", got)
	}
	e, err := f.Get(t.Context(), feed.DefaultSpace, index.KindNuGet, "PUBLIC.LIB", "1.0")
	if err != nil || e.BlobKey != "" || len(e.Manifest.DependencyGroups) != 1 {
		t.Errorf("Get of an upstream-only version = %+v, %v; want its metadata, no file", e, err)
	}
	for range 3 {
		data, e, err := openBytes(t, f, "public.lib", "1.0.0")
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(data, want) || e.Kind != index.KindCached || e.SHA512 == "" {
			t.Errorf("open gave %d bytes of kind %s", len(data), e.Kind)
		}
	}
	if n := up.downloads.Load(); n != 1 {
		t.Errorf("upstream downloads = %d, want 1", n)
	}
	if _, err := parts.Store.Stat(t.Context(), "spaces-1/cached/public.lib/public.lib.1.0.0.nupkg"); err != nil {
		t.Errorf("the cached file is not at its key: %v", err)
	}

	up.setDown(true)
	if got := mirrorList(t, f, "public.lib"); got != "1.0.0:cached" {
		t.Errorf("versions with the upstream down = %q, want the cached one", got)
	}
	if data, _, err := openBytes(t, f, "public.lib", "1.0.0"); err != nil || !bytes.Equal(data, want) {
		t.Errorf("cached open with the upstream down: %v", err)
	}
	if _, _, err := openBytes(t, f, "public.lib", "2.0.0"); !errors.Is(err, feed.ErrNotFound) {
		t.Errorf("uncached open with the upstream down = %v, want ErrNotFound (never a 5xx)", err)
	}
}

// A pushed id shadows the upstream's entirely unless the space allows it.
func TestMirrorShadowing(t *testing.T) {
	for _, tc := range []struct {
		allow []string
		want  string
	}{
		{nil, "1.0.0:nuget"},
		{[]string{"COMPANY.Lib"}, "1.0.0:nuget,9.0.0:cached"},
	} {
		t.Run(fmt.Sprint(tc.allow), func(t *testing.T) {
			up := &memUpstream{}
			up.add(t, nugettest.Spec{ID: "Company.Lib", Version: "9.0.0"})
			f, _ := mirrorFeed(t, up, tc.allow...)
			mustPush(t, f, nugettest.Build(t, nugettest.Spec{ID: "Company.Lib", Version: "1.0.0"}), feed.PushRequest{})
			if got := mirrorList(t, f, "company.lib"); got != tc.want {
				t.Errorf("versions = %q, want %q", got, tc.want)
			}
			_, _, err := openBytes(t, f, "company.lib", "9.0.0")
			if shadowed := len(tc.allow) == 0; shadowed != errors.Is(err, feed.ErrNotFound) {
				t.Errorf("open of the upstream version: %v (shadowed %v)", err, shadowed)
			}
		})
	}
}

// Concurrent first downloads of one package cause one upstream fetch.
func TestMirrorOneFetch(t *testing.T) {
	up := &memUpstream{delay: 50 * time.Millisecond}
	want := up.add(t, nugettest.Spec{ID: "Busy", Version: "1.0.0"})
	f, _ := mirrorFeed(t, up)
	var wg sync.WaitGroup
	var bad atomic.Int32
	for range 8 {
		wg.Go(func() {
			b, _, err := f.Open(context.Background(), feed.DefaultSpace, index.KindNuGet, "busy", "1.0.0")
			if err != nil {
				bad.Add(1)
				return
			}
			data, _ := io.ReadAll(b)
			b.Close()
			if !bytes.Equal(data, want) {
				bad.Add(1)
			}
		})
	}
	wg.Wait()
	if bad.Load() != 0 {
		t.Errorf("%d opens failed", bad.Load())
	}
	if n := up.downloads.Load(); n != 1 {
		t.Errorf("upstream downloads = %d, want 1", n)
	}
}

// A package whose nuspec names another id or version, or that is no
// package, is not stored.
func TestMirrorRefusesWrongPackage(t *testing.T) {
	up := &memUpstream{}
	up.addBytes("Asked", "1.0.0", nugettest.Build(t, nugettest.Spec{ID: "Other", Version: "1.0.0"}))
	up.addBytes("Asked", "2.0.0", nugettest.Build(t, nugettest.Spec{ID: "Asked", Version: "2.0.1"}))
	up.addBytes("Asked", "3.0.0", []byte("not a zip"))
	f, parts := mirrorFeed(t, up)
	for _, v := range []string{"1.0.0", "2.0.0", "3.0.0"} {
		if _, _, err := openBytes(t, f, "asked", v); !errors.Is(err, feed.ErrNotFound) {
			t.Errorf("open %s = %v, want ErrNotFound", v, err)
		}
	}
	if ks := keys(t, parts.Store); len(ks) != 0 {
		t.Errorf("stored %v", ks)
	}
}

// A re-index finds cached files and catalogues them as cached again.
func TestMirrorReindexKeepsCached(t *testing.T) {
	up := &memUpstream{}
	up.add(t, nugettest.Spec{ID: "Kept", Version: "1.0.0"})
	f, parts := mirrorFeed(t, up)
	if _, _, err := openBytes(t, f, "kept", "1.0.0"); err != nil {
		t.Fatal(err)
	}
	if err := parts.Catalog.Delete(t.Context(), feed.DefaultSpace, index.KindCached, "kept", "1.0.0"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Reindex(t.Context()); err != nil {
		t.Fatal(err)
	}
	e, err := parts.Catalog.Get(t.Context(), feed.DefaultSpace, index.KindCached, "kept", "1.0.0")
	if err != nil || e.BlobKey != "spaces-1/cached/kept/kept.1.0.0.nupkg" {
		t.Errorf("after re-index: %+v, %v", e, err)
	}
}

// A cached version can be deleted (its row and file go; the upstream's
// metadata still lists it, and the next download fetches it again); a
// version only the upstream has cannot be deleted or unlisted.
func TestMirrorDelete(t *testing.T) {
	up := &memUpstream{}
	up.add(t, nugettest.Spec{ID: "Gone", Version: "1.0.0"})
	up.add(t, nugettest.Spec{ID: "Gone", Version: "2.0.0"})
	f, parts := mirrorFeed(t, up)
	if _, _, err := openBytes(t, f, "gone", "1.0.0"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Delete(t.Context(), feed.DefaultSpace, index.KindNuGet, "gone", "1.0.0"); err != nil {
		t.Fatalf("delete a cached version: %v", err)
	}
	if _, err := parts.Catalog.Get(t.Context(), feed.DefaultSpace, index.KindCached, "gone", "1.0.0"); !errors.Is(err, index.ErrNotFound) {
		t.Errorf("the cached row stayed: %v", err)
	}
	if ks := keys(t, parts.Store); len(ks) != 0 {
		t.Errorf("files left: %v", ks)
	}
	if _, err := f.Delete(t.Context(), feed.DefaultSpace, index.KindNuGet, "gone", "2.0.0"); !errors.Is(err, feed.ErrNotFound) {
		t.Errorf("delete of an upstream-only version = %v, want ErrNotFound", err)
	}
	if _, err := f.SetListed(t.Context(), feed.DefaultSpace, index.KindNuGet, "gone", "2.0.0", false); !errors.Is(err, feed.ErrNotFound) {
		t.Errorf("unlist of an upstream-only version = %v, want ErrNotFound", err)
	}
	if _, _, err := openBytes(t, f, "gone", "1.0.0"); err != nil || up.downloads.Load() != 2 {
		t.Errorf("download after delete: %v, %d upstream downloads (want a second fetch)", err, up.downloads.Load())
	}
}
