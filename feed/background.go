package feed

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/feedserver/feedserver/index"
)

// background holds the work a request hands off instead of doing it inline:
// search documents to rebuild (bleve indexes a batch of hundreds of documents
// in about the time it takes to index one) and download counts (one SQLite
// write a second instead of one per download).
type background struct {
	mu        sync.Mutex
	search    map[searchID]struct{}
	flushing  bool // ids were taken from search and are being indexed
	downloads map[downloadKey]int64

	flushMu sync.Mutex // one search flush at a time
	kick    chan struct{}
	stop    chan struct{}
	done    chan struct{}
}

type downloadKey struct {
	space   string
	kind    index.Kind
	id      string // lower
	version string // normalised
}

// downloadFlushEvery bounds how many counted downloads a crash can lose.
const downloadFlushEvery = time.Second

// searchFlushDelay gathers the search updates of pushes into one bleve batch:
// a batch of one costs about as much CPU as a batch of hundreds, and an id
// pushed many times in the window is indexed once. Queries never wait for it:
// Search and Autocomplete flush what is queued first (searchBarrier), so a
// push is still found by the very next search.
const searchFlushDelay = time.Second

// searchFlushShare caps the background indexing at about a tenth of the
// time: after a flush that took d, the next waits at least 9d. Re-indexing an
// id with thousands of versions (an Octopus app's builds) is costly, and
// bleve spreads one flush over both cores.
const searchFlushShare = 9

// maxSearchFlushDelay bounds how stale the index may get between queries.
const maxSearchFlushDelay = 10 * time.Second

// startBackground runs the flusher until Close.
func (f *Feed) startBackground() {
	b := &f.bg
	b.search = make(map[searchID]struct{})
	b.downloads = make(map[downloadKey]int64)
	b.kick = make(chan struct{}, 1)
	b.stop = make(chan struct{})
	b.done = make(chan struct{})
	go func() {
		defer close(b.done)
		t := time.NewTicker(downloadFlushEvery)
		defer t.Stop()
		var due <-chan time.Time // set while queued search updates wait for their batch
		delay := searchFlushDelay
		for {
			select {
			case <-b.stop:
				return
			case <-b.kick:
				if due == nil {
					due = time.After(delay)
				}
			case <-due:
				due = nil
				start := time.Now()
				if err := f.flushSearch(context.Background()); err != nil {
					f.log.Error("update search index", "err", err)
				}
				delay = min(max(searchFlushDelay, searchFlushShare*time.Since(start)), maxSearchFlushDelay)
			case <-t.C:
				f.flushDownloads(context.Background())
			}
		}
	}()
}

// Close stops the background work and writes what is pending: the search
// documents and the download counts. The feed must not be used afterwards.
func (f *Feed) Close() error {
	b := &f.bg
	select {
	case <-b.stop:
		return nil // already closed
	default:
	}
	close(b.stop)
	<-b.done
	f.stopFollowing()
	err := f.flushSearch(context.Background())
	f.flushDownloads(context.Background())
	return err
}

// queueSearch schedules the search document of one id for a rebuild.
func (f *Feed) queueSearch(s searchID) {
	if s.kind == index.KindCached {
		return // the search index holds what the feed publishes; a cache is not searched
	}
	b := &f.bg
	b.mu.Lock()
	first := len(b.search) == 0
	b.search[s] = struct{}{}
	b.mu.Unlock()
	if !first {
		// The push that queued the first id kicked the flusher, and the
		// flush it schedules takes this one too. Kicking on every push woke
		// the flusher once per push for nothing.
		return
	}
	select {
	case b.kick <- struct{}{}:
	default: // a kick is pending; the flush it schedules takes this id too
	}
}

// searchBarrier makes every change acknowledged so far visible to a query
// that follows: a push is found by the very next search.
func (f *Feed) searchBarrier(ctx context.Context) error {
	b := &f.bg
	b.mu.Lock()
	idle := len(b.search) == 0 && !b.flushing
	b.mu.Unlock()
	if idle {
		return nil
	}
	return f.flushSearch(ctx) // waits for a flush in progress, then takes the rest
}

// searchBatch caps one bleve batch, so a re-index of a large feed never
// builds one huge batch in memory.
const searchBatch = 512

