package migration

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/feedserver/feedserver/index"
)

// kinds are the package kinds a catalogue holds rows of.
var kinds = []index.Kind{index.KindNuGet, index.KindRaw}

// sourceEntries returns every package row of the source catalogue.
func (m *migration) sourceEntries(ctx context.Context) ([]index.Entry, error) {
	spaces, err := m.from.Catalog.Spaces(ctx)
	if err != nil {
		return nil, fmt.Errorf("read the source catalogue: %w", err)
	}
	var all []index.Entry
	for _, space := range spaces {
		for _, kind := range kinds {
			es, err := m.from.Catalog.AllEntries(ctx, space, kind)
			if err != nil {
				return nil, fmt.Errorf("read the source catalogue: %w", err)
			}
			all = append(all, es...)
		}
	}
	return all, nil
}

// copyPackages writes every package row of the source into dst (the target
// catalogue, or the source's own when only the store moves), with the file
// time of its blob in the target store.
func (m *migration) copyPackages(ctx context.Context, dst index.Catalog) error {
	entries, err := m.sourceEntries(ctx)
	if err != nil {
		return err
	}
	m.report.Packages.Source = int64(len(entries))
	p := m.startProgress("package rows", int64(len(entries)))
	var updated atomic.Int64
	err = parallel(ctx, m.opts.Workers, entries, func(ctx context.Context, e index.Entry) error {
		e = m.withTargetFile(e)
		outcome, err := putEntry(ctx, dst, e)
		if err != nil {
			return err
		}
		if dst != m.from.Catalog && e.Kind == index.KindNuGet {
			if err := copySymbols(ctx, m.from.Catalog, dst, e); err != nil {
				return err
			}
		}
		switch outcome {
		case copied:
			p.copied.Add(1)
		case same:
			p.same.Add(1)
		case updatedRow:
			updated.Add(1)
		}
		p.done.Add(1)
		return nil
	})
	p.end()
	m.report.Packages.Copied, m.report.Packages.Same, m.report.Packages.Updated = p.copied.Load(), p.same.Load(), updated.Load()
	if err != nil && ctx.Err() != nil {
		return interrupted("package rows", err)
	}
	return err
}

// copySymbols writes the symbol rows of e's version (the PDBs of its symbol
// package, whose blob the store copy moved under the same key) into dst,
// replacing what dst has for it.
func copySymbols(ctx context.Context, src, dst index.Catalog, e index.Entry) error {
	files, err := src.Symbols(ctx, e.Space, e.ID.Lower(), e.Version.String())
	if err != nil {
		return fmt.Errorf("read the symbols of %s %s: %w", e.ID, e.Version, err)
	}
	if len(files) == 0 {
		return nil
	}
	if err := dst.PutSymbols(ctx, e.Space, e.ID.Lower(), e.Version.String(), files); err != nil {
		return fmt.Errorf("write the symbols of %s %s: %w", e.ID, e.Version, err)
	}
	return nil
}

// withTargetFile is e with its blob's file time in the target store, when
// the blobs moved: the first re-index there then finds every row current.
func (m *migration) withTargetFile(e index.Entry) index.Entry {
	if t, ok := m.modTimes[e.BlobKey]; ok && e.BlobKey != "" {
		e.ModTime = t
	}
	return e
}

type outcome int

const (
	copied outcome = iota
	same
	updatedRow
)

// putEntry writes one row into dst: inserted when missing, left alone when
// identical, its listed flag, download count, times and deprecation brought
// in line with e when only those differ, refused when dst's row has another
// file.
func putEntry(ctx context.Context, dst index.Catalog, e index.Entry) (outcome, error) {
	have, err := dst.Get(ctx, e.Space, e.Kind, e.ID.Lower(), e.Version.String())
	if errors.Is(err, index.ErrNotFound) {
		if err := dst.Insert(ctx, e); err != nil {
			return 0, fmt.Errorf("write the row of %s: %w", describe(e), err)
		}
		if !e.LastDownload.IsZero() { // Insert leaves it out; only AddDownloads writes it
			if err := dst.AddDownloads(ctx, e.Space, e.Kind, e.ID.Lower(), e.Version.String(), 0, e.LastDownload); err != nil {
				return 0, fmt.Errorf("write the last download of %s: %w", describe(e), err)
			}
		}
		return copied, nil
	}
	if err != nil {
		return 0, fmt.Errorf("look up %s in the target catalogue: %w", describe(e), err)
	}
	if diff := fileDifference(have, e); diff != "" {
		return 0, fmt.Errorf("%w: the target catalogue already holds %s with a different %s: refusing to overwrite it", ErrMismatch, describe(e), diff)
	}
	if have.Listed == e.Listed && have.Downloads == e.Downloads && !e.LastDownload.After(have.LastDownload) && have.ModTime.Equal(e.ModTime) && have.Published.Equal(e.Published) &&
		have.Deprecation.Equal(e.Deprecation) {
		return same, nil
	}
	if have.Listed != e.Listed || !have.ModTime.Equal(e.ModTime) || !have.Published.Equal(e.Published) {
		if err := dst.Put(ctx, e); err != nil {
			return 0, fmt.Errorf("update the row of %s: %w", describe(e), err)
		}
	}
	if n := e.Downloads - have.Downloads; n != 0 || e.LastDownload.After(have.LastDownload) {
		if err := dst.AddDownloads(ctx, e.Space, e.Kind, e.ID.Lower(), e.Version.String(), n, e.LastDownload); err != nil {
			return 0, fmt.Errorf("update the download count of %s: %w", describe(e), err)
		}
	}
	if !have.Deprecation.Equal(e.Deprecation) {
		if err := dst.SetDeprecation(ctx, e.Space, e.Kind, e.ID.Lower(), []string{e.Version.String()}, e.Deprecation); err != nil {
			return 0, fmt.Errorf("update the deprecation of %s: %w", describe(e), err)
		}
	}
	return updatedRow, nil
}

