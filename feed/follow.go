package feed

import (
	"context"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/feedserver/feedserver/index"
)

// This file keeps what this process holds of a catalogue that other
// processes write too (Options.Changes) in step with it: the versions cache,
// the generation that stamps rendered documents, and the search index. It
// follows the catalogue's change log (index.ChangeLog): every change of a
// package id drops the id's cached versions, moves the generation on and
// queues the id's search document, exactly as this process's own writes do
// (Feed.changed, Feed.queueSearch).
//
// One goroutine applies the log, in rounds: a round reads the log from the
// cursor to its end and applies what it finds. It starts when the
// database's doorbell rings (LISTEN/NOTIFY), when followPoll has passed
// (the safety net), and when a read asks for one (Fresh): a read that must
// see every change committed before it began waits for the next round that
// starts after it asked, never for one already under way, and every read
// waiting then shares that round (one query for a burst of reads).
//
// The search index is this process's own (its data folder). It records the
// cursor it reflects (index.Search.SetChangeCursor), written after each
// search flush, so a process that stops cleanly catches up from there when
// it starts again. A new index, one left by a crash (Search.Rebuilt), one
// without a cursor, or a cursor the log no longer reaches (pruned, or
// another database) is rebuilt from the catalogue in the background, while
// reads go on; until then searches may miss packages.

// followPoll is how often the log is read when the doorbell stays silent.
const followPoll = time.Second

// followPage is how many changes one query reads.
const followPage = 1000

// followTimeout bounds one round, so a database that stops answering fails
// the reads waiting for it instead of holding them.
const followTimeout = 10 * time.Second

// rebuildRetry is how long a failed search rebuild waits before it tries again.
const rebuildRetry = 5 * time.Second

// follower is the state of the log's reader.
type follower struct {
	changes index.ChangeLog
	m       *followMetrics

	cursor atomic.Int64 // every change up to here is applied; -1 until the first round

	mu   sync.Mutex
	next *round // the round reads that ask now will wait for; nil when none asked
	kick chan struct{}

	// The search index's rebuild from the catalogue.
	rebuilding     atomic.Bool // a rebuild runs
	searchComplete atomic.Bool // no rebuild runs or is owed: the index reflects the cursor
	again          atomic.Bool // another rebuild was asked for while one ran
	touched        map[searchID]struct{}

	ctx    context.Context // ends when the feed closes
	cancel context.CancelFunc
	done   sync.WaitGroup
}

// round is one read of the log that waiting reads share.
type round struct {
	done chan struct{}
	err  error
}

// startFollowing starts the log's reader; Close stops it.
func (f *Feed) startFollowing(changes index.ChangeLog, reg prometheus.Registerer) error {
	m, err := newFollowMetrics(reg)
	if err != nil {
		return err
	}
	fl := &follower{changes: changes, m: m, kick: make(chan struct{}, 1)}
	fl.cursor.Store(-1)
	if n, ok := f.search.ChangeCursor(); ok && !f.search.Rebuilt() {
		fl.cursor.Store(n)
		fl.searchComplete.Store(true)
	}
	fl.ctx, fl.cancel = context.WithCancel(context.Background())
	f.follow = fl
	fl.done.Go(func() { f.followLoop(fl.ctx) })
	return nil
}

// stopFollowing stops the reader and any search rebuild, and waits for them.
func (f *Feed) stopFollowing() {
	if f.follow == nil {
		return
	}
	f.follow.cancel()
	f.follow.done.Wait()
}

// Fresh makes this process's caches reflect every change committed before
// the call, by any process that shares the catalogue: the protocols call it
// before a read that may be answered from a cache (protocol/server.go), and
// a read that follows sees every push, delete and listing change
// acknowledged before it began. Without a change log (the embedded
// catalogue, written by this process alone) it returns at once.
//
// When the log cannot be read, every cache is dropped, so the read goes to
// the catalogue itself (and answers 503 if that cannot be reached either).
func (f *Feed) Fresh(ctx context.Context) {
	fl := f.follow
	if fl == nil {
		return
	}
	start := time.Now()
	err := fl.wait(ctx)
	fl.m.freshDuration.Observe(time.Since(start).Seconds())
	if err != nil && ctx.Err() == nil {
		f.dropAll()
	}
}

