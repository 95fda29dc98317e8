package feed_test

import (
	"bytes"
	"context"
	"crypto/sha512"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/feedserver/feedserver/feed"
	"github.com/feedserver/feedserver/index"
	"github.com/feedserver/feedserver/nuget/nugettest"
	"github.com/feedserver/feedserver/storage"
	"github.com/feedserver/feedserver/storage/memory"
)

// replicas opens n replicas of one feed: one database, one store, a search
// index each.
func replicas(t testing.TB, n int) ([]*replica, storage.Store, string) {
	t.Helper()
	url := pg.NewDatabase(t)
	store := memory.New()
	var rs []*replica
	for i := range n {
		rs = append(rs, openReplica(t, url, store, t.TempDir(), fmt.Sprintf("replica-%d", i)))
	}
	return rs, store, url
}

func pushNew(t testing.TB, f *feed.Feed, id, version string) feed.PushResult {
	t.Helper()
	res, err := f.Push(context.Background(), feed.PushRequest{Body: bytes.NewReader(nugettest.Build(t, nugettest.Spec{ID: id, Version: version}))})
	if err != nil {
		t.Fatalf("push %s %s: %v", id, version, err)
	}
	return res
}

func listedVersions(t *testing.T, f *feed.Feed, id string) []string {
	t.Helper()
	es, err := f.Versions(context.Background(), feed.DefaultSpace, index.KindNuGet, id)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range es {
		v := e.Version.String()
		if !e.Listed {
			v += " (unlisted)"
		}
		out = append(out, v)
	}
	return out
}

// searchIDs is every id the feed's search finds, sorted.
func searchIDs(t *testing.T, f *feed.Feed) []string {
	t.Helper()
	var ids []string
	for skip := 0; ; {
		r, err := f.Search(context.Background(), index.Query{Prerelease: true, SemVer2: true, Skip: skip, Take: 100})
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range r.Hits {
			ids = append(ids, strings.ToLower(string(h.ID)))
		}
		skip += len(r.Hits)
		if len(r.Hits) == 0 || skip >= r.Total {
			break
		}
	}
	sort.Strings(ids)
	return ids
}

// catalogueIDs is every id with a listed version in the catalogue, sorted.
func catalogueIDs(t *testing.T, c index.Catalog) []string {
	t.Helper()
	ctx := context.Background()
	var ids []string
	for after := ""; ; {
		page, err := c.PackageIDs(ctx, feed.DefaultSpace, index.KindNuGet, after, 500)
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range page {
			if ok, err := c.HasListed(ctx, feed.DefaultSpace, index.KindNuGet, id); err != nil {
				t.Fatal(err)
			} else if ok {
				ids = append(ids, id)
			}
		}
		if len(page) < 500 {
			return ids
		}
		after = page[len(page)-1]
	}
}