// flushSearch rebuilds the search documents queued when it starts, in
// batches. Pushes go on queueing while it runs; what they queue waits for the
// next flush. Looping until the queue was empty re-indexed an id that every
// push touched back to back, and an Octopus app with thousands of versions
// then took a third of the server's CPU while eight clients pushed it.
func (f *Feed) flushSearch(ctx context.Context) error {
	b := &f.bg
	b.flushMu.Lock()
	defer b.flushMu.Unlock()
	cursor := f.searchCursor() // before the ids are taken: see searchCursor
	ids := f.takeQueuedSearch()
	defer func() {
		b.mu.Lock()
		b.flushing = false
		b.mu.Unlock()
	}()
	var errs []error
	for batch := range slices.Chunk(ids, searchBatch) {
		retry, err := f.indexSearchDocs(ctx, batch)
		if err != nil {
			errs = append(errs, err)
		}
		// An id whose versions could not be read while the catalogue's
		// database was down goes back on the queue: dropping it left a
		// package pushed just before an outage out of search until the next
		// re-index. The flusher's delay paces the retries.
		for _, s := range retry {
			f.queueSearch(s)
		}
	}
	if len(errs) == 0 {
		f.recordSearchCursor(cursor)
	}
	return errors.Join(errs...)
}

// takeQueuedSearch empties the search queue and returns what it held; the
// caller indexes those ids and then clears flushing.
func (f *Feed) takeQueuedSearch() []searchID {
	b := &f.bg
	b.mu.Lock()
	defer b.mu.Unlock()
	ids := slices.Collect(maps.Keys(b.search))
	clear(b.search)
	b.flushing = len(ids) > 0
	return ids
}

// indexSearchDocs rebuilds the search documents of some ids from the
// catalogue. retry holds the ids it could not read because the catalogue was
// unavailable (or the context ended): they are still to do.
func (f *Feed) indexSearchDocs(ctx context.Context, ids []searchID) (retry []searchID, err error) {
	var docs []index.Doc
	var errs []error
	for _, s := range ids {
		versions, err := f.catalog.Versions(ctx, s.space, s.kind, s.id)
		if err != nil {
			errs = append(errs, fmt.Errorf("versions of %s: %w", s.id, err))
			if errors.Is(err, index.ErrUnavailable) || ctx.Err() != nil {
				retry = append(retry, s)
			}
			continue
		}
		if doc, ok := index.DocFor(versions); ok {
			docs = append(docs, doc)
			continue
		}
		if err := f.search.Remove(ctx, s.space, s.kind, s.id); err != nil {
			errs = append(errs, fmt.Errorf("remove %s from search: %w", s.id, err))
		}
	}
	if len(docs) > 0 {
		if err := f.search.Index(ctx, docs...); err != nil {
			errs = append(errs, fmt.Errorf("index %d documents: %w", len(docs), err))
		}
	}
	return retry, errors.Join(errs...)
}

// countDownload adds one download to the pending counts.
func (f *Feed) countDownload(k downloadKey) {
	b := &f.bg
	b.mu.Lock()
	b.downloads[k]++
	b.mu.Unlock()
}

// addPendingDownloads adds the counts the catalogue does not have yet, so a
// download shows at once.
func (f *Feed) addPendingDownloads(entries []index.Entry) {
	b := &f.bg
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.downloads) == 0 {
		return
	}
	for i, e := range entries {
		entries[i].Downloads += b.downloads[downloadKey{e.Space, e.Kind, e.ID.Lower(), e.Version.String()}]
	}
}

func (f *Feed) flushDownloads(ctx context.Context) {
	b := &f.bg
	b.mu.Lock()
	pending := b.downloads
	b.downloads = make(map[downloadKey]int64)
	b.mu.Unlock()
	// The flush time stands for every download of the batch: a batch
	// spans at most downloadFlushEvery, which is fine for cache retention.
	at := time.Now()
	for k, n := range pending {
		// A version deleted since it was downloaded has no row to count on.
		if err := f.catalog.AddDownloads(ctx, k.space, k.kind, k.id, k.version, n, at); err != nil && !errors.Is(err, index.ErrNotFound) {
			f.log.Warn("record downloads", "id", k.id, "version", k.version, "err", err)
		}
		f.versions.drop(searchID{k.space, k.kind, k.id})
	}
}
