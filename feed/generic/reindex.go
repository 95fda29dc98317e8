package generic

import (
	"context"
	"errors"
	"fmt"
	"path"
	"strings"
	"time"

	"github.com/feedserver/feedserver/storage"
)

// ReindexStats counts what one re-index did.
type ReindexStats struct {
	Seen       int64 // reference files found
	Indexed    int64 // catalogued (new or refreshed)
	Removed    int64 // catalogue rows whose reference file is gone
	Failed     int64 // reference files that could not be used; logged and skipped
	BlobsSwept int64 // unreferenced blobs deleted
	Duration   time.Duration
}

// Reindex rebuilds the registry's catalogue rows from the reference files on
// disk: every usable reference is (re)catalogued and rows whose file is gone
// are dropped. Then, unless a reference could not even be read (its blob is
// unknown, so no blob may be called unreferenced), the catalogue is marked
// complete, which enables blob collection on delete, and blobs no file refers
// to are deleted. A broken reference is logged and counted, never fatal.
// Reference files are a few hundred bytes, so they are simply all read.
// feed's Reindex runs it after the packages' own; it logs its figures.
func (r *Registry) Reindex(ctx context.Context) (ReindexStats, error) {
	st, err := r.reindex(ctx)
	if err != nil {
		r.log.Error("generic re-index failed", "err", err, "seen", st.Seen, "failed", st.Failed)
		return st, err
	}
	r.log.Info("generic re-index finished", "seen", st.Seen, "indexed", st.Indexed, "removed", st.Removed,
		"blobs_swept", st.BlobsSwept, "duration", st.Duration.Round(time.Millisecond).String())
	return st, nil
}

func (r *Registry) reindex(ctx context.Context) (ReindexStats, error) {
	unlock := r.locks.Lock(reindexLock)
	defer unlock()
	start := time.Now()
	var st ReindexStats
	seen := map[string]bool{}
	protected := map[string]bool{} // blobs of references that were read but not catalogued
	unreadable := 0

	for info, err := range r.store.List(ctx, strings.TrimSuffix(ownerPrefix, "/")) {
		if err != nil {
			st.Failed++
			unreadable++
			r.log.Error("generic re-index: cannot read part of the package directory", "err", err)
			continue
		}
		if ctx.Err() != nil {
			return st, ctx.Err()
		}
		if !strings.HasSuffix(info.Key, refSuffix) {
			r.log.Warn("generic re-index: ignoring a file that is not a reference", "key", info.Key)
			continue
		}
		st.Seen++
		sha, err := r.reindexRef(ctx, info.Key)
		if err != nil {
			st.Failed++
			if sha == "" {
				unreadable++
			} else {
				protected[sha] = true
			}
			r.log.Error("generic re-index: skipping a reference file", "key", info.Key, "err", err)
			continue
		}
		seen[info.Key] = true
		st.Indexed++
	}

	var stale []string
	for key, err := range r.catalog.GenericRefKeys(ctx) {
		if err != nil {
			return st, fmt.Errorf("generic re-index: read catalogue: %w", err)
		}
		if !seen[key] {
			stale = append(stale, key)
		}
	}
	for _, key := range stale {
		// Under the version's lock: a put that raced the walk must not lose its row.
		unlockVersion := r.locks.Lock(path.Dir(key))
		if _, err := r.store.Stat(ctx, key); errors.Is(err, storage.ErrNotFound) {
			if err := r.catalog.DeleteGenericFile(ctx, key); err == nil {
				st.Removed++
				r.log.Info("generic re-index: file gone, dropped from the catalogue", "key", key)
			}
		}
		unlockVersion()
	}

	if unreadable > 0 {
		r.log.Warn("generic re-index: some reference files could not be read; unreferenced blobs are kept until they are fixed or removed",
			"unreadable", unreadable)
		st.Duration = time.Since(start)
		return st, nil
	}
	if err := r.catalog.MarkGenericIndexed(ctx, time.Now()); err != nil {
		return st, err
	}
	for info, err := range r.store.List(ctx, strings.TrimSuffix(blobPrefix, "/")) {
		if err != nil {
			r.log.Warn("generic re-index: cannot read part of the blob folder", "err", err)
			continue
		}
		sha := path.Base(info.Key)
		if !sha256Re.MatchString(sha) || info.Key != blobKey(sha) || protected[sha] {
			continue
		}
		if r.sweepBlob(ctx, sha) {
			st.BlobsSwept++
		}
	}
	st.Duration = time.Since(start)
	return st, nil
}

// reindexRef catalogues one reference file if it is where its content says
// and its blob exists. sha is the blob it names, "" when it could not be read.
func (r *Registry) reindexRef(ctx context.Context, key string) (sha string, err error) {
	// Under the version's lock: a delete between reading and cataloguing must not be undone.
	unlock := r.locks.Lock(path.Dir(key))
	defer unlock()
	rf, err := r.readRef(ctx, key)
	if err != nil {
		return "", err
	}
	id, err := newFileID(rf.Owner, rf.Name, rf.Version, rf.FileName)
	if err != nil {
		return rf.SHA256, err
	}
	if id.refKey != key {
		return rf.SHA256, fmt.Errorf("it describes %s/%s/%s/%s, which belongs at %s", rf.Owner, rf.Name, rf.Version, rf.FileName, id.refKey)
	}
	info, err := r.store.Stat(ctx, blobKey(rf.SHA256))
	if err != nil {
		return rf.SHA256, fmt.Errorf("its content (blob %s): %w", rf.SHA256, err)
	}
	if info.Size != rf.Size {
		return rf.SHA256, fmt.Errorf("its content (blob %s) is %d bytes, the reference says %d", rf.SHA256, info.Size, rf.Size)
	}
	if err := r.catalog.PutGenericFile(ctx, rf.row(key)); err != nil {
		return rf.SHA256, err
	}
	return rf.SHA256, nil
}

// sweepBlob deletes one blob if no catalogued file refers to it.
func (r *Registry) sweepBlob(ctx context.Context, sha string) bool {
	unlock := r.locks.Lock(blobLock(sha))
	defer unlock()
	n, err := r.catalog.GenericBlobRefs(ctx, sha)
	if err != nil || n > 0 {
		return false
	}
	if err := r.store.Delete(ctx, blobKey(sha)); err != nil {
		r.log.Warn("generic re-index: delete unreferenced blob", "sha256", sha, "err", err)
		return false
	}
	r.log.Info("generic re-index: deleted an unreferenced blob", "sha256", sha)
	return true
}
