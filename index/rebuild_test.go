package index_test

import (
	"context"
	"path/filepath"
	"slices"
	"testing"

	"github.com/feedserver/feedserver/index"
	"github.com/feedserver/feedserver/index/sqlite"
	"github.com/feedserver/feedserver/nuget"
)

func openCatalog(tb testing.TB) *sqlite.Catalog {
	tb.Helper()
	c, err := sqlite.Open(context.Background(), filepath.Join(tb.TempDir(), "catalog.db"))
	if err != nil {
		tb.Fatalf("sqlite.Open: %v", err)
	}
	tb.Cleanup(func() { c.Close() })
	return c
}

func TestRebuild(t *testing.T) {
	ctx := context.Background()
	c := openCatalog(t)
	direct := index.OpenTestSearch(t)
	rebuilt := index.OpenTestSearch(t)
	// Several versions per id, some unlisted, in two spaces, to exercise paging and DocFor.
	for i, e := range index.CorpusEntries() {
		batch := []index.Entry{e}
		if i%3 == 0 {
			old := e
			old.Version, old.Listed, old.BlobKey = nuget.MustParseVersion("0.0.1"), i%2 != 0, e.BlobKey+".old"
			batch = append(batch, old)
		}
		if i%10 == 0 {
			other := e
			other.Space, other.BlobKey = "Spaces-2", "spaces-2/"+e.BlobKey
			batch = append(batch, other)
		}
		for _, e := range batch {
			if err := c.Insert(ctx, e); err != nil {
				t.Fatal(err)
			}
		}
	}
	// A stale document the catalogue does not know must disappear.
	stale := index.CorpusEntries()[0]
	stale.ID = "Stale.Package"
	if d, ok := index.DocFor([]index.Entry{stale}); !ok {
		t.Fatal("no document for the stale package")
	} else if err := rebuilt.Index(ctx, d); err != nil {
		t.Fatal(err)
	}

	for _, space := range []string{"Spaces-1", "Spaces-2"} {
		after := ""
		for {
			page, err := c.PackageIDs(ctx, space, index.KindNuGet, after, 1000)
			if err != nil {
				t.Fatal(err)
			}
			if len(page) == 0 {
				break
			}
			for _, id := range page {
				vs, err := c.Versions(ctx, space, index.KindNuGet, id)
				if err != nil {
					t.Fatal(err)
				}
				if d, ok := index.DocFor(vs); ok {
					if err := direct.Index(ctx, d); err != nil {
						t.Fatal(err)
					}
				}
			}
			after = page[len(page)-1]
		}
	}
	if err := index.Rebuild(ctx, c, rebuilt); err != nil {
		t.Fatalf("Rebuild: %v", err)
	}
	nd, _ := direct.Count()
	nr, _ := rebuilt.Count()
	if nd != nr || nd == 0 {
		t.Errorf("Count: rebuilt %d, direct %d", nr, nd)
	}
	for _, q := range []index.Query{
		{Take: 1000},
		{Text: "json", Take: 1000},
		{Text: "stale", Prerelease: true, SemVer2: true, Take: 1000},
		{Text: "tags:serilog", Space: "Spaces-2", Take: 1000},
		{Text: "sqlite", Prerelease: true, Take: 1000},
	} {
		want, err1 := direct.Query(ctx, q)
		got, err2 := rebuilt.Query(ctx, q)
		if err1 != nil || err2 != nil {
			t.Fatalf("Query %+v: %v %v", q, err1, err2)
		}
		if !slices.Equal(index.HitIDs(got), index.HitIDs(want)) || got.Total != want.Total {
			t.Errorf("Query %+v: rebuilt %d ids (%d), direct %d ids (%d)", q, len(got.Hits), got.Total, len(want.Hits), want.Total)
		}
	}
}
