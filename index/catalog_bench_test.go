package index_test

import (
	"context"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/feedserver/feedserver/index"
	"github.com/feedserver/feedserver/index/postgres"
	"github.com/feedserver/feedserver/internal/testsvc"
)

// The catalogue's benchmarks run against each driver, side by side:
// index/sqlite (the embedded default) and index/postgres (a throwaway
// cluster on loopback, started when a PostgreSQL benchmark first runs).

var pg = testsvc.NewPostgres()

func TestMain(m *testing.M) { os.Exit(testsvc.Run(m, pg)) }

// drivers open an empty catalogue of each driver.
var drivers = []struct {
	name string
	open func(tb testing.TB) index.Catalog
}{
	{"sqlite", func(tb testing.TB) index.Catalog { return openCatalog(tb) }},
	{"postgres", func(tb testing.TB) index.Catalog {
		c, err := postgres.Open(context.Background(), pg.NewDatabase(tb), postgres.Options{})
		if err != nil {
			tb.Fatalf("postgres.Open: %v", err)
		}
		tb.Cleanup(func() { c.Close() })
		return c
	}},
}

// BenchmarkCatalogInsert inserts one new package version at a time, as
// sequential pushes do; "parallel8" as 8 concurrent pushes do.
func BenchmarkCatalogInsert(b *testing.B) {
	for _, d := range drivers {
		b.Run(d.name, func(b *testing.B) {
			ctx := context.Background()
			c := d.open(b)
			entries := index.SyntheticEntries(b.N, "")
			b.ResetTimer()
			start := time.Now()
			for i := range b.N {
				if err := c.Insert(ctx, entries[i]); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "inserts/s")
		})
		b.Run(d.name+"/parallel8", func(b *testing.B) {
			c := d.open(b)
			entries := index.SyntheticEntries(b.N, "")
			b.ResetTimer()
			start := time.Now()
			insertAll(b, c, entries, 8)
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "inserts/s")
		})
	}
}

// insertAll inserts entries from workers goroutines.
func insertAll(tb testing.TB, c index.Catalog, entries []index.Entry, workers int) {
	var wg sync.WaitGroup
	next := make(chan index.Entry)
	for range workers {
		wg.Go(func() {
			for e := range next {
				if err := c.Insert(context.Background(), e); err != nil {
					tb.Error(err)
				}
			}
		})
	}
	for _, e := range entries {
		next <- e
	}
	close(next)
	wg.Wait()
}

// BenchmarkCatalogRead measures the read paths every restore request takes.
func BenchmarkCatalogRead(b *testing.B) {
	for _, d := range drivers {
		b.Run(d.name, func(b *testing.B) { benchmarkRead(b, d.open(b)) })
	}
}

func benchmarkRead(b *testing.B, c index.Catalog) {
	ctx := context.Background()
	var all []index.Entry
	for _, v := range []string{"1.0.0", "1.1.0", "2.0.0-beta.1"} {
		all = append(all, index.SyntheticEntries(2000, v)...)
	}
	insertAll(b, c, all, 8)
	id := string(index.SyntheticEntries(1000, "")[999].ID)
	b.Run("Get", func(b *testing.B) {
		for range b.N {
			if _, err := c.Get(ctx, "Spaces-1", index.KindNuGet, id, "1.1.0"); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Versions", func(b *testing.B) {
		for range b.N {
			if vs, err := c.Versions(ctx, "Spaces-1", index.KindNuGet, id); err != nil || len(vs) != 3 {
				b.Fatal(err, len(vs))
			}
		}
	})
	b.Run("AddDownloads", func(b *testing.B) {
		for range b.N {
			if err := c.AddDownloads(ctx, "Spaces-1", index.KindNuGet, id, "1.1.0", 1, time.Time{}); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkSearchIndex pushes 10k packages one at a time, as pushes arrive, into
// SQLite alone, bleve alone, and both (catalogue row, then the id's document);
// "bleve-batched" is the Rebuild path (500 documents per batch).
func BenchmarkSearchIndex(b *testing.B) {
	const n = 10_000
	ctx := context.Background()
	entries := index.SyntheticEntries(n, "")
	docs := make([]index.Doc, n)
	for i := range entries {
		docs[i], _ = index.DocFor(entries[i : i+1])
	}
	run := func(b *testing.B, withSQLite, withBleve bool, batch int) {
		var elapsed time.Duration
		for range b.N {
			b.StopTimer()
			var c index.Catalog
			var s *index.Search
			if withSQLite {
				c = openCatalog(b)
			}
			if withBleve {
				s = index.OpenTestSearch(b)
			}
			b.StartTimer()
			start := time.Now()
			for i := 0; i < n; i += batch {
				if withSQLite {
					if err := c.Insert(ctx, entries[i]); err != nil {
						b.Fatal(err)
					}
				}
				if withBleve {
					if err := s.Index(ctx, docs[i:min(i+batch, n)]...); err != nil {
						b.Fatal(err)
					}
				}
			}
			elapsed += time.Since(start)
		}
		b.ReportMetric(float64(n*b.N)/elapsed.Seconds(), "inserts/s")
	}
	b.Run("sqlite", func(b *testing.B) { run(b, true, false, 1) })
	b.Run("bleve", func(b *testing.B) { run(b, false, true, 1) })
	b.Run("both", func(b *testing.B) { run(b, true, true, 1) })
	b.Run("bleve-batched", func(b *testing.B) { run(b, false, true, index.RebuildBatch) })
}
