package feed_test

import (
	"context"
	"errors"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/feedserver/feedserver/feed"
	"github.com/feedserver/feedserver/feed/generic/generictest"
	"github.com/feedserver/feedserver/index"
	"github.com/feedserver/feedserver/index/sqlite"
	"github.com/feedserver/feedserver/nuget/nugettest"
	"github.com/feedserver/feedserver/storage"
	"github.com/feedserver/feedserver/storage/filesystem"
	"github.com/feedserver/feedserver/storage/memory"
)

// countingStore counts the commits of the stages it hands out.
type countingStore struct {
	storage.Store
	commits atomic.Int32
}

func (c *countingStore) Stage(ctx context.Context) (storage.Staged, error) {
	st, err := c.Store.Stage(ctx)
	if err != nil {
		return nil, err
	}
	return &countingStage{Staged: st, commits: &c.commits}, nil
}

type countingStage struct {
	storage.Staged
	commits *atomic.Int32
}

func (s *countingStage) Commit(ctx context.Context, key string, opts storage.CommitOptions) (storage.Info, error) {
	s.commits.Add(1)
	return s.Staged.Commit(ctx, key, opts)
}

// TestPushStagesOnEveryDriver pushes through the storage interface alone,
// on both drivers: a package is staged, read back and committed; a duplicate
// is read back and aborted, with no commit (on the filesystem a stage of up
// to 256 KiB makes no file, so a small duplicate never touches the disk), and
// no stage is left behind.
func TestPushStagesOnEveryDriver(t *testing.T) {
	drivers := []struct {
		name  string
		store func(t *testing.T) storage.Store
	}{
		{"filesystem", func(t *testing.T) storage.Store {
			s, err := filesystem.New(filepath.Join(t.TempDir(), "packages"))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			return s
		}},
		{"memory", func(*testing.T) storage.Store { return memory.New() }},
	}
	for _, d := range drivers {
		t.Run(d.name, func(t *testing.T) {
			ctx := context.Background()
			store := &countingStore{Store: d.store(t)}
			cat, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "catalog.db"))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { cat.Close() })
			search, err := index.OpenSearch(filepath.Join(t.TempDir(), "search"))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { search.Close() })
			f, err := feed.New(store, cat, search, feed.Options{})
			if err != nil {
				t.Fatal(err)
			}

			small := nugettest.Build(t, nugettest.Spec{ID: "Stage.Small", Version: "1.0.0"})
			large := nugettest.Build(t, nugettest.Spec{ID: "Stage.Large", Version: "1.0.0", Payload: random(t, 3<<20)})
			for _, body := range [][]byte{small, large} {
				before := store.commits.Load()
				mustPush(t, f, body, feed.PushRequest{})
				if got := store.commits.Load() - before; got != 1 {
					t.Errorf("a new package committed %d stages, want 1", got)
				}
				if _, err := push(t, f, body, feed.PushRequest{}); !errors.Is(err, feed.ErrExists) {
					t.Fatalf("duplicate push: %v, want ErrExists", err)
				}
				if got := store.commits.Load() - before; got != 1 {
					t.Errorf("a duplicate push committed a stage")
				}
			}
			for _, id := range []string{"stage.small", "stage.large"} {
				blob, _, err := f.Open(ctx, feed.DefaultSpace, index.KindNuGet, id, "1.0.0")
				if err != nil {
					t.Fatalf("open %s: %v", id, err)
				}
				blob.Close()
			}

			// Generic blobs are committed create-only: the same content
			// under a second name is stored once.
			body := random(t, 300<<10)
			generictest.MustPut(t, f.Generic(), "acme", "tool", "1.0", "a.bin", body)
			generictest.MustPut(t, f.Generic(), "acme", "tool", "1.0", "b.bin", body)
			if blobs := generictest.KeysUnder(t, store, "generic/blobs/"); len(blobs) != 1 {
				t.Errorf("generic blobs = %v, want one", blobs)
			}
			if n, err := store.SweepTemp(ctx, 0); n != 0 || err != nil {
				t.Errorf("SweepTemp = %d, %v; want no stage left behind", n, err)
			}
		})
	}
}
