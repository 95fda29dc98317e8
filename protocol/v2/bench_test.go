package v2_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/feedserver/feedserver/feed"
	"github.com/feedserver/feedserver/feed/feedtest"
	"github.com/feedserver/feedserver/protocol"
)

// Run: go test ./protocol/v2 -run XXX -bench . -benchtime 5s

const benchPackages = 10_000

// benchServer serves a feed of benchPackages ids (one to three versions
// each, about 20,000 rows) written straight into the catalogue and the search
// index; pushing them one by one would take minutes. The files do not exist:
// the feed never opens them.
func benchServer(b *testing.B) (string, []string) {
	b.Helper()
	parts := feedtest.Open(b, b.TempDir())
	store, catalog, search := parts.Store, parts.Catalog, parts.Search
	ids := parts.Fill(b, benchPackages, feedtest.Corpus{Vendor: "Bench", Noun: "Package", Major: 2})
	f, err := feed.New(store, catalog, search, feed.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	srv, err := protocol.New(f, protocol.Options{})
	if err != nil {
		b.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	b.Cleanup(ts.Close)
	return ts.URL, ids
}

// load sends b.N requests from 8 keep-alive clients and reports requests/s
// and the 99th percentile latency.
func load(b *testing.B, base string, path func(i int) string) {
	b.Helper()
	tr := &http.Transport{MaxIdleConnsPerHost: 8, MaxConnsPerHost: 8}
	b.Cleanup(tr.CloseIdleConnections)
	client := &http.Client{Transport: tr}
	var next atomic.Int64
	var mu sync.Mutex
	var all []time.Duration
	b.SetParallelism(max(1, 8/runtime.GOMAXPROCS(0)))
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		var lat []time.Duration
		for pb.Next() {
			i := int(next.Add(1))
			t0 := time.Now()
			resp, err := client.Get(base + path(i))
			if err != nil {
				b.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			lat = append(lat, time.Since(t0))
			if resp.StatusCode != http.StatusOK {
				b.Errorf("GET %s: status %d", path(i), resp.StatusCode)
				return
			}
		}
		mu.Lock()
		all = append(all, lat...)
		mu.Unlock()
	})
	elapsed := time.Since(start)
	b.StopTimer()
	slices.Sort(all)
	if len(all) > 0 {
		b.ReportMetric(float64(len(all))/elapsed.Seconds(), "req/s")
		b.ReportMetric(float64(all[len(all)*99/100].Microseconds())/1000, "p99-ms")
	}
}

// BenchmarkFindPackagesByID is restore's request, for ids spread over the feed.
func BenchmarkFindPackagesByID(b *testing.B) {
	base, ids := benchServer(b)
	load(b, base, func(i int) string {
		return "/api/v2/FindPackagesById()?id='" + ids[(i*7919)%len(ids)] + "'&semVerLevel=2.0.0"
	})
}

// BenchmarkSearch is Visual Studio's browse request (one version per id, index order).
func BenchmarkSearch(b *testing.B) {
	base, _ := benchServer(b)
	terms := []string{"json", "logging", "http", "Bench.Data.Package42", "client", "package1234"}
	load(b, base, func(i int) string {
		return "/api/v2/Search()?$filter=IsAbsoluteLatestVersion&searchTerm='" + terms[i%len(terms)] +
			"'&targetFramework=''&includePrerelease=true&$skip=0&$top=30&semVerLevel=2.0.0"
	})
}

// BenchmarkSearchOrderByID is nuget list's request: $orderby=Id needs every
// match before the first page.
func BenchmarkSearchOrderByID(b *testing.B) {
	base, _ := benchServer(b)
	load(b, base, func(i int) string {
		return "/api/v2/Search()?$filter=IsLatestVersion&$orderby=Id&searchTerm='json'&targetFramework=''&includePrerelease=false&$skip=0&$top=30&semVerLevel=2.0.0"
	})
}

// BenchmarkPackagesFilter is NuGet 2.x's exact lookup through Packages().
func BenchmarkPackagesFilter(b *testing.B) {
	base, ids := benchServer(b)
	load(b, base, func(i int) string {
		return "/api/v2/Packages()?$filter=Id%20eq%20'" + ids[(i*7919)%len(ids)] + "'%20and%20Version%20eq%20'2.0.0'"
	})
}

// BenchmarkListAll is nuget list without a search term: every id, sorted.
func BenchmarkListAll(b *testing.B) {
	base, _ := benchServer(b)
	load(b, base, func(i int) string {
		return "/api/v2/Search()?$filter=IsLatestVersion&$orderby=Id&searchTerm=''&targetFramework=''&includePrerelease=false&$skip=0&$top=30&semVerLevel=2.0.0"
	})
}
