package index_test

import (
	"context"
	"testing"
	"time"

	"github.com/feedserver/feedserver/index"
)

// The catalogue's benchmarks run against the embedded driver, index/sqlite.

func BenchmarkCatalogInsert(b *testing.B) {
	ctx := context.Background()
	c := openCatalog(b)
	entries := index.SyntheticEntries(b.N, "")
	b.ResetTimer()
	start := time.Now()
	for i := range b.N {
		if err := c.Insert(ctx, entries[i]); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "inserts/s")
}

// BenchmarkCatalogRead measures the read paths every restore request takes.
func BenchmarkCatalogRead(b *testing.B) {
	ctx := context.Background()
	c := openCatalog(b)
	var versions [][]index.Entry
	for _, v := range []string{"1.0.0", "1.1.0", "2.0.0-beta.1"} {
		versions = append(versions, index.SyntheticEntries(2000, v))
	}
	for i := range 2000 {
		for _, es := range versions {
			if err := c.Insert(ctx, es[i]); err != nil {
				b.Fatal(err)
			}
		}
	}
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
			if err := c.AddDownloads(ctx, "Spaces-1", index.KindNuGet, id, "1.1.0", 1); err != nil {
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