// fileDifference names what tells two rows of one identity apart as files,
// or "" when both describe the same file.
func fileDifference(have, want index.Entry) string {
	switch {
	case have.BlobKey != want.BlobKey:
		return fmt.Sprintf("file (%q there, %q in the source)", have.BlobKey, want.BlobKey)
	case have.Size != want.Size:
		return fmt.Sprintf("size (%d there, %d in the source)", have.Size, want.Size)
	case have.SHA512 != want.SHA512 || have.SHA1 != want.SHA1 || have.SHA256 != want.SHA256:
		return "hash"
	}
	return ""
}

func describe(e index.Entry) string {
	return fmt.Sprintf("%s %s %s %s", e.Space, e.Kind, e.ID, e.Version.Original())
}

// copyGenericFiles writes every generic file row of the source into the
// target catalogue, and the mark that a complete re-index filled them.
func (m *migration) copyGenericFiles(ctx context.Context) error {
	files, err := genericFiles(ctx, m.from.Catalog)
	if err != nil {
		return fmt.Errorf("read the source catalogue: %w", err)
	}
	m.report.GenericFiles.Source = int64(len(files))
	p := m.startProgress("generic file rows", int64(len(files)))
	err = parallel(ctx, m.opts.Workers, files, func(ctx context.Context, g index.GenericFile) error {
		there, err := m.to.Catalog.GenericFiles(ctx, g.Owner, g.Name)
		if err != nil {
			return fmt.Errorf("look up generic package %s/%s in the target catalogue: %w", g.Owner, g.Name, err)
		}
		for _, h := range there {
			if h.RefKey != g.RefKey {
				continue
			}
			if h.SHA256 != g.SHA256 || h.Size != g.Size {
				return fmt.Errorf("%w: the target catalogue already holds the generic file %s with other content (SHA-256 %s there, %s in the source): refusing to overwrite it",
					ErrMismatch, g.RefKey, h.SHA256, g.SHA256)
			}
			p.same.Add(1)
			p.done.Add(1)
			return nil
		}
		if err := m.to.Catalog.PutGenericFile(ctx, g); err != nil {
			return fmt.Errorf("write the generic file row %s: %w", g.RefKey, err)
		}
		p.copied.Add(1)
		p.done.Add(1)
		return nil
	})
	p.end()
	m.report.GenericFiles.Copied, m.report.GenericFiles.Same = p.copied.Load(), p.same.Load()
	if err != nil {
		if ctx.Err() != nil {
			return interrupted("generic file rows", err)
		}
		return err
	}
	indexed, err := m.from.Catalog.GenericIndexed(ctx)
	if err != nil {
		return fmt.Errorf("read the source catalogue: %w", err)
	}
	if indexed {
		if err := m.to.Catalog.MarkGenericIndexed(ctx, time.Now()); err != nil {
			return fmt.Errorf("write the target catalogue: %w", err)
		}
	}
	return nil
}

// genericFiles returns every generic file row of c, package by package.
func genericFiles(ctx context.Context, c index.Catalog) ([]index.GenericFile, error) {
	const page = 500
	var out []index.GenericFile
	for skip := 0; ; skip += page {
		pkgs, total, err := c.GenericPackages(ctx, "", "", skip, page)
		if err != nil {
			return nil, err
		}
		for _, pkg := range pkgs {
			files, err := c.GenericFiles(ctx, pkg.Owner, pkg.Name)
			if err != nil {
				return nil, err
			}
			out = append(out, files...)
		}
		if len(pkgs) == 0 || skip+len(pkgs) >= total {
			return out, nil
		}
	}
}
