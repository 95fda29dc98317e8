package feed_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/feedserver/feedserver/feed"
	"github.com/feedserver/feedserver/index"
	"github.com/feedserver/feedserver/nuget/nugettest"
)

// versionList reads through the cache, the way every read endpoint does.
func versionList(t *testing.T, f *feed.Feed, id string) []string {
	t.Helper()
	vs, err := f.Versions(context.Background(), "spaces-1", index.KindNuGet, id) // any casing of the space
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, v := range vs {
		s := v.Version.String()
		if !v.Listed {
			s += " (unlisted)"
		}
		out = append(out, s)
	}
	return out
}

func TestVersionsCacheIsNeverStale(t *testing.T) {
	e := newEnv(t, t.TempDir(), feed.Options{})
	ctx := context.Background()
	check := func(step string, want ...string) {
		t.Helper()
		if got := versionList(t, e.feed, "Cached"); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("after %s: versions = %v, want %v", step, got, want)
		}
	}
	mustPush(t, e.feed, nugettest.Build(t, nugettest.Spec{ID: "Cached", Version: "1.0.0"}), feed.PushRequest{})
	check("first push", "1.0.0")
	mustPush(t, e.feed, nugettest.Build(t, nugettest.Spec{ID: "cached", Version: "2.0.0"}), feed.PushRequest{Space: "SPACES-1"})
	check("second push", "1.0.0", "2.0.0")
	e.feed.SetListed(ctx, feed.DefaultSpace, index.KindNuGet, "cached", "2.0.0", false)
	check("unlist", "1.0.0", "2.0.0 (unlisted)")
	e.feed.Delete(ctx, feed.DefaultSpace, index.KindNuGet, "CACHED", "1.0.0")
	check("delete", "2.0.0 (unlisted)")

	// Download counts show at once, and after they are flushed to the catalogue.
	got, _ := e.feed.Get(ctx, feed.DefaultSpace, index.KindNuGet, "cached", "2.0.0")
	e.feed.RecordDownload(ctx, got)
	e.feed.RecordDownload(ctx, got)
	for _, when := range []string{"before the flush", "after the flush"} {
		vs, _ := e.feed.Versions(ctx, feed.DefaultSpace, index.KindNuGet, "cached")
		if len(vs) != 1 || vs[0].Downloads != 2 {
			t.Errorf("%s: downloads = %+v, want 2", when, vs)
		}
		e.feed.Close() // flushes the counts; the feed stays readable for this check
	}
}

func TestVersionsCacheUnderConcurrentPushes(t *testing.T) {
	e := newEnv(t, t.TempDir(), feed.Options{})
	const n = 30
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for range 4 { // readers keep filling the cache while versions land
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
					e.feed.Versions(context.Background(), feed.DefaultSpace, index.KindNuGet, "busy")
				}
			}
		}()
	}
	for i := range n {
		mustPush(t, e.feed, nugettest.Build(t, nugettest.Spec{ID: "Busy", Version: fmt.Sprintf("1.0.%d", i)}), feed.PushRequest{})
	}
	close(stop)
	wg.Wait()
	if got := versionList(t, e.feed, "busy"); len(got) != n {
		t.Errorf("after %d pushes the cached list has %d versions", n, len(got))
	}
}
