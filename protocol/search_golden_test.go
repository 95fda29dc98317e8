package protocol_test

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/feedserver/feedserver/feed"
	"github.com/feedserver/feedserver/feed/feedtest"
	"github.com/feedserver/feedserver/internal/corpus"
	"github.com/feedserver/feedserver/internal/golden"
	"github.com/feedserver/feedserver/protocol"
)

// nowRe matches the one time in the answers that is not the corpus's: the
// <updated> of a v2 feed, which is when it was rendered.
var nowRe = regexp.MustCompile(`<updated>[^<]*</updated><link rel="self"`)

// TestSearchAnswersGolden pins whole answers of v3 search, autocomplete and
// v2 Search() on a fixed corpus and distinct queries, as a client receives
// them: which ids, in which order, with which versions and metadata, and
// the totals (issue 23: the answers stay as they were while search gets
// faster; index/testdata/search.golden pins the ranking on a larger corpus).
func TestSearchAnswersGolden(t *testing.T) {
	parts := feedtest.Open(t, t.TempDir())
	pkgs := corpus.Packages(400)
	parts.FillPackages(t, pkgs)
	f, err := feed.New(parts.Store, parts.Catalog, parts.Search, feed.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	srv, err := protocol.New(f, protocol.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)

	var paths []string
	views := []string{"&prerelease=true&semVerLevel=2.0.0", "", "&prerelease=true", "&semVerLevel=2.0.0"}
	for i, q := range corpus.Queries(pkgs, 16) {
		paths = append(paths, fmt.Sprintf("/v3/search?q=%s&skip=%d&take=3%s", url.QueryEscape(q), i%3*2, views[i%len(views)]))
	}
	for i, q := range corpus.Prefixes(pkgs, 24) {
		paths = append(paths, fmt.Sprintf("/v3/autocomplete?q=%s&skip=%d&take=5%s", url.QueryEscape(q), i%4, views[i%len(views)]))
	}
	// v2 as its clients ask: Visual Studio (one version per id, the index's
	// order), nuget.exe list (ordered by id), nuget list -AllVersions.
	v2 := []string{
		"$filter=IsAbsoluteLatestVersion&searchTerm='%s'&targetFramework=''&includePrerelease=true&$skip=%d&$top=3&semVerLevel=2.0.0",
		"$filter=IsLatestVersion&$orderby=Id&searchTerm='%s'&targetFramework=''&includePrerelease=false&$skip=%d&$top=3&semVerLevel=2.0.0",
		"searchTerm='%s'&targetFramework=''&includePrerelease=false&$skip=%d&$top=3",
	}
	for i, q := range corpus.Queries(pkgs, 40)[16:28] {
		paths = append(paths, "/api/v2/Search()?"+fmt.Sprintf(v2[i%len(v2)], url.QueryEscape(q), i%2*3))
	}

	var out strings.Builder
	for _, p := range paths {
		req, err := http.NewRequest(http.MethodGet, ts.URL+p, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("X-Forwarded-Proto", "https")
		req.Header.Set("X-Forwarded-Host", "feed.example")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: status %d: %s", p, resp.StatusCode, body)
		}
		body = nowRe.ReplaceAll(body, []byte(`<updated>now</updated><link rel="self"`))
		fmt.Fprintf(&out, "GET %s\n%s\n\n", p, body)
	}
	golden.Check(t, filepath.Join("testdata", "search-answers.golden"), []byte(out.String()))
}

// BenchmarkDistinctSearch asks v3 search, autocomplete and v2 Search() a
// query no cache has seen each time, over the 10,000 ids of the generated
// corpus (issue 23): the whole request, from the URL to the rendered answer.
// Profile it with -cpuprofile to see where a search goes.
func BenchmarkDistinctSearch(b *testing.B) {
	parts := feedtest.Open(b, b.TempDir())
	pkgs := corpus.Packages(10_000)
	parts.FillPackages(b, pkgs)
	f, err := feed.New(parts.Store, parts.Catalog, parts.Search, feed.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { f.Close() })
	srv, err := protocol.New(f, protocol.Options{})
	if err != nil {
		b.Fatal(err)
	}
	h := srv.Handler()
	texts := corpus.Queries(pkgs, 20_000)
	prefixes := corpus.Prefixes(pkgs, 20_000)
	for _, tc := range []struct {
		name  string
		words []string
		path  string
	}{
		{"v3-search", texts, "/v3/search?q=%s&take=20&prerelease=true&semVerLevel=2.0.0"},
		{"autocomplete", prefixes, "/v3/autocomplete?q=%s&take=20&prerelease=true&semVerLevel=2.0.0"},
		{"v2-search", texts, "/api/v2/Search()?$filter=IsAbsoluteLatestVersion&searchTerm='%s'&targetFramework=''&includePrerelease=true&$skip=0&$top=26&semVerLevel=2.0.0"},
	} {
		b.Run(tc.name, func(b *testing.B) {
			i := 0
			for b.Loop() {
				req := httptest.NewRequest(http.MethodGet, fmt.Sprintf(tc.path, url.QueryEscape(tc.words[i%len(tc.words)])), nil)
				req.Header.Set("Accept-Encoding", "gzip")
				i++
				w := httptest.NewRecorder()
				h.ServeHTTP(w, req)
				if w.Code != http.StatusOK {
					b.Fatalf("%s: status %d", req.URL, w.Code)
				}
			}
		})
	}
}
