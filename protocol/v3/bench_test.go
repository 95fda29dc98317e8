package v3_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/feedserver/feedserver/feed"
	"github.com/feedserver/feedserver/feed/feedtest"
	"github.com/feedserver/feedserver/protocol"
)

const benchPackages = 10_000

// benchFeed is a feed of benchPackages ids (one to three versions each)
// written straight into the catalogue and the search index: pushing 10,000
// packages one by one would fsync 10,000 times. The files do not exist;
// registration and search never open them.
func benchFeed(b *testing.B) (*feed.Feed, []string) {
	b.Helper()
	parts := feedtest.Open(b, b.TempDir())
	store, catalog, search := parts.Store, parts.Catalog, parts.Search
	ids := parts.Fill(b, benchPackages, feedtest.Corpus{Vendor: "Contoso", Noun: "Lib", Major: 1})
	f, err := feed.New(store, catalog, search, feed.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	return f, ids
}

// load sends b.N requests from 8 keep-alive clients (parallelism 4 × 2 CPUs
// on the target machine) and reports requests/s and the 99th percentile.
func load(b *testing.B, base string, path func(i int) string) {
	b.Helper()
	tr := &http.Transport{MaxIdleConnsPerHost: 8, MaxConnsPerHost: 8}
	b.Cleanup(tr.CloseIdleConnections)
	client := &http.Client{Transport: tr}
	var next atomic.Int64
	var mu sync.Mutex
	var all []time.Duration
	b.SetParallelism(max(1, 8/max(1, runtimeProcs())))
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
			if resp.StatusCode != http.StatusOK {
				b.Errorf("GET %s: %d", path(i), resp.StatusCode)
				return
			}
			lat = append(lat, time.Since(t0))
		}
		mu.Lock()
		all = append(all, lat...)
		mu.Unlock()
	})
	elapsed := time.Since(start)
	b.StopTimer()
	if len(all) == 0 {
		return
	}
	slices.Sort(all)
	b.ReportMetric(float64(len(all))/elapsed.Seconds(), "req/s")
	b.ReportMetric(float64(all[len(all)*99/100].Microseconds())/1000, "p99-ms")
}

var benchQueries = []string{
	"q=contoso&take=20&prerelease=true&semVerLevel=2.0.0",
	"q=json&take=20&prerelease=false&semVerLevel=2.0.0",
	"q=Contoso.Http.Lib42&take=20&semVerLevel=2.0.0",
	"q=&take=20&semVerLevel=2.0.0",
	"q=tags:logging&take=20",
	"q=packageid:Contoso.Data.Lib1003&take=20",
	"q=lib12&take=20&semVerLevel=2.0.0",
	"q=library+number+7&take=20&semVerLevel=2.0.0",
}

// BenchmarkConsume measures the production stack (protocol.New: middleware,
// route table, no feed generation yet) and, as "generation", this package's
// routes with a generation counter that never moves, i.e. what the cache
// gives once the feed counts its changes.
func BenchmarkConsume(b *testing.B) {
	f, ids := benchFeed(b)
	srv, err := protocol.New(f, protocol.Options{})
	if err != nil {
		b.Fatal(err)
	}
	full := httptest.NewServer(srv.Handler())
	b.Cleanup(full.Close)
	var gen atomic.Uint64
	cached := consumeServer(b, f, gen.Load)

	for _, s := range []struct {
		name string
		url  string
	}{{"stack", full.URL}, {"generation", cached.URL}} {
		b.Run("registration/"+s.name, func(b *testing.B) {
			load(b, s.url, func(i int) string { return "/v3/registration-semver2/" + ids[(i*7919)%len(ids)] + "/index.json" })
		})
		b.Run("registration-hot/"+s.name, func(b *testing.B) {
			// A restore of a solution asks for the same few ids over and over.
			load(b, s.url, func(i int) string { return "/v3/registration-semver2/" + ids[i%64] + "/index.json" })
		})
		b.Run("search/"+s.name, func(b *testing.B) {
			load(b, s.url, func(i int) string { return "/v3/search?" + benchQueries[i%len(benchQueries)] })
		})
		b.Run("autocomplete/"+s.name, func(b *testing.B) {
			load(b, s.url, func(i int) string { return "/v3/autocomplete?q=contoso.h&take=20&semVerLevel=2.0.0" })
		})
	}
}
