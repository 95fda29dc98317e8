package postgres

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/feedserver/feedserver/index"
	"github.com/feedserver/feedserver/nuget"
)

// readAll reads the whole log after cursor, as a follower does, and
// returns the changes and the head.
func readAll(t *testing.T, c *Catalog, cursor int64) (int64, []index.Change) {
	t.Helper()
	var all []index.Change
	for {
		head, page, err := c.Changes(context.Background(), cursor, 100)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, page...)
		if len(page) > 0 {
			cursor = page[len(page)-1].Seq
		}
		if len(page) < 100 {
			return head, all
		}
	}
}

// TestChangeLogRecordsWrites: each write that changes what a reader shows
// is one change of its id, in order; a download count or a rewrite of the
// same row is none; TRUNCATE is a change of every id.
func TestChangeLogRecordsWrites(t *testing.T) {
	ctx := context.Background()
	c := openSchema(t, pg.NewDatabase(t), "changes")
	e := small("Logged")
	steps := []struct {
		name string
		do   func() error
		want []string // ids of the changes it logs
	}{
		{"insert", func() error { return c.Insert(ctx, e) }, []string{"logged"}},
		{"put unchanged", func() error { return c.Put(ctx, e) }, nil},
		{"downloads", func() error { return c.AddDownloads(ctx, e.Space, e.Kind, "logged", "1.0.0", 3, time.Now()) }, nil},
		{"unlist", func() error { return c.SetListed(ctx, e.Space, e.Kind, "LOGGED", "1.0", false) }, []string{"logged"}},
		{"put changed", func() error { e.Size = 42; return c.Put(ctx, e) }, []string{"logged"}},
		{"insert other", func() error { return c.Insert(ctx, small("Other")) }, []string{"other"}},
		{"delete", func() error { return c.Delete(ctx, e.Space, e.Kind, "logged", "1.0.0") }, []string{"logged"}},
		{"delete by key", func() error { _, err := c.DeleteByBlobKey(ctx, "spaces-1/nuget/Other"); return err }, []string{"other"}},
		{"truncate", func() error { _, err := c.pool.Exec(ctx, `TRUNCATE packages`); return err }, []string{""}},
	}
	cursor := int64(0)
	for _, s := range steps {
		if err := s.do(); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		head, got := readAll(t, c, cursor)
		var ids []string
		for i, ch := range got {
			if ch.Seq != cursor+int64(i)+1 {
				t.Errorf("%s: change %d has number %d, want %d (gapless)", s.name, i, ch.Seq, cursor+int64(i)+1)
			}
			ids = append(ids, ch.ID)
		}
		if fmt.Sprint(ids) != fmt.Sprint(s.want) {
			t.Errorf("%s: logged %q, want %q", s.name, ids, s.want)
		}
		cursor += int64(len(got))
		if head != cursor {
			t.Errorf("%s: head %d, want %d", s.name, head, cursor)
		}
	}
}

// TestChangeLogNeverSkipsACommit: writers in two pools (two processes, as
// far as PostgreSQL can tell) commit concurrently while a reader follows
// the log with a plain "after my cursor" query. The reader must see every
// committed write exactly once: the numbers commit in order.
func TestChangeLogNeverSkipsACommit(t *testing.T) {
	ctx := context.Background()
	url := pg.NewDatabase(t)
	var pools [2]*Catalog
	for i := range pools {
		c, err := Open(ctx, url, Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		pools[i] = c
	}
	const writers, each = 8, 150
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				e := small(fmt.Sprintf("W%dP%d", w, i))
				if err := pools[w%2].Insert(ctx, e); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()

	seen := map[string]int{}
	cursor := int64(0)
	read := func() {
		_, page, err := pools[1].Changes(ctx, cursor, 50)
		if err != nil {
			t.Fatal(err)
		}
		for _, ch := range page {
			if ch.Seq != cursor+1 {
				t.Fatalf("change %d follows %d: a gap", ch.Seq, cursor)
			}
			cursor = ch.Seq
			seen[ch.ID]++
		}
	}
	for finished := false; !finished; {
		select {
		case <-done:
			finished = true
		default:
		}
		read()
	}
	for before := int64(-1); before != cursor; {
		before = cursor
		read()
	}
	if len(seen) != writers*each {
		t.Errorf("the reader saw %d ids, want %d", len(seen), writers*each)
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("%s seen %d times", id, n)
		}
	}
}

// TestPruneChanges: pruning keeps the newest change, so a reader behind
// the pruned ones sees the gap (its next change is not cursor+1) or, with
// nothing left to read, a head above its cursor.
func TestPruneChanges(t *testing.T) {
	ctx := context.Background()
	c := openSchema(t, pg.NewDatabase(t), "prune")
	for i := range 5 {
		if err := c.Insert(ctx, small(fmt.Sprintf("P%d", i))); err != nil {
			t.Fatal(err)
		}
	}
	n, err := c.PruneChanges(ctx, time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if n != 4 {
		t.Errorf("pruned %d, want 4 (all but the newest)", n)
	}
	head, page, err := c.Changes(ctx, 1, 10)
	if err != nil {
		t.Fatal(err)
	}
	if head != 5 || len(page) != 1 || page[0].Seq != 5 {
		t.Errorf("after pruning: head %d, changes %+v; want head 5 and change 5 alone", head, page)
	}
	if n, err := c.PruneChanges(ctx, time.Now().Add(-time.Hour)); err != nil || n != 0 {
		t.Errorf("pruning nothing old: %d, %v", n, err)
	}
}

// TestWatchChanges: a commit rings the doorbell.
func TestWatchChanges(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c := openSchema(t, pg.NewDatabase(t), "watch")
	bell := c.WatchChanges(ctx)
	select {
	case <-bell: // the ring after LISTEN
	case <-time.After(10 * time.Second):
		t.Fatal("no first ring")
	}
	e := small("Rung")
	e.Version = nuget.MustParseVersion("2.0.0")
	if err := c.Insert(ctx, e); err != nil {
		t.Fatal(err)
	}
	select {
	case <-bell:
	case <-time.After(10 * time.Second):
		t.Fatal("a commit did not ring")
	}
	cancel()
	for range bell {
	}
}
