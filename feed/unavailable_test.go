package feed_test

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"sync/atomic"
	"testing"

	"github.com/feedserver/feedserver/feed"
	"github.com/feedserver/feedserver/feed/feedtest"
	"github.com/feedserver/feedserver/index"
	"github.com/feedserver/feedserver/nuget/nugettest"
	"github.com/feedserver/feedserver/storage"
)

// flakyStore is a store that stops answering when down is set, as a network
// store does: every call fails with storage.ErrUnavailable, and a listing
// fails after the items it had already yielded.
type flakyStore struct {
	storage.Store
	down      atomic.Bool
	listAfter int // a listing fails after this many items while down
}

func (s *flakyStore) fault(op string) error {
	return fmt.Errorf("flaky %s: %w: connection refused", op, storage.ErrUnavailable)
}

func (s *flakyStore) Stat(ctx context.Context, key string) (storage.Info, error) {
	if s.down.Load() {
		return storage.Info{}, s.fault("stat")
	}
	return s.Store.Stat(ctx, key)
}

func (s *flakyStore) Open(ctx context.Context, key string) (storage.Blob, error) {
	if s.down.Load() {
		return nil, s.fault("open")
	}
	return s.Store.Open(ctx, key)
}

func (s *flakyStore) List(ctx context.Context, prefix string) iter.Seq2[storage.Info, error] {
	return func(yield func(storage.Info, error) bool) {
		n := 0
		for in, err := range s.Store.List(ctx, prefix) {
			if s.down.Load() && n == s.listAfter {
				yield(storage.Info{}, s.fault("list"))
				return
			}
			n++
			if !yield(in, err) {
				return
			}
		}
	}
}

func (s *flakyStore) Stage(ctx context.Context) (storage.Staged, error) {
	st, err := s.Store.Stage(ctx)
	return flakyStage{st, s}, err
}

type flakyStage struct {
	storage.Staged
	s *flakyStore
}

func (st flakyStage) Commit(ctx context.Context, key string, opts storage.CommitOptions) (storage.Info, error) {
	if st.s.down.Load() {
		st.Abort()
		return storage.Info{}, st.s.fault("commit")
	}
	return st.Staged.Commit(ctx, key, opts)
}

// While the store is down a push fails with ErrStoreUnavailable and leaves
// no row; a download too; a re-index stops without dropping the rows of
// the files it could not list; and once the store is back all works again.
func TestStoreUnavailable(t *testing.T) {
	ctx := t.Context()
	parts := feedtest.Open(t, t.TempDir())
	store := &flakyStore{Store: parts.Store, listAfter: 1}
	f, err := feed.New(store, parts.Catalog, parts.Search, feed.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for i := range 4 {
		mustPush(t, f, nugettest.Build(t, nugettest.Spec{ID: fmt.Sprintf("Kept%d", i), Version: "1.0.0"}), feed.PushRequest{})
	}

	store.down.Store(true)
	if _, err := push(t, f, nugettest.Build(t, nugettest.Spec{ID: "Late", Version: "1.0.0"}), feed.PushRequest{}); !errors.Is(err, feed.ErrStoreUnavailable) {
		t.Errorf("push while the store is down = %v, want ErrStoreUnavailable", err)
	}
	if _, err := f.Get(ctx, feed.DefaultSpace, index.KindNuGet, "late", "1.0.0"); !errors.Is(err, feed.ErrNotFound) {
		t.Errorf("the failed push left a row: %v", err)
	}
	if _, _, err := f.Open(ctx, feed.DefaultSpace, index.KindNuGet, "kept0", "1.0.0"); !errors.Is(err, feed.ErrStoreUnavailable) {
		t.Errorf("download while the store is down = %v, want ErrStoreUnavailable", err)
	}
	if _, err := f.Reindex(ctx); !errors.Is(err, storage.ErrUnavailable) {
		t.Errorf("re-index while the store is down = %v, want ErrUnavailable", err)
	}
	for i := range 4 {
		if _, err := f.Get(ctx, feed.DefaultSpace, index.KindNuGet, fmt.Sprintf("kept%d", i), "1.0.0"); err != nil {
			t.Errorf("kept%d lost its row in a re-index the store failed: %v", i, err)
		}
	}

	store.down.Store(false)
	mustPush(t, f, nugettest.Build(t, nugettest.Spec{ID: "Late", Version: "1.0.0"}), feed.PushRequest{})
	stats, err := f.Reindex(ctx)
	if err != nil || stats.Seen != 5 || stats.Removed != 0 {
		t.Errorf("re-index after the store came back = %+v, %v; want 5 seen, none removed", stats, err)
	}
	b, _, err := f.Open(ctx, feed.DefaultSpace, index.KindNuGet, "kept0", "1.0.0")
	if err != nil {
		t.Fatalf("download after the store came back: %v", err)
	}
	b.Close()
}

// flakyCatalog fails Versions with index.ErrUnavailable while down, as a
// catalogue on a database server that has stopped does.
type flakyCatalog struct {
	index.Catalog
	down atomic.Bool
}

func (c *flakyCatalog) Versions(ctx context.Context, space string, kind index.Kind, id string) ([]index.Entry, error) {
	if c.down.Load() {
		return nil, fmt.Errorf("flaky versions: %w: connection refused", index.ErrUnavailable)
	}
	return c.Catalog.Versions(ctx, space, kind, id)
}

// A package acknowledged just before the catalogue's database went down is
// found by search once it is back: its search document, which could not be
// built during the outage, is retried, not dropped until the next re-index.
func TestSearchDocumentRetriedAfterCatalogueOutage(t *testing.T) {
	ctx := t.Context()
	parts := feedtest.Open(t, t.TempDir())
	catalog := &flakyCatalog{Catalog: parts.Catalog}
	f, err := feed.New(parts.Store, catalog, parts.Search, feed.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	mustPush(t, f, nugettest.Build(t, nugettest.Spec{ID: "Outage.Pushed", Version: "1.0.0"}), feed.PushRequest{})

	catalog.down.Store(true)
	q := index.Query{Space: feed.DefaultSpace, Text: "Outage.Pushed", Take: 10}
	// The query flushes the queued document first, and that read fails.
	if res, err := f.Search(ctx, q); err != nil || res.Total != 0 {
		t.Fatalf("search while the catalogue is down = %+v, %v; want no hit: its document cannot be built yet", res, err)
	}
	catalog.down.Store(false)
	res, err := f.Search(ctx, q)
	if err != nil {
		t.Fatalf("search after the catalogue came back: %v", err)
	}
	if res.Total != 1 || len(res.Hits) != 1 || res.Hits[0].ID != "Outage.Pushed" {
		t.Errorf("search after the outage = %+v, want the package pushed before it", res)
	}
}
