package feed

import (
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"path"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/feedserver/feedserver/feed/internal/spool"
	"github.com/feedserver/feedserver/index"
	"github.com/feedserver/feedserver/nuget"
	"github.com/feedserver/feedserver/storage"
)

// ReindexStats counts what one re-index did.
type ReindexStats struct {
	Seen      int64 // package files found in the directory
	Unchanged int64 // skipped: size and modification time match the catalogue
	Added     int64 // read and catalogued (new or changed)
	Moved     int64 // hand-dropped files moved to their canonical key
	Removed   int64 // catalogue rows whose file is gone
	Failed    int64 // files that could not be read; logged and skipped
	Duration  time.Duration
}

// ReindexState is what the health endpoint and the web page show.
type ReindexState struct {
	Running  bool
	Runs     int          // finished runs since start
	Started  time.Time    // of the current or last run
	Progress ReindexStats // live counters of the current run, or the last run's
	Err      string       // the last run's error, if any
}

type stateBox struct {
	mu sync.Mutex
	s  ReindexState
}

// State reports the current or last re-index: this process's, or, when
// other processes share the catalogue, the group's (replicas.go).
func (f *Feed) State() ReindexState {
	if f.opts.Cluster != nil {
		return f.groupState()
	}
	return f.localState()
}

// localState is the current or last re-index of this process.
func (f *Feed) localState() ReindexState {
	f.state.mu.Lock()
	defer f.state.mu.Unlock()
	return f.state.s
}

// catalogComplete reports that the last re-index finished without an error
// and without a file it could not read, so every file on disk then is
// catalogued and a push need not look on disk for one the catalogue lacks.
// (A file dropped in by hand later waits for the next re-index, as it would
// anyway.)
func (f *Feed) catalogComplete() bool {
	if f.opts.Cluster != nil {
		// Another process may run the re-index. A file the catalogue lacks
		// still never gets overwritten: a new version's file is committed
		// create-only, and the push that finds one catalogues it (winner).
		return true
	}
	f.state.mu.Lock()
	defer f.state.mu.Unlock()
	s := f.state.s
	return !s.Running && s.Runs > 0 && s.Err == "" && s.Progress.Failed == 0
}

// liveStats is ReindexStats updated by many workers.
type liveStats struct {
	seen, unchanged, added, moved, removed, failed atomic.Int64
}

func (l *liveStats) snapshot() ReindexStats {
	return ReindexStats{
		Seen: l.seen.Load(), Unchanged: l.unchanged.Load(), Added: l.added.Load(), Moved: l.moved.Load(),
		Removed: l.removed.Load(), Failed: l.failed.Load(),
	}
}

// Reindex brings the catalogue and the search index in line with the package
// directory. It walks the directory and the catalogue's rows together, both in
// key order (a merge join, so memory does not grow with the feed), skips files
// whose size and modification time match their row, reads the others on
// parallel workers, and drops rows whose file is gone. Versions of one id are
// contiguous in key order, so each id's search document is rebuilt once, when
// the walk has passed it. A broken file is logged and counted, never fatal;
// a store that stops answering (storage.ErrUnavailable) ends the walk with
// an error, and a row is only dropped when the store says its file is gone.
// Temporary leftovers are the store's to sweep, once, before serving (a sweep
// here would walk the whole tree a second time).
//
// When other processes share the catalogue and the store (Options.Cluster),
// the re-index is a job of the group: Reindex asks for it, runs it here
// unless another process runs background work, and otherwise waits until
// the job is done (replicas.go).
func (f *Feed) Reindex(ctx context.Context) (ReindexStats, error) {
	if f.opts.Cluster != nil {
		return f.reindexJob(ctx)
	}
	return f.reindexHere(ctx)
}

