package feed_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/feedserver/feedserver/cluster"
	"github.com/feedserver/feedserver/feed"
	"github.com/feedserver/feedserver/index"
	"github.com/feedserver/feedserver/index/postgres"
	"github.com/feedserver/feedserver/storage"
)

// replica is a feed as one of several processes sharing one PostgreSQL
// database and one store runs it (cmd/feedserver/replicas.go wires the
// same): its own pool of connections, its own search index in its own
// folder, its own membership of the group.
type replica struct {
	Dir     string
	Feed    *feed.Feed
	Catalog *postgres.Catalog
	Search  *index.Search
	Group   *cluster.Cluster
	closed  bool
}

// openReplica opens a replica over the database at url and store, with its
// search index in dir; it is closed when the test ends, or before by Close.
// A stage counts as left behind at once (OrphanGrace), so the leader's
// collection sweeps what a test's interrupted push left.
func openReplica(tb testing.TB, url string, store storage.Store, dir string, name string) *replica {
	tb.Helper()
	ctx := context.Background()
	r := &replica{Dir: dir}
	var err error
	if r.Catalog, err = postgres.Open(ctx, url, postgres.Options{}); err != nil {
		tb.Fatal(err)
	}
	if r.Search, err = index.OpenSearch(filepath.Join(dir, "search")); err != nil {
		tb.Fatal(err)
	}
	if r.Group, err = cluster.Open(ctx, url, cluster.Options{Name: name}); err != nil {
		tb.Fatal(err)
	}
	if r.Feed, err = feed.New(store, r.Catalog, r.Search, feed.Options{Changes: r.Catalog, Cluster: group{r.Group}, OrphanGrace: time.Millisecond}); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(r.Close)
	return r
}

// Close closes the replica as a clean stop does.
func (r *replica) Close() {
	if r.closed {
		return
	}
	r.closed = true
	r.Feed.Close()
	r.Search.Close()
	r.Group.Close()
	r.Catalog.Close()
}

// group adapts a cluster.Cluster to the feed's Cluster, as cmd does.
type group struct{ *cluster.Cluster }

func (g group) Job(ctx context.Context, job string) (feed.Job, error) {
	j, err := g.Cluster.Job(ctx, job)
	return feed.Job(j), err
}