// TestReplicasReadYourWrites: a change acknowledged by one replica is seen
// by a read on another that starts afterwards, cache or no cache: a push,
// an unlist, a relist and a delete, in the version lists (and the
// generation that stamps rendered documents) and in search.
func TestReplicasReadYourWrites(t *testing.T) {
	ctx := context.Background()
	rs, _, _ := replicas(t, 2)
	a, b := rs[0].Feed, rs[1].Feed
	pushNew(t, a, "Seen.Everywhere", "1.0.0")
	b.Fresh(ctx)
	if got := listedVersions(t, b, "seen.everywhere"); !slices.Equal(got, []string{"1.0.0"}) {
		t.Fatalf("b's versions after a's push: %v", got) // now cached in b
	}
	steps := []struct {
		name   string
		change func()
		want   []string
	}{
		{"push", func() { pushNew(t, a, "Seen.Everywhere", "2.0.0") }, []string{"1.0.0", "2.0.0"}},
		{"unlist", func() {
			if _, err := a.SetListed(ctx, feed.DefaultSpace, index.KindNuGet, "seen.everywhere", "2.0.0", false); err != nil {
				t.Fatal(err)
			}
		}, []string{"1.0.0", "2.0.0 (unlisted)"}},
		{"relist", func() {
			if _, err := a.SetListed(ctx, feed.DefaultSpace, index.KindNuGet, "seen.everywhere", "2.0.0", true); err != nil {
				t.Fatal(err)
			}
		}, []string{"1.0.0", "2.0.0"}},
		{"delete", func() {
			if _, err := a.Delete(ctx, feed.DefaultSpace, index.KindNuGet, "seen.everywhere", "1.0.0"); err != nil {
				t.Fatal(err)
			}
		}, []string{"2.0.0"}},
	}
	for _, s := range steps {
		before := b.Generation()
		s.change()
		b.Fresh(ctx)
		if got := listedVersions(t, b, "seen.everywhere"); !slices.Equal(got, s.want) {
			t.Errorf("%s: b's versions %v, want %v", s.name, got, s.want)
		}
		if b.Generation() == before {
			t.Errorf("%s: b's generation did not move: its rendered documents would be served stale", s.name)
		}
	}
	// Search: b finds a package pushed through a the moment a acknowledged it.
	pushNew(t, a, "Found.Elsewhere", "1.0.0")
	b.Fresh(ctx)
	if got := searchIDs(t, b); !slices.Contains(got, "found.elsewhere") {
		t.Errorf("b's search after a's push: %v", got)
	}
}

// TestRacingPushesAcrossReplicas: pushes of one version with different
// bytes race through two replicas: one is created, the others hear that it
// exists, and the stored file is the winner's bytes, which its row
// describes: the loser's bytes never overwrite it.
func TestRacingPushesAcrossReplicas(t *testing.T) {
	ctx := context.Background()
	rs, store, _ := replicas(t, 2)
	for round := range 4 {
		version := fmt.Sprintf("1.0.%d", round)
		const n = 8
		bodies := make([][]byte, n)
		for i := range n {
			bodies[i] = nugettest.Build(t, nugettest.Spec{ID: "Raced.Bytes", Version: version, Payload: []byte(fmt.Sprintf("push %d of round %d", i, round))})
		}
		results := make([]feed.PushResult, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range n {
			wg.Go(func() {
				<-start
				results[i], errs[i] = rs[i%2].Feed.Push(ctx, feed.PushRequest{Body: bytes.NewReader(bodies[i])})
			})
		}
		close(start)
		wg.Wait()
		winner := -1
		for i := range n {
			switch {
			case errs[i] == nil && results[i].Status == feed.Created:
				if winner >= 0 {
					t.Errorf("round %d: pushes %d and %d both created the version", round, winner, i)
				}
				winner = i
			case !errors.Is(errs[i], feed.ErrExists):
				t.Errorf("round %d, push %d: %v, want created or exists", round, i, errs[i])
			}
		}
		if winner < 0 {
			t.Fatalf("round %d: no push created the version", round)
		}
		row, err := rs[1].Catalog.Get(ctx, feed.DefaultSpace, index.KindNuGet, "raced.bytes", version)
		if err != nil {
			t.Fatal(err)
		}
		blob, err := store.Open(ctx, row.BlobKey)
		if err != nil {
			t.Fatal(err)
		}
		stored, _ := io.ReadAll(blob)
		blob.Close()
		sum := sha512.Sum512(stored)
		if !bytes.Equal(stored, bodies[winner]) || base64.StdEncoding.EncodeToString(sum[:]) != row.SHA512 {
			t.Errorf("round %d: the stored file is not the winner's bytes, or its row describes other bytes", round)
		}
	}
	var files int
	for _, err := range store.List(ctx, "") {
		if err != nil {
			t.Fatal(err)
		}
		files++
	}
	if files != 4 {
		t.Errorf("%d files stored, want 4: one per version", files)
	}
}

// TestChangeLogStress: thousands of pushes, unlists and deletes committed
// concurrently through two replicas (two pools, as two processes); then
// each replica's search index holds exactly the catalogue's ids.
func TestChangeLogStress(t *testing.T) {
	if testing.Short() {
		t.Skip("thousands of pushes")
	}
	ctx := context.Background()
	rs, _, _ := replicas(t, 2)
	const workers, each = 16, 150 // 2400 pushes
	var wg sync.WaitGroup
	for w := range workers {
		f := rs[w%2].Feed
		wg.Go(func() {
			for i := range each {
				id := fmt.Sprintf("Stress.W%d.P%d", w, i%50)
				body := nugettest.Build(t, nugettest.Spec{ID: id, Version: fmt.Sprintf("1.0.%d", i/50)})
				if _, err := f.Push(ctx, feed.PushRequest{Body: bytes.NewReader(body)}); err != nil {
					t.Error(err)
					return
				}
				switch i % 7 {
				case 3: // unlist what was just pushed: ids whose versions are all unlisted leave search
					if _, err := f.SetListed(ctx, feed.DefaultSpace, index.KindNuGet, id, fmt.Sprintf("1.0.%d", i/50), false); err != nil {
						t.Error(err)
					}
				case 5:
					if _, err := f.Delete(ctx, feed.DefaultSpace, index.KindNuGet, id, fmt.Sprintf("1.0.%d", i/50)); err != nil {
						t.Error(err)
					}
				}
			}
		})
	}
	wg.Wait()
	want := catalogueIDs(t, rs[0].Catalog)
	if len(want) < 100 {
		t.Fatalf("only %d ids listed in the catalogue", len(want))
	}
	for i, r := range rs {
		r.Feed.Fresh(ctx)
		got := searchIDs(t, r.Feed)
		if !slices.Equal(got, want) {
			t.Errorf("replica %d's search holds %d ids, the catalogue lists %d; first difference: %s", i, len(got), len(want), firstDiff(got, want))
		}
		n, err := r.Search.Count()
		if err != nil {
			t.Fatal(err)
		}
		if int(n) != len(want) {
			t.Errorf("replica %d's search index counts %d documents, want %d", i, n, len(want))
		}
	}
}

func firstDiff(a, b []string) string {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return fmt.Sprintf("%q vs %q at %d", a[i], b[i], i)
		}
	}
	return fmt.Sprintf("lengths %d and %d", len(a), len(b))
}

