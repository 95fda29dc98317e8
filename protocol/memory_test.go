package protocol_test

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/feedserver/feedserver/feed"
	"github.com/feedserver/feedserver/feed/feedtest"
	"github.com/feedserver/feedserver/internal/corpus"
	"github.com/feedserver/feedserver/protocol"
	"github.com/feedserver/feedserver/protocol/v3"
)

// TestCachesStayWithinTheBudget: under a mix of reads that each leave a
// document or a version list behind (distinct searches, autocomplete, every
// id's registration and flat container index, v2 searches), the caches
// together never hold more than the bytes the memory budget gives them
// (cmd/feedserver splits -memory into these two settings), and they do fill
// up to it, so the bound is what limits them.
func TestCachesStayWithinTheBudget(t *testing.T) {
	parts := feedtest.Open(t, t.TempDir())
	pkgs := corpus.Packages(600)
	parts.FillPackages(t, pkgs)
	const versionsBytes, documentBytes = 96 << 10, 160 << 10
	f, err := feed.New(parts.Store, parts.Catalog, parts.Search, feed.Options{
		Logger: slog.New(slog.DiscardHandler), VersionsCacheBytes: versionsBytes,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	srv, err := protocol.New(f, protocol.Options{CacheBytes: documentBytes})
	if err != nil {
		t.Fatal(err)
	}
	h := srv.Handler()

	var paths []string
	texts := corpus.Queries(pkgs, 600)
	prefixes := corpus.Prefixes(pkgs, 600)
	for i, p := range pkgs {
		paths = append(paths,
			"/v3/search?q="+url.QueryEscape(texts[i%len(texts)])+"&take=20&prerelease=true&semVerLevel=2.0.0",
			"/v3/autocomplete?q="+url.QueryEscape(prefixes[i%len(prefixes)])+"&take=20",
			fmt.Sprintf("/v3/%s/%s/index.json", v3.HiveSemVer2, p.ID),
			"/v3/package/"+p.ID+"/index.json",
		)
		if i%4 == 0 {
			paths = append(paths, "/api/v2/Search()?searchTerm='"+url.QueryEscape(texts[(i+7)%len(texts)])+"'&$top=30")
		}
	}
	var (
		next, most atomic.Int64
		wg         sync.WaitGroup
	)
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := next.Add(1) - 1; i < int64(len(paths)); i = next.Add(1) - 1 {
				req := httptest.NewRequest(http.MethodGet, paths[i], nil)
				req.Header.Set("Accept-Encoding", "gzip") // the lazy documents then hold both forms
				w := httptest.NewRecorder()
				h.ServeHTTP(w, req)
				if w.Code != http.StatusOK {
					t.Errorf("%s: status %d", paths[i], w.Code)
					return
				}
				if n := srv.CachedBytes(); n > most.Load() {
					most.Store(n) // racy maximum, but every sample is checked below too
				}
				if n := srv.CachedBytes(); n > versionsBytes+documentBytes {
					t.Errorf("after %d requests the caches hold %d bytes, over the %d of the budget", i, n, versionsBytes+documentBytes)
					return
				}
			}
		}()
	}
	wg.Wait()
	t.Logf("%d requests; the caches held at most %d bytes, %d at the end, of %d", len(paths), most.Load(), srv.CachedBytes(), versionsBytes+documentBytes)
	if end := srv.CachedBytes(); end < (versionsBytes+documentBytes)/2 {
		t.Errorf("the caches hold %d bytes at the end of %d requests: too few to tell the bound from too little traffic", end, len(paths))
	}
}
