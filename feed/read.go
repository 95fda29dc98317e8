package feed

import (
	"context"
	"errors"
	"fmt"

	"github.com/feedserver/feedserver/index"
	"github.com/feedserver/feedserver/nuget"
	"github.com/feedserver/feedserver/storage"
)

// Get returns one package version; id and version match case-insensitively
// and the version in any spelling NuGet normalises to the same ("1.0" = "1.0.0").
func (f *Feed) Get(ctx context.Context, space string, kind index.Kind, id, version string) (index.Entry, error) {
	if err := checkLookup(id, version); err != nil {
		return index.Entry{}, err
	}
	space = CanonicalSpace(space)
	var e index.Entry
	var err error
	if m, ok := f.mirror(space); ok && kind == index.KindNuGet {
		e, err = f.mirroredGet(ctx, space, m, id, version)
	} else {
		e, err = f.catalog.Get(ctx, space, kind, id, version)
	}
	if errors.Is(err, index.ErrNotFound) {
		return index.Entry{}, fmt.Errorf("%w: package %s %s", ErrNotFound, id, version)
	}
	if err != nil {
		return index.Entry{}, fmt.Errorf("get %s %s: %w", id, version, err)
	}
	one := []index.Entry{e}
	f.addPendingDownloads(one)
	return one[0], nil
}

// Bounds of a look-up's id and version, checked before any work: no stored
// package has a longer one (nuget.MaxIDLength, nuget.MaxVersionText), and
// the catalogue and the error messages copy what they are given.
const (
	maxLookupID      = nuget.MaxIDLength
	maxLookupVersion = nuget.MaxVersionText
)

// checkLookup refuses an id or version no stored package can have: too long
// is a client mistake (ErrInvalid), an id outside ASCII is simply not found.
func checkLookup(id, version string) error {
	switch {
	case len(id) > maxLookupID:
		return errLookupTooLong("package id", maxLookupID)
	case len(version) > maxLookupVersion:
		return errLookupTooLong("version", maxLookupVersion)
	case !nuget.Findable(id):
		return fmt.Errorf("%w: no package has the id %q", ErrNotFound, id)
	}
	return nil
}

// errLookupTooLong is an ErrInvalid that reads "the package id is longer
// than 100 characters".
func errLookupTooLong(what string, limit int) error {
	return &nuget.FieldError{Field: what, Err: fmt.Errorf("is longer than %d characters", limit)}
}

// Versions returns every version of one id, listed or not, in ascending
// NuGet order; none is an empty slice, not an error.
func (f *Feed) Versions(ctx context.Context, space string, kind index.Kind, id string) ([]index.Entry, error) {
	if len(id) > maxLookupID {
		return nil, errLookupTooLong("package id", maxLookupID)
	}
	if !nuget.Findable(id) {
		return []index.Entry{}, nil // no stored id is spelt so; lowercasing could fold it into one (KELVIN SIGN)
	}
	space = CanonicalSpace(space)
	var vs []index.Entry
	var err error
	if m, ok := f.mirror(space); ok && kind == index.KindNuGet {
		vs, err = f.mirroredVersions(ctx, space, m, id)
	} else {
		vs, err = f.storedVersions(ctx, space, kind, id)
	}
	if err != nil {
		return nil, err
	}
	f.addPendingDownloads(vs)
	return vs, nil
}

// Open returns the stored file of a package version and its catalogue entry.
func (f *Feed) Open(ctx context.Context, space string, kind index.Kind, id, version string) (storage.Blob, index.Entry, error) {
	space = CanonicalSpace(space)
	e, err := f.Get(ctx, space, kind, id, version)
	if err != nil {
		return nil, index.Entry{}, err
	}
	if e.Kind == index.KindCached {
		m, _ := f.mirror(space)
		if e.BlobKey == "" { // described by the upstream, not stored yet
			return f.openCached(ctx, space, m, e)
		}
		f.metrics.mirror.packages.WithLabelValues(space, "hit").Inc()
	}
	b, err := f.store.Open(ctx, e.BlobKey)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, index.Entry{}, fmt.Errorf("%w: the file of %s %s is gone", ErrNotFound, id, version)
	}
	if err != nil {
		return nil, index.Entry{}, fmt.Errorf("open %s: %w", e.BlobKey, err)
	}
	return b, e, nil
}