// TestReplicaCatchesUp: a replica stopped cleanly catches up from the
// cursor its search index recorded; a new replica, or one whose index was
// lost, rebuilds it from the catalogue while it serves.
func TestReplicaCatchesUp(t *testing.T) {
	ctx := context.Background()
	rs, store, url := replicas(t, 2)
	a, b := rs[0], rs[1]
	pushNew(t, a.Feed, "Before.Stop", "1.0.0")
	b.Feed.Fresh(ctx)
	waitSearch(t, b.Feed, []string{"before.stop"}) // b's index, new, is built from the catalogue
	for deadline := time.Now().Add(30 * time.Second); !b.Feed.SearchCaughtUp(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("b's search index never finished its rebuild from the catalogue")
		}
	}
	b.Close()
	reopened, err := index.OpenSearch(filepath.Join(b.Dir, "search"))
	if err != nil {
		t.Fatal(err)
	}
	cursor, ok := reopened.ChangeCursor()
	reopened.Close()
	if !ok || cursor != 1 || reopened.Rebuilt() {
		t.Fatalf("b's search index after a clean stop: cursor %d (%v), rebuilt %v; want cursor 1", cursor, ok, reopened.Rebuilt())
	}
	pushNew(t, a.Feed, "While.Stopped", "1.0.0")
	if _, err := a.Feed.Delete(ctx, feed.DefaultSpace, index.KindNuGet, "before.stop", "1.0.0"); err != nil {
		t.Fatal(err)
	}
	again := openReplica(t, url, store, b.Dir, "replica-1")
	again.Feed.Fresh(ctx)
	if got := searchIDs(t, again.Feed); !slices.Equal(got, []string{"while.stopped"}) {
		t.Errorf("restarted replica's search: %v, want [while.stopped]", got)
	}
	fresh := openReplica(t, url, store, t.TempDir(), "replica-2")
	fresh.Feed.Fresh(ctx)
	waitSearch(t, fresh.Feed, []string{"while.stopped"})
}