// wait asks for a round and waits for it to end.
func (fl *follower) wait(ctx context.Context) error {
	fl.mu.Lock()
	r := fl.next
	if r == nil {
		r = &round{done: make(chan struct{})}
		fl.next = r
	}
	fl.mu.Unlock()
	select {
	case fl.kick <- struct{}{}:
	default: // a kick is pending: the round it starts is r
	}
	select {
	case <-r.done:
		return r.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// followLoop runs rounds until ctx ends.
func (f *Feed) followLoop(ctx context.Context) {
	fl := f.follow
	bell := fl.changes.WatchChanges(ctx)
	t := time.NewTicker(followPoll)
	defer t.Stop()
	failing := false
	for {
		select {
		case <-ctx.Done():
			fl.endRound(ctx.Err())
			return
		case <-fl.kick:
		case _, ok := <-bell:
			if !ok {
				bell = nil
			}
		case <-t.C:
		}
		err := f.catchUp(ctx)
		switch {
		case err != nil && !failing && ctx.Err() == nil:
			failing = true
			f.log.Error("cannot read the catalogue's change log; reads skip the caches until it can be read", "err", err)
		case err == nil && failing:
			failing = false
			f.log.Info("reading the catalogue's change log again")
		}
	}
}

// endRound fails the round reads are waiting for, when the feed closes.
func (fl *follower) endRound(err error) {
	fl.mu.Lock()
	r := fl.next
	fl.next = nil
	fl.mu.Unlock()
	if r != nil {
		r.err = err
		close(r.done)
	}
}

// catchUp applies every change after the cursor and ends the round of the
// reads that asked before its first query, which so starts after they
// asked; a read that asks during it waits for the next round (its kick is
// pending).
func (f *Feed) catchUp(ctx context.Context) error {
	fl := f.follow
	fl.mu.Lock()
	r := fl.next
	fl.next = nil
	fl.mu.Unlock()
	err := f.readLog(ctx)
	if r != nil {
		r.err = err
		close(r.done)
	}
	return err
}

// readLog applies the log from the cursor to its end.
func (f *Feed) readLog(ctx context.Context) error {
	fl := f.follow
	ctx, cancel := context.WithTimeout(ctx, followTimeout)
	defer cancel()
	for {
		cursor := fl.cursor.Load()
		after := cursor
		if cursor < 0 {
			after = math.MaxInt64 // the head alone
		}
		fl.m.reads.Inc()
		head, changes, err := fl.changes.Changes(ctx, after, followPage)
		if err != nil {
			return err
		}
		switch {
		case cursor < 0:
			f.startOver(head, "no search index to catch up")
			return nil
		case head < cursor || len(changes) > 0 && changes[0].Seq > cursor+1:
			f.startOver(head, "the change log no longer holds the changes since this process last read it")
			return nil
		}
		for _, c := range changes {
			f.applyChange(c)
			fl.cursor.Store(c.Seq)
		}
		fl.m.behind.Set(float64(head - fl.cursor.Load()))
		if len(changes) < followPage {
			return nil
		}
	}
}

// applyChange drops what is cached of one id and queues its search
// document; the search document first, so a search rendered under the new
// generation finds it queued (searchBarrier) and waits for it.
func (f *Feed) applyChange(c index.Change) {
	fl := f.follow
	fl.m.applied.Inc()
	fl.m.delay.Observe(c.Age.Seconds())
	if c.ID == "" {
		f.dropAll()
		f.rebuildSearch("every package was removed at once")
		return
	}
	s := searchID{c.Space, c.Kind, c.ID}
	if fl.rebuilding.Load() {
		fl.mu.Lock()
		fl.touched[s] = struct{}{}
		fl.mu.Unlock()
	}
	f.queueSearch(s)
	f.versions.drop(s)
	f.generation.Add(1)
	f.metrics.invalidations.WithLabelValues("log").Inc()
}

// dropAll forgets every cached version list and every rendered document.
func (f *Feed) dropAll() {
	f.versions.dropAll()
	f.generation.Add(1)
	f.metrics.invalidations.WithLabelValues("all").Inc()
}

// startOver drops every cache and rebuilds the search index from the
// catalogue, continuing from the log's head: what it held can no longer be
// brought up to date change by change.
func (f *Feed) startOver(head int64, why string) {
	f.dropAll()
	f.follow.cursor.Store(head)
	f.rebuildSearch(why)
}

// rebuildSearch rebuilds the search index from the catalogue in the
// background; asked while one runs, it runs once more after it.
func (f *Feed) rebuildSearch(why string) {
	fl := f.follow
	fl.searchComplete.Store(false)
	if !fl.rebuilding.CompareAndSwap(false, true) {
		fl.again.Store(true)
		return
	}
	f.log.Info("rebuilding the search index from the catalogue", "why", why)
	fl.mu.Lock()
	fl.touched = make(map[searchID]struct{})
	fl.mu.Unlock()
	fl.done.Go(func() { f.rebuildLoop(fl.ctx) })
}

// rebuildLoop rebuilds until a rebuild succeeds with no other asked for
// meanwhile; the caller set rebuilding.
func (f *Feed) rebuildLoop(ctx context.Context) {
	fl := f.follow
	for {
		fl.again.Store(false)
		if !f.rebuildOnce(ctx) {
			fl.rebuilding.Store(false)
			return // the feed is closing
		}
		if fl.again.Load() {
			continue
		}
		fl.searchComplete.Store(true)
		fl.rebuilding.Store(false)
		// Asked for between the check and the store: its caller saw a
		// rebuild running and left it to this one.
		if !fl.again.Load() || !fl.rebuilding.CompareAndSwap(false, true) {
			return
		}
		fl.searchComplete.Store(false)
	}
}

// rebuildOnce rebuilds the index from the catalogue, trying again until it
// succeeds; false when ctx ended first.
func (f *Feed) rebuildOnce(ctx context.Context) bool {
	fl := f.follow
	// The cursor is forgotten first: a clean stop in the middle must not
	// leave an index that claims to be up to date.
	if err := f.search.SetChangeCursor(-1); err != nil {
		f.log.Error("forget the search index's change cursor", "err", err)
	}
	start := time.Now()
	for {
		err := index.Rebuild(ctx, f.catalog, f.search)
		if err == nil {
			break // complete, even if the feed began closing meanwhile
		}
		if ctx.Err() != nil {
			return false
		}
		f.log.Error("rebuild the search index from the catalogue; trying again", "err", err, "in", rebuildRetry.String())
		select {
		case <-ctx.Done():
			return false
		case <-time.After(rebuildRetry):
		}
	}
	// A change applied while the rebuild ran may have had its fresh
	// document overwritten by the rebuild's older one: index those ids again.
	fl.mu.Lock()
	touched := fl.touched
	fl.touched = make(map[searchID]struct{})
	fl.mu.Unlock()
	for s := range touched {
		f.queueSearch(s)
	}
	fl.m.rebuilds.Inc()
	f.log.Info("search index rebuilt from the catalogue", "duration", time.Since(start).Round(time.Millisecond).String(), "requeued", len(touched))
	return true
}

// searchCursor is the cursor a search flush may record once the ids it
// took are indexed: read before they are taken, every change up to it has
// queued its id by then. -1 while the index is being rebuilt or was never
// caught up, when nothing may be recorded.
func (f *Feed) searchCursor() int64 {
	fl := f.follow
	if fl == nil || !fl.searchComplete.Load() {
		return -1
	}
	return fl.cursor.Load()
}

// recordSearchCursor stores the cursor a flush covered (see searchCursor).
func (f *Feed) recordSearchCursor(n int64) {
	if n < 0 || f.follow == nil || !f.follow.searchComplete.Load() {
		return
	}
	if err := f.search.SetChangeCursor(n); err != nil {
		f.log.Error("record the search index's change cursor", "err", err)
	}
}

// followMetrics are the change log's series, registered only when the feed
// follows one (docs/metrics.md).
type followMetrics struct {
	applied       prometheus.Counter
	reads         prometheus.Counter
	behind        prometheus.Gauge
	delay         prometheus.Histogram
	freshDuration prometheus.Histogram
	rebuilds      prometheus.Counter
}

func newFollowMetrics(reg prometheus.Registerer) (*followMetrics, error) {
	m := &followMetrics{
		applied: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "feedserver_change_log_applied_total",
			Help: "Changes read from the shared catalogue's change log and applied to this process's caches and search index.",
		}),
		reads: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "feedserver_change_log_reads_total",
			Help: "Queries of the change log: one per round, shared by every read that waited for it.",
		}),
		behind: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "feedserver_change_log_behind",
			Help: "Changes committed to the change log that this process had not applied at its last read of it.",
		}),
		delay: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "feedserver_change_log_delay_seconds",
			Help:    "Time from a change's commit to its application in this process, by the database's clock.",
			Buckets: []float64{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30},
		}),
		freshDuration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "feedserver_read_barrier_duration_seconds",
			Help:    "Time a read waited for the change log to be applied before it was answered (read-your-writes across processes).",
			Buckets: []float64{0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 10},
		}),
		rebuilds: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "feedserver_search_rebuilds_total",
			Help: "Rebuilds of this process's search index from the catalogue (a new or damaged index, or a change log that no longer reaches its cursor).",
		}),
	}
	if reg == nil {
		return m, nil
	}
	for _, c := range []prometheus.Collector{m.applied, m.reads, m.behind, m.delay, m.freshDuration, m.rebuilds} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}
