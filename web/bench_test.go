package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/feedserver/feedserver/feed"
	"github.com/feedserver/feedserver/feed/feedtest"
	"github.com/feedserver/feedserver/index"
	"github.com/feedserver/feedserver/nuget"
	"github.com/feedserver/feedserver/protocol/httpx"
	"github.com/feedserver/feedserver/web"
)

// benchFeed is a feed whose catalogue and search index hold n packages,
// inserted directly (no package files: the list page never opens one).
func benchFeed(b *testing.B, n int) *feed.Feed {
	b.Helper()
	ctx := context.Background()
	dir := b.TempDir()
	parts := feedtest.Open(b, dir)
	store, catalog, search := parts.Store, parts.Catalog, parts.Search

	companies := []string{"Acme", "Contoso", "Fabrikam", "Northwind", "Tailspin", "Wingtip", "Litware", "Adatum"}
	areas := []string{"Core", "Data", "Http", "Json", "Logging", "Messaging", "Storage", "Testing", "Security", "Web"}
	published := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	var docs []index.Doc
	for i := range n {
		company, area := companies[i%len(companies)], areas[(i/8)%len(areas)]
		id := nuget.ID(fmt.Sprintf("%s.%s.Package%d", company, area, i))
		v := nuget.MustParseVersion(fmt.Sprintf("%d.%d.%d", 1+i%3, i%10, i%7))
		e := index.Entry{
			Space: feed.DefaultSpace, Kind: index.KindNuGet, ID: id, Version: v, Extension: ".nupkg", Listed: true,
			Published: published.Add(time.Duration(i) * time.Minute), Size: int64(10000 + i), Downloads: int64(i * 7 % 100000),
			BlobKey: fmt.Sprintf("spaces-1/nuget/%s/%s/%s.%s.nupkg", id.Lower(), v.Lower(), id.Lower(), v.Lower()),
			Manifest: &nuget.Manifest{ID: id, Version: v, Authors: []string{company},
				Description: fmt.Sprintf("A %s library from %s, with enough words to look like a real package description.", area, company),
				Tags:        []string{area, "library"}},
		}
		if err := catalog.Insert(ctx, e); err != nil {
			b.Fatal(err)
		}
		d, _ := index.DocFor([]index.Entry{e})
		docs = append(docs, d)
		if len(docs) == 1000 || i == n-1 {
			if err := search.Index(ctx, docs...); err != nil {
				b.Fatal(err)
			}
			docs = docs[:0]
		}
	}
	f, err := feed.New(store, catalog, search, feed.Options{})
	if err != nil {
		b.Fatal(err)
	}
	return f
}

// BenchmarkPackagesPage renders /packages server-side over 10,000 packages:
// the search, the catalogue reads of one page of ids and the template.
func BenchmarkPackagesPage(b *testing.B) {
	f := benchFeed(b, 10000)
	h, err := web.New(f, web.Options{})
	if err != nil {
		b.Fatal(err)
	}
	handler := httpx.Begin(nil)(h.ServePage(h.Packages))
	for _, bc := range []struct{ name, target string }{
		{"first page", "/packages"},
		{"search", "/packages?q=json"},
		{"page 200", "/packages?page=200"},
		{"prerelease", "/packages?prerelease=true&kind=nuget"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			var size int
			for b.Loop() {
				w := httptest.NewRecorder()
				handler.ServeHTTP(w, httptest.NewRequest(http.MethodGet, bc.target, nil))
				if w.Code != http.StatusOK {
					b.Fatalf("status %d", w.Code)
				}
				size = w.Body.Len()
			}
			b.ReportMetric(float64(size), "html-bytes")
		})
	}
}