// reindexHere re-indexes in this process.
func (f *Feed) reindexHere(ctx context.Context) (ReindexStats, error) {
	f.reindexMu.Lock()
	defer f.reindexMu.Unlock()

	start := time.Now()
	live := &liveStats{}
	f.state.mu.Lock()
	f.state.s.Running, f.state.s.Started, f.state.s.Err = true, start, ""
	f.state.mu.Unlock()
	f.metrics.reindexRunning.Set(1)

	stopProgress := f.logProgress(live)
	err := f.reindex(ctx, live)
	_, genericErr := f.generic.Reindex(ctx) // generic packages: feed/generic
	err = errors.Join(err, genericErr)
	stopProgress()

	stats := live.snapshot()
	stats.Duration = time.Since(start)
	f.metrics.reindexRunning.Set(0)
	f.metrics.reindexDuration.Set(stats.Duration.Seconds())
	f.state.mu.Lock()
	f.state.s.Running = false
	f.state.s.Runs++
	f.state.s.Progress = stats
	if err != nil {
		f.state.s.Err = err.Error()
	}
	f.state.mu.Unlock()
	if err != nil {
		f.log.Error("re-index failed", "err", err, "seen", stats.Seen, "added", stats.Added, "removed", stats.Removed, "failed", stats.Failed)
		return stats, err
	}
	f.metrics.reindexLastSuccess.SetToCurrentTime()
	f.log.Info("re-index finished", "seen", stats.Seen, "unchanged", stats.Unchanged, "added", stats.Added,
		"moved", stats.Moved, "removed", stats.Removed, "failed", stats.Failed,
		"duration", stats.Duration.Round(time.Millisecond).String())
	return stats, nil
}

// logProgress logs the counters every few seconds while a long re-index runs.
func (f *Feed) logProgress(live *liveStats) (stop func()) {
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(5 * time.Second)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				s := live.snapshot()
				f.log.Info("re-index progress", "seen", s.Seen, "unchanged", s.Unchanged, "added", s.Added, "removed", s.Removed, "failed", s.Failed)
				f.state.mu.Lock()
				f.state.s.Progress = s
				f.state.mu.Unlock()
			}
		}
	}()
	return func() { close(done) }
}

// group is the work on one package id: its files are read by workers and its
// search document is rebuilt when all of them are done.
type group struct {
	name string
	wg   sync.WaitGroup
	mu   sync.Mutex
	ids  map[searchID]bool // ids whose search document must be rebuilt
}

type searchID struct {
	space string
	kind  index.Kind
	id    string // lower
}

func (g *group) touch(s searchID) {
	g.mu.Lock()
	if g.ids == nil {
		g.ids = make(map[searchID]bool)
	}
	g.ids[s] = true
	g.mu.Unlock()
}