// waitSearch waits until the feed's search finds exactly ids: a search index
// rebuilt from the catalogue fills in the background.
func waitSearch(t *testing.T, f *feed.Feed, ids []string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !slices.Equal(searchIDs(t, f), ids) {
		if time.Now().After(deadline) {
			t.Fatalf("the search index never held %v: %v", ids, searchIDs(t, f))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestReindexJobSurvivesItsRunner: a re-index asked for and claimed by one
// replica that then dies stays asked for; the leader's schedule on another
// replica runs it to the end.
func TestReindexJobSurvivesItsRunner(t *testing.T) {
	ctx := context.Background()
	rs, _, url := replicas(t, 2)
	a, b := rs[0], rs[1]
	for i := range 20 {
		pushNew(t, a.Feed, fmt.Sprintf("Job.Pkg%d", i), "1.0.0")
	}
	// The catalogue is lost; the store still holds every package.
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `TRUNCATE packages`); err != nil {
		t.Fatal(err)
	}
	if err := a.Group.Request(ctx, "reindex"); err != nil {
		t.Fatal(err)
	}
	// a claims the job and dies before finishing it.
	if ran, err := a.Group.Exclusive(ctx, func(ctx context.Context) error {
		_, err := a.Group.Claim(ctx, "reindex")
		return err
	}); !ran || err != nil {
		t.Fatalf("a's claim: %v, %v", ran, err)
	}
	a.Close()
	if st := b.Feed.State(); !st.Running {
		t.Errorf("after a died mid-run, b reports no re-index pending: %+v", st)
	}
	leadCtx, stopLeading := context.WithCancel(ctx)
	defer stopLeading()
	go b.Feed.Lead(leadCtx, feed.LeadOptions{})
	deadline := time.Now().Add(30 * time.Second)
	for b.Feed.State().Running {
		if time.Now().After(deadline) {
			t.Fatal("the leader did not finish the re-index")
		}
		time.Sleep(50 * time.Millisecond)
	}
	_, versions, err := b.Catalog.Counts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if versions != 20 {
		t.Errorf("after the leader's re-index the catalogue has %d versions, want 20", versions)
	}
	// The leader's first collection may have asked for another run since,
	// which finds everything catalogued.
	if st := b.Feed.State(); st.Runs < 1 || st.Progress.Added+st.Progress.Unchanged != 20 || st.Err != "" {
		t.Errorf("the group's re-index state: %+v", st)
	}
	b.Feed.Fresh(ctx)
	if got := searchIDs(t, b.Feed); len(got) != 20 {
		t.Errorf("b's search after the re-index holds %d ids, want 20", len(got))
	}
}

// BenchmarkFresh is what read-your-writes across replicas adds to a read
// that a cache answers: the wait for one round of the change log (a query
// of PostgreSQL on loopback here). In parallel, reads that arrive together
// share a round.
func BenchmarkFresh(b *testing.B) {
	rs, _, _ := replicas(b, 2)
	ctx := context.Background()
	pushNew(b, rs[0].Feed, "Bench.Fresh", "1.0.0")
	f := rs[1].Feed
	f.Fresh(ctx) // the first round starts the index from the log's head
	b.Run("serial", func(b *testing.B) {
		for b.Loop() {
			f.Fresh(ctx)
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.SetParallelism(8)
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				f.Fresh(ctx)
			}
		})
	})
}

