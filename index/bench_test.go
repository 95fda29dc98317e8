package index

import (
	"context"
	"fmt"
	"testing"
	"time"

	feedcorpus "github.com/feedserver/feedserver/internal/corpus"
)

// synthetic returns n distinct packages named the way real feeds name them.
func synthetic(n int) []pkg {
	companies := []string{"Acme", "Contoso", "Fabrikam", "Northwind", "Tailspin", "Wingtip", "Litware", "Adatum"}
	areas := []string{"Core", "Data", "Http", "Json", "Logging", "Messaging", "Storage", "Testing", "Security", "Web"}
	words := []string{"Client", "Abstractions", "Extensions", "Server", "Tools", "SqlServer", "Sqlite", "Redis", "Console", "Serializer"}
	ps := make([]pkg, 0, n)
	for i := range n {
		ps = append(ps, pkg{
			id:        fmt.Sprintf("%s.%s.%s%d", companies[i%len(companies)], areas[(i/8)%len(areas)], words[(i/80)%len(words)], i),
			version:   fmt.Sprintf("%d.%d.%d", 1+i%3, i%10, i%7),
			tags:      areas[(i/8)%len(areas)] + " " + words[(i/80)%len(words)],
			desc:      fmt.Sprintf("A %s library for %s from %s.", words[(i/80)%len(words)], areas[(i/8)%len(areas)], companies[i%len(companies)]),
			authors:   companies[i%len(companies)],
			downloads: int64(i * 7 % 100000),
		})
	}
	return ps
}

// BenchmarkQuery runs typical queries against a 10k-id index.
func BenchmarkQuery(b *testing.B) {
	ctx := context.Background()
	s := openTestSearch(b)
	ps := append(corpus(), synthetic(10_000-len(corpus()))...)
	var docs []Doc
	for _, p := range ps {
		d, _ := DocFor([]Entry{nugetEntry(p)})
		docs = append(docs, d)
	}
	// One batch, so the timings are not disturbed by background segment merges.
	if err := s.Index(ctx, docs...); err != nil {
		b.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		q    Query
		auto bool
	}{
		{name: "all", q: Query{Take: 20}},
		{name: "word", q: Query{Text: "json", Take: 20}},
		{name: "exact-id", q: Query{Text: "Newtonsoft.Json", Take: 20}},
		{name: "two-words", q: Query{Text: "serilog console", Take: 20}},
		{name: "packageid", q: Query{Text: "packageid:serilog", Take: 20}},
		{name: "id-substring", q: Query{Text: "id:soft", Take: 20}},
		{name: "tags", q: Query{Text: "tags:logging", Take: 20}},
		{name: "deep-page", q: Query{Text: "contoso", Skip: 900, Take: 100}},
		{name: "autocomplete", q: Query{Text: "cont", Take: 20}, auto: true},
	} {
		b.Run(tc.name, func(b *testing.B) {
			for range b.N {
				var err error
				if tc.auto {
					_, err = s.Autocomplete(ctx, tc.q)
				} else {
					_, err = s.Query(ctx, tc.q)
				}
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkSearchIndexManyVersions re-indexes the document of one id with
// many versions, as the background flush does after each push of a new
// version of it (an Octopus app pushed by every build).
func BenchmarkSearchIndexManyVersions(b *testing.B) {
	ctx := context.Background()
	for _, n := range []int{100, 1000, 5000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			doc := Doc{Space: "default", Kind: KindRaw, ID: "Bench.App", Published: time.Now()}
			for i := range n {
				doc.Versions = append(doc.Versions, fmt.Sprintf("1.0.%d", i))
			}
			s := openTestSearch(b)
			for b.Loop() {
				if err := s.Index(ctx, doc); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkDistinctQuery runs queries no two alike, as people typing send
// them, against the 10,000 ids of the generated corpus (issue 23): two
// words from the descriptions, and prefixes of ids for autocomplete.
func BenchmarkDistinctQuery(b *testing.B) {
	ctx := context.Background()
	s := openTestSearch(b)
	pkgs := feedcorpus.Packages(10_000)
	var docs []Doc
	for _, es := range goldenEntries(pkgs) {
		if d, ok := DocFor(es); ok {
			docs = append(docs, d)
		}
	}
	for i := 0; i < len(docs); i += 500 {
		if err := s.Index(ctx, docs[i:min(i+500, len(docs))]...); err != nil {
			b.Fatal(err)
		}
	}
	texts := feedcorpus.Queries(pkgs, 20_000)
	prefixes := feedcorpus.Prefixes(pkgs, 20_000)
	view := Query{Space: space1, Kind: KindNuGet, Take: 20, Prerelease: true, SemVer2: true}
	b.Run("search", func(b *testing.B) {
		i := 0
		for b.Loop() {
			q := view
			q.Text = texts[i%len(texts)]
			i++
			if _, err := s.Query(ctx, q); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("autocomplete", func(b *testing.B) {
		i := 0
		for b.Loop() {
			q := view
			q.Text = prefixes[i%len(prefixes)]
			i++
			if _, err := s.Autocomplete(ctx, q); err != nil {
				b.Fatal(err)
			}
		}
	})
}