func (f *Feed) reindex(ctx context.Context, live *liveStats) error {
	_, versionsBefore, err := f.catalog.Counts(ctx)
	if err != nil {
		return fmt.Errorf("count catalogue: %w", err)
	}
	// A new catalogue or a rebuilt search index means every search document is
	// suspect: rebuild them all at the end instead of id by id. Not when
	// other processes share the catalogue: each follows its change log, which
	// this re-index's writes reach, and rebuilds its own index (follow.go).
	fullSearch := f.opts.Cluster == nil && (versionsBefore == 0 || f.search.Rebuilt())

	workers := f.opts.Workers
	if workers <= 0 {
		workers = 2 * runtime.GOMAXPROCS(0)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	type job struct {
		info storage.Info
		g    *group
	}
	jobs := make(chan job, 4*workers)
	var workersWG sync.WaitGroup
	for range workers {
		workersWG.Add(1)
		go func() {
			defer workersWG.Done()
			for j := range jobs {
				e, moved, err := f.indexFileLocked(ctx, j.info)
				switch {
				case errors.Is(err, errSkip):
				case err != nil:
					live.failed.Add(1)
					f.metrics.reindexFailed.Inc()
					f.log.Error("re-index: skipping unreadable package file", "key", j.info.Key, "err", err)
				default:
					live.added.Add(1)
					f.metrics.reindexAdded.Inc()
					if moved {
						live.moved.Add(1)
					}
					j.g.touch(searchID{e.Space, e.Kind, e.ID.Lower()})
				}
				j.g.wg.Done()
			}
		}()
	}

	// A finished group queues its ids for the background search flusher,
	// which indexes them in batches while the walk goes on.
	var finishers sync.WaitGroup
	finishSem := make(chan struct{}, 2*workers) // bounds the groups in flight
	finish := func(g *group) {
		if g == nil {
			return
		}
		finishSem <- struct{}{}
		finishers.Add(1)
		go func() {
			defer func() { <-finishSem; finishers.Done() }()
			g.wg.Wait()
			if fullSearch {
				return // rebuilt whole at the end
			}
			for s := range g.ids {
				f.queueSearch(s)
			}
		}()
	}

	const ahead = 4096 // items each reader may run ahead of the merge
	nextRow, stopRows := iter.Pull2(prefetch(ctx, f.catalog.Files(ctx), ahead))
	defer stopRows()
	row, rowErr, rowOK := nextRow()
	var current *group
	groupOf := func(key string) *group {
		name := key
		if ki, ok := parseKey(key); ok {
			name = ki.group
		}
		if current == nil || current.name != name {
			finish(current)
			current = &group{name: name}
		}
		return current
	}
	removeRow := func(key string) {
		g := groupOf(key)
		if s, ok := f.removeIfGone(ctx, key); ok {
			live.removed.Add(1)
			f.metrics.reindexRemoved.Inc()
			g.touch(s)
		}
	}

	var walkErr error
	var symbolFiles []string
	for info, err := range prefetch(ctx, f.store.List(ctx, ""), ahead) {
		if errors.Is(err, storage.ErrUnavailable) {
			// The store stopped answering: what the walk has not seen yet
			// is not gone, so no row may be dropped for it.
			walkErr = fmt.Errorf("list the package store: %w", err)
			break
		}
		if err != nil {
			// An unreadable directory: log it and walk on.
			live.failed.Add(1)
			f.metrics.reindexFailed.Inc()
			f.log.Error("re-index: cannot read part of the package directory", "err", err)
			continue
		}
		if ctx.Err() != nil {
			walkErr = ctx.Err()
			break
		}
		if _, ok := parseKey(info.Key); !ok {
			if _, ok := parseSymbolsKey(info.Key); ok {
				symbolFiles = append(symbolFiles, info.Key) // catalogued after their packages
			}
			continue // generic packages and foreign files have their own owners
		}
		for rowOK && rowErr == nil && row.BlobKey < info.Key {
			removeRow(row.BlobKey)
			row, rowErr, rowOK = nextRow()
		}
		if rowErr != nil {
			walkErr = fmt.Errorf("read catalogue: %w", rowErr)
			break
		}
		live.seen.Add(1)
		f.metrics.reindexSeen.Inc()
		g := groupOf(info.Key)
		if rowOK && row.BlobKey == info.Key {
			same := row.Size == info.Size && row.ModTime.Equal(info.ModTime)
			row, rowErr, rowOK = nextRow()
			if same {
				live.unchanged.Add(1)
				continue
			}
		}
		// A file without a row is catalogued however young: a push in
		// another process may be about to insert that row, and its insert
		// then finds ours describing its own file and answers as if it had
		// written it (push.go, catalogue).
		g.wg.Add(1)
		jobs <- job{info: info, g: g}
	}
	for walkErr == nil && rowOK && rowErr == nil {
		removeRow(row.BlobKey)
		row, rowErr, rowOK = nextRow()
	}
	if walkErr == nil && rowErr != nil {
		walkErr = fmt.Errorf("read catalogue: %w", rowErr)
	}
	finish(current)
	close(jobs)
	workersWG.Wait()
	finishers.Wait()
	if walkErr != nil {
		return walkErr
	}
	f.reindexSymbols(ctx, symbolFiles, live)
	if fullSearch {
		if err := index.Rebuild(ctx, f.catalog, f.search); err != nil {
			return fmt.Errorf("rebuild search index: %w", err)
		}
		return nil
	}
	return f.flushSearch(ctx)
}

// errSkip marks a file that changed under the re-index; the push that changed it catalogues it.
var errSkip = errors.New("changed during re-index")

// removeIfGone drops the catalogue row of a file that is no longer on disk,
// under the lock of its identity so a concurrent push is never undone.
func (f *Feed) removeIfGone(ctx context.Context, key string) (searchID, bool) {
	row, err := f.catalog.EntryByBlobKey(ctx, key)
	if err != nil {
		if !errors.Is(err, index.ErrNotFound) {
			f.log.Error("re-index: look up catalogue row", "key", key, "err", err)
		}
		return searchID{}, false
	}
	unlock := f.locks.Lock(lockKey(row.Space, row.Kind, row.ID, row.Version))
	defer unlock()
	if _, err := f.store.Stat(ctx, key); !errors.Is(err, storage.ErrNotFound) {
		// There (a push put it back), or the store cannot say: keep the row.
		if err != nil {
			f.log.Error("re-index: look up a file the walk did not see", "key", key, "err", err)
		}
		return searchID{}, false
	}
	e, err := f.catalog.DeleteByBlobKey(ctx, key)
	if err != nil {
		if !errors.Is(err, index.ErrNotFound) {
			f.log.Error("re-index: drop catalogue row", "key", key, "err", err)
		}
		return searchID{}, false
	}
	if e.Kind == index.KindNuGet {
		// Its symbols are served no more; their file stays, as a symbol
		// package whose package is gone does (reindexSymbols).
		if err := f.catalog.DeleteSymbols(ctx, e.Space, e.ID.Lower(), e.Version.String()); err != nil {
			f.log.Error("re-index: drop the symbols of a package whose file is gone", "key", key, "err", err)
		}
	}
	f.changed(e.Space, e.Kind, e.ID.Lower())
	f.log.Info("re-index: file gone, dropped from the catalogue", "key", key, "id", e.ID, "version", e.Version.String())
	return searchID{e.Space, e.Kind, e.ID.Lower()}, true
}

// indexFileLocked reads one file and catalogues it under its identity's lock,
// unless the file changed since the walk saw it.
func (f *Feed) indexFileLocked(ctx context.Context, seen storage.Info) (index.Entry, bool, error) {
	e, canonical, err := f.readFile(ctx, seen.Key)
	if err != nil {
		return index.Entry{}, false, err
	}
	unlock := f.locks.Lock(lockKey(e.Space, e.Kind, e.ID, e.Version))
	defer unlock()
	now, err := f.store.Stat(ctx, seen.Key)
	if err != nil || now.Size != seen.Size || !now.ModTime.Equal(seen.ModTime) {
		return index.Entry{}, false, errSkip
	}
	e, err = f.commitRead(ctx, e, canonical)
	return e, canonical != seen.Key, err
}

// readFile opens a stored file and learns everything the catalogue keeps
// about it, and the key it belongs under.
func (f *Feed) readFile(ctx context.Context, key string) (index.Entry, string, error) {
	ki, ok := parseKey(key)
	if !ok {
		return index.Entry{}, "", fmt.Errorf("%s is not a package key", key)
	}
	b, err := f.store.Open(ctx, key)
	if err != nil {
		return index.Entry{}, "", err
	}
	defer b.Close()
	info := b.Info()
	sha512, sha1, sha256, size, err := spool.HashReader(b, packageHashes(ki.kind))
	if err != nil {
		return index.Entry{}, "", fmt.Errorf("read %s: %w", key, err)
	}
	e := index.Entry{
		Space: ki.space, Kind: ki.kind, Listed: true, Published: info.ModTime.UTC(),
		Size: size, SHA512: sha512, SHA1: sha1, SHA256: sha256, BlobKey: key, ModTime: info.ModTime,
	}
	var fileName string
	switch ki.kind {
	case index.KindNuGet, index.KindCached:
		ra, ok := b.(io.ReaderAt)
		if !ok {
			return index.Entry{}, "", fmt.Errorf("read %s: the store cannot read at offsets", key)
		}
		pkg, err := nuget.ReadPackage(ra, size, nuget.Limits{})
		if err != nil {
			return index.Entry{}, "", fmt.Errorf("read %s: %w", key, err)
		}
		if err := pkg.Manifest.Validate(); err != nil {
			return index.Entry{}, "", fmt.Errorf("read %s: %w", key, err)
		}
		e.ID, e.Version, e.Manifest, e.Extension = pkg.Manifest.ID, pkg.Manifest.Version, pkg.Manifest, ".nupkg"
	case index.KindRaw:
		a, err := nuget.ParseArchiveName(path.Base(key))
		if err != nil {
			return index.Entry{}, "", fmt.Errorf("read %s: %w", key, err)
		}
		e.ID, e.Version, e.Extension = a.ID, a.Version, a.Extension
		fileName = rawFileName(a)
	}
	if err := e.ID.CheckStorable(); err != nil {
		return index.Entry{}, "", fmt.Errorf("read %s: %w", key, err)
	}
	canonical := packageKey(e.Space, e.Kind, e.ID, e.Version, fileName)
	if key == earlierPackageKey(e.Space, e.Kind, e.ID, e.Version, fileName) {
		canonical = key // stored by the earlier layout: it stays
	}
	return e, canonical, nil
}

// commitRead moves a hand-dropped file to its canonical key if needed, keeps
// what only the catalogue knew about an older row, and writes the row.
func (f *Feed) commitRead(ctx context.Context, e index.Entry, canonical string) (index.Entry, error) {
	if canonical != e.BlobKey {
		if _, err := f.store.Stat(ctx, canonical); err == nil {
			return index.Entry{}, fmt.Errorf("%s is another copy of %s %s, which is already stored at %s; leaving it in place",
				e.BlobKey, e.ID, e.Version.Original(), canonical)
		}
		info, err := f.copyBlob(ctx, e.BlobKey, canonical)
		if err != nil {
			return index.Entry{}, err
		}
		if err := f.store.Delete(ctx, e.BlobKey); err != nil {
			return index.Entry{}, fmt.Errorf("remove %s after moving it: %w", e.BlobKey, err)
		}
		f.log.Info("re-index: moved a hand-dropped package to its place", "from", e.BlobKey, "to", canonical)
		e.BlobKey, e.ModTime, e.Published = canonical, info.ModTime, info.ModTime.UTC()
	}
	if old, err := f.catalog.Get(ctx, e.Space, e.Kind, e.ID.Lower(), e.Version.String()); err == nil {
		e.ID, e.Listed, e.Published, e.Downloads = old.ID, old.Listed, old.Published, old.Downloads
		if old.BlobKey != e.BlobKey {
			// Two files claim one version (say MyApp.1.0.zip and MyApp.1.0.0.zip): the catalogued one stays.
			return index.Entry{}, fmt.Errorf("%s is another file for %s %s, which is catalogued as %s", e.BlobKey, e.ID, e.Version.Original(), old.BlobKey)
		}
	}
	if err := f.catalog.Put(ctx, e); err != nil {
		return index.Entry{}, fmt.Errorf("catalogue %s: %w", e.BlobKey, err)
	}
	f.changed(e.Space, e.Kind, e.ID.Lower())
	return e, nil
}

func (f *Feed) copyBlob(ctx context.Context, from, to string) (storage.Info, error) {
	b, err := f.store.Open(ctx, from)
	if err != nil {
		return storage.Info{}, err
	}
	defer b.Close()
	info, err := f.store.Put(ctx, to, b)
	if err != nil {
		return storage.Info{}, fmt.Errorf("move %s to %s: %w", from, to, err)
	}
	return info, nil
}
