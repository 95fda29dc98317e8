package feedtest

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/feedserver/feedserver/index"
	"github.com/feedserver/feedserver/index/sqlite"
	"github.com/feedserver/feedserver/storage/filesystem"
)

// Parts are the stores of one feed, laid out in Dir as the server lays them out.
type Parts struct {
	Dir     string
	Store   *filesystem.Store
	Catalog index.Catalog
	Search  *index.Search
}

// Open opens the parts in dir and closes them when the test ends.
func Open(tb testing.TB, dir string) Parts {
	tb.Helper()
	store, err := filesystem.New(filepath.Join(dir, "packages"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { store.Close() })
	catalog, err := sqlite.Open(context.Background(), filepath.Join(dir, "catalog.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { catalog.Close() })
	search, err := index.OpenSearch(filepath.Join(dir, "search"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { search.Close() })
	return Parts{Dir: dir, Store: store, Catalog: catalog, Search: search}
}