// TestLeaderCollectsWhatAnInterruptedPushLeft: a push whose process died
// between storing its file and writing its row left a file nobody lists.
// The leader's periodic collection (Lead) catalogues it, so every replica
// lists it; no client was told it failed half-way, and nothing partial was
// ever listed.
func TestLeaderCollectsWhatAnInterruptedPushLeft(t *testing.T) {
	rs, store, _ := replicas(t, 2)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	body := nugettest.Build(t, nugettest.Spec{ID: "Interrupted.Push", Version: "1.0.0"})
	key := "spaces-1/nuget/interrupted.push/interrupted.push.1.0.0.nupkg"
	if _, err := store.Put(ctx, key, bytes.NewReader(body)); err != nil {
		t.Fatal(err)
	}
	if got := listedVersions(t, rs[1].Feed, "interrupted.push"); len(got) != 0 {
		t.Fatalf("listed before any collection: %v", got)
	}

	done := make(chan struct{})
	go func() {
		defer close(done)
		rs[0].Feed.Lead(ctx, feed.LeadOptions{})
	}()
	defer func() { cancel(); <-done }()
	deadline := time.Now().Add(30 * time.Second)
	for {
		if got := listedVersions(t, rs[1].Feed, "interrupted.push"); slices.Equal(got, []string{"1.0.0"}) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the leader did not catalogue the file an interrupted push left within 30 s")
		}
		time.Sleep(100 * time.Millisecond)
	}
	e, err := rs[1].Feed.Get(context.Background(), feed.DefaultSpace, index.KindNuGet, "interrupted.push", "1.0.0")
	if err != nil {
		t.Fatal(err)
	}
	sum := sha512.Sum512(body)
	if e.SHA512 != base64.StdEncoding.EncodeToString(sum[:]) || e.BlobKey != key {
		t.Errorf("catalogued as %s with hash %s, want %s with the file's hash", e.BlobKey, e.SHA512, key)
	}
}

// afterCommit is a store whose stages run a function once a commit has
// stored its file, before the push that committed it goes on.
type afterCommit struct {
	storage.Store
	then func()
}

func (s afterCommit) Stage(ctx context.Context) (storage.Staged, error) {
	st, err := s.Store.Stage(ctx)
	return committed{st, s.then}, err
}

type committed struct {
	storage.Staged
	then func()
}

func (c committed) Commit(ctx context.Context, key string, opts storage.CommitOptions) (storage.Info, error) {
	info, err := c.Staged.Commit(ctx, key, opts)
	if err == nil {
		c.then()
	}
	return info, err
}

// TestPushAnsweredWhenAReindexCataloguedItsFile: a re-index on another
// replica that catalogues a pushed file between the push's commit and its
// row leaves the push a 201, with the re-index's row describing its bytes;
// a second push of the version is a conflict.
func TestPushAnsweredWhenAReindexCataloguedItsFile(t *testing.T) {
	ctx := context.Background()
	url := pg.NewDatabase(t)
	store := memory.New()
	other := openReplica(t, url, store, t.TempDir(), "reindexer")
	var reindexed int
	pusher := openReplica(t, url, afterCommit{store, func() {
		stats, err := other.Feed.Reindex(ctx)
		if err != nil {
			t.Errorf("re-index between the commit and the row: %v", err)
		}
		reindexed += int(stats.Added)
	}}, t.TempDir(), "pusher")

	body := nugettest.Build(t, nugettest.Spec{ID: "Caught.Between", Version: "1.0.0"})
	res, err := pusher.Feed.Push(ctx, feed.PushRequest{Body: bytes.NewReader(body)})
	if err != nil || res.Status != feed.Created {
		t.Fatalf("push: %v, %v; want created", res.Status, err)
	}
	if reindexed != 1 {
		t.Fatalf("the re-index added %d rows, want 1: the test did not catch the push between its file and its row", reindexed)
	}
	sum := sha512.Sum512(body)
	if res.Entry.SHA512 != base64.StdEncoding.EncodeToString(sum[:]) {
		t.Errorf("the push answered with a row for other bytes")
	}
	if got := listedVersions(t, other.Feed, "caught.between"); !slices.Equal(got, []string{"1.0.0"}) {
		t.Errorf("listed %v, want [1.0.0]", got)
	}
	_, err = pusher.Feed.Push(ctx, feed.PushRequest{Body: bytes.NewReader(nugettest.Build(t, nugettest.Spec{ID: "Caught.Between", Version: "1.0.0", Payload: []byte("other")}))})
	if !errors.Is(err, feed.ErrExists) {
		t.Errorf("second push: %v, want exists", err)
	}
}