// stored is Get for a change: a version only the upstream has (no file
// here) cannot be deleted or unlisted.
func (f *Feed) stored(ctx context.Context, space string, kind index.Kind, id, version string) (index.Entry, error) {
	e, err := f.Get(ctx, space, kind, id, version)
	if err == nil && e.BlobKey == "" {
		return index.Entry{}, fmt.Errorf("%w: %s %s is the upstream's, not stored here", ErrNotFound, id, version)
	}
	return e, err
}

// RecordDownload counts one download of a package version. Counts reach the
// catalogue within a second (see background.go); a crash loses at most that.
func (f *Feed) RecordDownload(ctx context.Context, e index.Entry) {
	f.countDownload(downloadKey{e.Space, e.Kind, e.ID.Lower(), e.Version.String()})
}

// Delete removes a package version: the file first, so a crash in between
// leaves a catalogue row the re-index drops rather than a file it re-adds.
func (f *Feed) Delete(ctx context.Context, space string, kind index.Kind, id, version string) (index.Entry, error) {
	space = CanonicalSpace(space)
	e, err := f.stored(ctx, space, kind, id, version)
	if err != nil {
		return index.Entry{}, err
	}
	kind = e.Kind // a mirrored space's cached package is deleted as one
	unlock := f.locks.Lock(lockKey(space, kind, e.ID, e.Version))
	defer unlock()
	if err := f.store.Delete(ctx, e.BlobKey); err != nil {
		return index.Entry{}, fmt.Errorf("delete %s: %w", e.BlobKey, err)
	}
	// The file is gone whatever happens next: no cache may keep listing it.
	defer f.changed(space, kind, e.ID.Lower())
	if err := f.catalog.Delete(ctx, space, kind, e.ID.Lower(), e.Version.String()); err != nil && !errors.Is(err, index.ErrNotFound) {
		return index.Entry{}, fmt.Errorf("uncatalogue %s %s: %w", e.ID, e.Version, err)
	}
	if kind == index.KindNuGet {
		f.removeSymbols(ctx, space, e) // a version's symbol package goes with it
	}
	f.queueSearch(searchID{space, kind, e.ID.Lower()})
	f.metrics.deletes.Inc()
	return e, nil
}

// SetListed unlists (false) or relists (true) a version: unlisted versions
// stay downloadable by exact version but leave search and "latest".
func (f *Feed) SetListed(ctx context.Context, space string, kind index.Kind, id, version string, listed bool) (index.Entry, error) {
	space = CanonicalSpace(space)
	e, err := f.stored(ctx, space, kind, id, version)
	if err != nil {
		return index.Entry{}, err
	}
	kind = e.Kind
	if err := f.catalog.SetListed(ctx, space, kind, e.ID.Lower(), e.Version.String(), listed); err != nil {
		return index.Entry{}, fmt.Errorf("set listed on %s %s: %w", e.ID, e.Version, err)
	}
	e.Listed = listed
	f.changed(space, kind, e.ID.Lower())
	f.queueSearch(searchID{space, kind, e.ID.Lower()})
	return e, nil
}

// Search finds package ids; the caller reads their versions with Versions.
func (f *Feed) Search(ctx context.Context, q index.Query) (index.Result, error) {
	if err := checkQueryText(q.Text); err != nil {
		return index.Result{}, err
	}
	if err := f.searchBarrier(ctx); err != nil {
		f.log.Error("update search index before a query", "err", err)
	}
	r, err := f.search.Query(ctx, q)
	if err != nil {
		return index.Result{}, fmt.Errorf("search %q: %w", q.Text, err)
	}
	return r, nil
}

// Autocomplete finds package ids by prefix.
func (f *Feed) Autocomplete(ctx context.Context, q index.Query) (index.Result, error) {
	if err := checkQueryText(q.Text); err != nil {
		return index.Result{}, err
	}
	if err := f.searchBarrier(ctx); err != nil {
		f.log.Error("update search index before a query", "err", err)
	}
	r, err := f.search.Autocomplete(ctx, q)
	if err != nil {
		return index.Result{}, fmt.Errorf("autocomplete %q: %w", q.Text, err)
	}
	return r, nil
}

// checkQueryText refuses a search text longer than index.MaxQueryText
// before any search: an ErrInvalid, so every protocol answers 400.
func checkQueryText(text string) error {
	if len(text) > index.MaxQueryText {
		return errLookupTooLong("search text", index.MaxQueryText)
	}
	return nil
}
