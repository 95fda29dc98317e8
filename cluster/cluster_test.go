package cluster

import (
	"context"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/feedserver/feedserver/internal/testsvc"
)

var pg = testsvc.NewPostgres()

func TestMain(m *testing.M) { os.Exit(testsvc.Run(m, pg)) }

func open(t *testing.T, url, name string) *Cluster {
	t.Helper()
	c, err := Open(context.Background(), url, Options{Name: name})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

// waitFor polls cond for up to 10 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestOneLeaderAtATime: of three processes, one leads; when it stops, one
// of the others takes over; never two at once.
func TestOneLeaderAtATime(t *testing.T) {
	url := pg.NewDatabase(t)
	var leading, maxLeading atomic.Int32
	type member struct {
		c      *Cluster
		cancel context.CancelFunc
		done   chan struct{}
	}
	var members []member
	for _, name := range []string{"a", "b", "c"} {
		c := open(t, url, name)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() {
			defer close(done)
			c.Lead(ctx, func(ctx context.Context) {
				n := leading.Add(1)
				for {
					m := maxLeading.Load()
					if n <= m || maxLeading.CompareAndSwap(m, n) {
						break
					}
				}
				<-ctx.Done()
				leading.Add(-1)
			})
		}()
		members = append(members, member{c, cancel, done})
	}
	defer func() {
		for _, m := range members {
			m.cancel()
			<-m.done
		}
	}()
	leader := func() int {
		for i, m := range members {
			if m.c.Leader() {
				return i
			}
		}
		return -1
	}
	waitFor(t, "a leader", func() bool { return leader() >= 0 })
	first := leader()
	members[first].cancel()
	<-members[first].done
	waitFor(t, "a new leader", func() bool { i := leader(); return i >= 0 && i != first })
	if n := maxLeading.Load(); n != 1 {
		t.Errorf("%d processes led at once", n)
	}
}

// TestExclusive: while one process runs background work, another is told
// the lock is busy and runs nothing; afterwards it gets the lock.
func TestExclusive(t *testing.T) {
	ctx := context.Background()
	url := pg.NewDatabase(t)
	a, b := open(t, url, "a"), open(t, url, "b")
	inside := make(chan struct{})
	release := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		ran, err := a.Exclusive(ctx, func(context.Context) error {
			close(inside)
			<-release
			return nil
		})
		if !ran || err != nil {
			t.Errorf("a: ran %v, %v", ran, err)
		}
	})
	<-inside
	ran, err := b.Exclusive(ctx, func(context.Context) error {
		t.Error("b ran while a held the work lock")
		return nil
	})
	if ran || err != nil {
		t.Errorf("b while a works: ran %v, %v; want false, nil", ran, err)
	}
	if j, err := b.Job(ctx, "nothing"); err != nil || j.Running {
		t.Errorf("a job never claimed: %+v, %v", j, err)
	}
	close(release)
	wg.Wait()
	ran, err = b.Exclusive(ctx, func(context.Context) error { return nil })
	if !ran || err != nil {
		t.Errorf("b after a: ran %v, %v", ran, err)
	}
}

// TestJobs: a request is pending until a run that claimed it finishes; a
// run that dies leaves it pending for the next; a request made during a
// run stays pending after it.
func TestJobs(t *testing.T) {
	ctx := context.Background()
	url := pg.NewDatabase(t)
	a, b := open(t, url, "a"), open(t, url, "b")
	check := func(what string, c *Cluster, pending, running bool) Job {
		t.Helper()
		j, err := c.Job(ctx, "reindex")
		if err != nil {
			t.Fatal(err)
		}
		if j.Pending != pending || j.Running != running {
			t.Errorf("%s: pending %v running %v, want %v %v", what, j.Pending, j.Running, pending, running)
		}
		return j
	}
	if got, err := a.Claim(ctx, "reindex"); got || err != nil {
		t.Errorf("claim with no request: %v, %v", got, err)
	}
	if err := a.Request(ctx, "reindex"); err != nil {
		t.Fatal(err)
	}
	check("requested", b, true, false)

	// a claims it and dies mid-run (the work lock goes with its session).
	runCtx, kill := context.WithCancel(ctx)
	claimed := make(chan struct{})
	go a.Exclusive(runCtx, func(ctx context.Context) error {
		if got, err := a.Claim(ctx, "reindex"); !got || err != nil {
			t.Errorf("a's claim: %v, %v", got, err)
		}
		a.Record(ctx, "reindex", []byte(`{"seen":1}`), false)
		close(claimed)
		<-ctx.Done()
		return ctx.Err()
	})
	<-claimed
	j := check("a runs", b, true, true)
	if j.Runner != "a" || string(j.State) != `{"seen":1}` {
		t.Errorf("a's run: runner %q state %q", j.Runner, j.State)
	}
	kill()
	waitFor(t, "a's lock to go", func() bool { j, _ := b.Job(ctx, "reindex"); return !j.Running })
	check("a died", b, true, false)

	// b takes over and finishes; a request made meanwhile stays pending.
	ran, err := b.Exclusive(ctx, func(ctx context.Context) error {
		if got, err := b.Claim(ctx, "reindex"); !got || err != nil {
			t.Errorf("b's claim: %v, %v", got, err)
		}
		if err := a.Request(ctx, "reindex"); err != nil {
			return err
		}
		return b.Record(ctx, "reindex", []byte(`{"seen":2}`), true)
	})
	if !ran || err != nil {
		t.Fatalf("b's run: %v, %v", ran, err)
	}
	// a, cut off, records how its run ended only now: b's run keeps its state.
	if err := a.Record(ctx, "reindex", []byte(`{"seen":1,"late":true}`), false); err != nil {
		t.Fatal(err)
	}
	j = check("b finished, one more asked", a, true, false)
	if j.Runs != 1 || j.Done.IsZero() || j.Runner != "b" || string(j.State) != `{"seen":2}` {
		t.Errorf("after b's run: %+v", j)
	}
	ran, err = a.Exclusive(ctx, func(ctx context.Context) error {
		if got, err := a.Claim(ctx, "reindex"); !got || err != nil {
			t.Errorf("a's second claim: %v, %v", got, err)
		}
		return a.Record(ctx, "reindex", nil, true)
	})
	if !ran || err != nil {
		t.Fatal(err)
	}
	check("all done", b, false, false)
}
