package index

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search/query"

	"github.com/feedserver/feedserver/nuget"
)

// rebuildBatch is how many ids Rebuild reads and indexes at a time; it bounds memory.
const rebuildBatch = 500

// DocFor builds the search document of one id from all its versions (any order).
// Text comes from the latest listed version, prerelease included; the view flags
// and Versions from the listed versions; Downloads sums every version. It reports
// false when no version is listed: the id must then not be in the index.
func DocFor(versions []Entry) (Doc, bool) {
	var latest *Entry
	var d Doc
	for i := range versions {
		e := &versions[i]
		d.Downloads += e.Downloads
		if !e.Listed {
			continue
		}
		if latest == nil || nuget.CompareVersions(e.Version, latest.Version) > 0 {
			latest = e
		}
		stable := !e.Version.IsPrerelease()
		semver2 := e.Version.IsSemVer2() || (e.Kind == KindNuGet && e.Manifest != nil && e.Manifest.IsSemVer2())
		d.HasAnySemVer2 = true
		d.HasStableSemVer2 = d.HasStableSemVer2 || stable
		if !semver2 {
			d.HasAnySemVer1 = true
			d.HasStableSemVer1 = d.HasStableSemVer1 || stable
		}
	}
	if latest == nil {
		return Doc{}, false
	}
	listed := make([]Entry, 0, len(versions))
	for _, e := range versions {
		if e.Listed {
			listed = append(listed, e)
		}
	}
	slices.SortFunc(listed, func(a, b Entry) int { return nuget.CompareVersions(a.Version, b.Version) })
	for _, e := range listed {
		d.Versions = append(d.Versions, e.Version.String())
	}

	d.Space, d.Kind, d.ID, d.Published = latest.Space, latest.Kind, latest.ID, latest.Published
	if m := latest.Manifest; m != nil {
		d.Title, d.Description, d.Summary = m.Title, m.Description, m.Summary
		d.Tags = slices.Clone(m.Tags)
		d.Authors = slices.Clone(m.Authors)
		for _, pt := range m.PackageTypes {
			d.PackageTypes = append(d.PackageTypes, pt.Name)
		}
		if len(d.PackageTypes) == 0 {
			d.PackageTypes = []string{"Dependency"} // NuGet's default when the nuspec names none
		}
	}
	return d, true
}

// Rebuild makes the search index match the catalogue: every id with a listed
// version is (re)indexed, and documents of ids that have none, or that the
// catalogue no longer knows, are removed. It works in batches of ids, so memory
// stays bounded whatever the size of the feed.
func Rebuild(ctx context.Context, c Catalog, s *Search) error {
	spaces, err := c.Spaces(ctx)
	if err != nil {
		return err
	}
	for _, space := range spaces {
		for _, kind := range []Kind{KindNuGet, KindRaw} {
			if err := s.rebuildKind(ctx, c, space, kind); err != nil {
				return err
			}
		}
	}
	return s.sweep(ctx, c)
}

// rebuildKind (re)indexes the ids of one space and kind, a batch at a time.
func (s *Search) rebuildKind(ctx context.Context, c Catalog, space string, kind Kind) error {
	after := ""
	for {
		ids, err := c.PackageIDs(ctx, space, kind, after, rebuildBatch)
		if err != nil {
			return err
		}
		if len(ids) == 0 {
			return nil
		}
		docs := make([]Doc, 0, len(ids))
		for _, id := range ids {
			versions, err := c.Versions(ctx, space, kind, id)
			if err != nil {
				return err
			}
			if d, ok := DocFor(versions); ok {
				docs = append(docs, d)
			} else if err := s.Remove(ctx, space, kind, id); err != nil {
				return err
			}
		}
		if err := s.Index(ctx, docs...); err != nil {
			return err
		}
		after = ids[len(ids)-1]
	}
}

// sweep removes the documents whose id has no listed version in the catalogue,
// walking the index in doc-id order with search-after paging.
func (s *Search) sweep(ctx context.Context, c Catalog) error {
	var after []string
	for {
		req := bleve.NewSearchRequestOptions(query.NewMatchAllQuery(), rebuildBatch, 0, false)
		req.SortBy([]string{"_id"})
		if after != nil {
			req.SearchAfter = after
		}
		res, err := s.idx.SearchInContext(ctx, req)
		if err != nil {
			return fmt.Errorf("index: sweep search index: %w", err)
		}
		if len(res.Hits) == 0 {
			return nil
		}
		b := s.idx.NewBatch()
		var gone []string
		for _, h := range res.Hits {
			keep := false
			if space, kind, id, ok := splitDocID(h.ID); ok {
				if keep, err = c.HasListed(ctx, space, kind, id); err != nil {
					return err
				}
			}
			if !keep {
				b.Delete(h.ID)
				gone = append(gone, h.ID)
			}
		}
		if b.Size() > 0 {
			if err := s.idx.Batch(b); err != nil {
				return fmt.Errorf("index: sweep search index: %w", err)
			}
			s.hits.drop(gone...)
		}
		after = []string{res.Hits[len(res.Hits)-1].ID}
	}
}

// splitDocID undoes docID; the id and kind never hold '/', so cut from the right.
func splitDocID(key string) (space string, kind Kind, lowerID string, ok bool) {
	i := strings.LastIndexByte(key, '/')
	if i < 0 {
		return "", "", "", false
	}
	j := strings.LastIndexByte(key[:i], '/')
	if j < 0 {
		return "", "", "", false
	}
	return key[:j], Kind(key[j+1 : i]), key[i+1:], true
}
