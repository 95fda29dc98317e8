package index

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/custom"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/keyword"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/standard"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/analysis/token/camelcase"
	"github.com/blevesearch/bleve/v2/analysis/token/edgengram"
	"github.com/blevesearch/bleve/v2/analysis/token/lowercase"
	"github.com/blevesearch/bleve/v2/analysis/tokenizer/regexp"
	"github.com/blevesearch/bleve/v2/analysis/tokenizer/single"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/mapping"
	bolterrors "go.etcd.io/bbolt/errors"
)

// mappingVersion is stored in the index; bump it whenever the mapping or the
// document shape changes, and OpenSearch will recreate the index and ask for a refill.
const mappingVersion = "2"

var mappingVersionKey = []byte("feedserver.mappingVersion")

// docType is the bleve type of a package document; the default mapping is disabled,
// so nothing else is ever indexed by accident.
const docType = "package"

// Analyzer names defined in the mapping.
const (
	analyzerID       = "nugetid"      // split on symbols and camel case, lowercase
	analyzerIDParts  = "nugetidparts" // split on symbols only, lowercase
	analyzerLowerKey = "lowerkeyword" // the whole value, lowercased
	tokenizerIDParts = "idparts"
	// The prefixes of the id and of its tokens, for autocomplete.
	analyzerIDPrefix      = "idprefix"
	analyzerIDTokenPrefix = "idtokenprefix"
	analyzerIDPartPrefix  = "idpartprefix"
	filterPrefixes        = "prefixes"
)

// maxPrefix is the longest prefix the prefix fields hold. Autocomplete
// looks up a typed prefix up to this long as one term; a longer one, which
// few ids share, as a prefix query over the id's terms.
const maxPrefix = 32

// Field names of the search document.
const (
	fView          = "view"          // space/kind/flag terms a query filters on, see viewTerms
	fID            = "id"            // nugetid tokens
	fIDCase        = "idcase"        // the id as spelt, for the hits (doc values only)
	fIDParts       = "idparts"       // "SQLitePCLRaw.core" -> sqlitepclraw, core
	fIDKey         = "idkey"         // the lowercased id, exact
	fIDPrefix      = "idprefix"      // the prefixes of idkey, up to maxPrefix
	fIDTokenPrefix = "idtokenprefix" // the prefixes of the id's tokens
	fIDPartPrefix  = "idpartprefix"  // the prefixes of the id's parts
	fTitle         = "title"
	fDescription   = "description"
	fSummary       = "summary"
	fTags          = "tags"
	fAuthors       = "authors"
	fVersions      = "versions"
	fPackageTypes  = "packageTypes"
	fPublished     = "published"
	fDownloads     = "downloads"
)

// The client views (prerelease × SemVer level), the last part of a view term.
const (
	stableSemVer1 = "stableSemVer1"
	anySemVer1    = "anySemVer1"
	stableSemVer2 = "stableSemVer2"
	anySemVer2    = "anySemVer2"
)

// searchDoc is what bleve indexes; json tags are the field names above.
type searchDoc struct {
	View          []string   `json:"view"`
	ID            string     `json:"id"`
	IDCase        string     `json:"idcase"`
	IDParts       string     `json:"idparts"`
	IDKey         string     `json:"idkey"`
	IDPrefix      string     `json:"idprefix"`
	IDTokenPrefix string     `json:"idtokenprefix"`
	IDPartPrefix  string     `json:"idpartprefix"`
	Title         string     `json:"title"`
	Description   string     `json:"description"`
	Summary       string     `json:"summary"`
	Tags          []string   `json:"tags"`
	Authors       []string   `json:"authors"`
	Versions      []string   `json:"versions"`
	PackageTypes  []string   `json:"packageTypes"`
	Published     *time.Time `json:"published,omitempty"` // nil when unknown: bleve rejects the zero time
	Downloads     string     `json:"downloads"`           // zero-padded, see sortableCount
}

// BleveType tells bleve which document mapping applies.
func (searchDoc) BleveType() string { return docType }

// Search is the full-text index of package ids: one document per (space, kind, id).
// It is a cache of the catalogue and can always be rebuilt from it.
//
// Batches return once bleve has applied them in memory, without waiting for the
// fsync of each segment (scorch's unsafe_batch): a push costs well under a
// millisecond here instead of one fsync. A crash can therefore lose the last
// documents; a "dirty" marker, written durably on open and removed durably on
// Close, tells the next OpenSearch to ask for a refill.
type Search struct {
	idx     bleve.Index
	hits    hitTable // what a hit needs besides its score, per document
	rebuilt bool
	dropped error // why an existing index could not be opened and was replaced
}

var dirtyKey = []byte("feedserver.dirty")

// OpenSearch opens the index in dir. When dir holds no index, an unreadable one,
// or one built with another mappingVersion, it creates a fresh empty index; when
// the index was not closed cleanly it keeps it. In all those cases Rebuilt
// reports true: the caller must refill the index from the catalogue (Rebuild).
// Dropped says why an unreadable index was replaced.
// searchLockWait is how long opening the search index waits for another
// process to let go of it before giving up with ErrLocked.
const searchLockWait = 3 * time.Second

// ErrLocked is a search index another process holds open.
var ErrLocked = errors.New("search index in use")

// A non-empty dir that is not a bleve index is refused rather than deleted.
func OpenSearch(dir string) (*Search, error) {
	config := map[string]any{
		"unsafe_batch": true,
		// The persister naps a quarter second to gather many small batches into
		// one write: one push at a time otherwise costs several fsyncs of
		// root.bolt that compete with the push's own. Unpersisted documents are
		// covered by the dirty marker like any crash.
		"scorchPersisterOptions": map[string]any{"PersisterNapTimeMSec": 250, "PersisterNapUnderNumFiles": 1000},
		// bolt waits for root.bolt's exclusive lock without end by default:
		// a second process on the folder then hung, deaf to SIGTERM.
		"bolt_timeout": searchLockWait.String(),
		// Fewer segments for a query to visit: every term of a query is
		// looked up in each segment's dictionary, and a search of two words
		// has nineteen terms. bleve's default (10 per tier) kept 5 segments
		// for 10,000 ids, 2 per tier keeps 3; docs/performance.md has the
		// measurements. Scores do not depend on how documents are split.
		"scorchMergePlanOptions": map[string]any{"MaxSegmentsPerTier": 2},
	}
	idx, err := bleve.OpenUsing(dir, config)
	if errors.Is(err, bolterrors.ErrTimeout) {
		// Held by another process: its index, never to be cleared here.
		return nil, fmt.Errorf("index: the search index %s is locked by another process (a feedserver on the same data folder?): %w", dir, ErrLocked)
	}
	var dropped error
	if err != nil && !errors.Is(err, bleve.ErrorIndexPathDoesNotExist) && !errors.Is(err, bleve.ErrorIndexMetaMissing) {
		dropped = err // garbage in root.bolt's header ends here, not in a panic
	}
	if err == nil {
		v, gerr := idx.GetInternal(mappingVersionKey)
		if gerr == nil && string(v) == mappingVersion {
			dirty, derr := idx.GetInternal(dirtyKey)
			s := &Search{idx: idx, rebuilt: derr != nil || len(dirty) > 0}
			if err := s.hits.load(idx); err != nil {
				// bleve opened it but cannot read its terms: a damaged
				// segment. The index is derived, so it is rebuilt
				// (OpenSearchChecked sets this one aside).
				idx.Close()
				return nil, fmt.Errorf("index: read search index %s: %w: %w", dir, ErrCorrupt, err)
			}
			if err := s.markDirty(true); err != nil {
				idx.Close()
				return nil, err
			}
			return s, nil
		}
		idx.Close()
	}
	if err := clearIndexDir(dir); err != nil {
		return nil, err
	}
	m, err := newMapping()
	if err != nil {
		return nil, fmt.Errorf("index: search mapping: %w", err)
	}
	idx, err = bleve.NewUsing(dir, m, scorch.Name, bleve.Config.DefaultKVStore, config)
	if err != nil {
		return nil, fmt.Errorf("index: create search index %s: %w", dir, err)
	}
	s := &Search{idx: idx, rebuilt: true, dropped: dropped}
	b := idx.NewBatch()
	b.SetInternal(mappingVersionKey, []byte(mappingVersion))
	b.SetInternal(dirtyKey, []byte("1"))
	if err := s.durable(b); err != nil {
		idx.Close()
		return nil, fmt.Errorf("index: create search index %s: %w", dir, err)
	}
	return s, nil
}

// markDirty sets or clears the unclean-shutdown marker and waits until it is on disk;
// scorch persists snapshots in order, so clearing it also flushes every earlier batch.
func (s *Search) markDirty(dirty bool) error {
	b := s.idx.NewBatch()
	if dirty {
		b.SetInternal(dirtyKey, []byte("1"))
	} else {
		b.DeleteInternal(dirtyKey)
	}
	if err := s.durable(b); err != nil {
		return fmt.Errorf("index: search index marker: %w", err)
	}
	return nil
}

// durable applies b and waits for it to be persisted.
func (s *Search) durable(b *bleve.Batch) error {
	done := make(chan error, 1)
	b.SetPersistedCallback(func(err error) { done <- err })
	if err := s.idx.Batch(b); err != nil {
		return err
	}
	return <-done
}

// clearIndexDir removes dir if it is absent, empty or a bleve index; anything
// else is a configuration mistake we must not destroy.
func clearIndexDir(dir string) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("index: search dir %s: %w", dir, err)
	}
	if len(entries) > 0 {
		if _, err := os.Stat(filepath.Join(dir, "index_meta.json")); err != nil {
			return fmt.Errorf("index: %s is not empty and holds no search index; refusing to delete it", dir)
		}
	}
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("index: remove old search index %s: %w", dir, err)
	}
	return nil
}

// Rebuilt reports whether OpenSearch started from an empty index that the
// caller must refill from the catalogue.
func (s *Search) Rebuilt() bool { return s.rebuilt }

// Dropped is why OpenSearch could not open the index it found and replaced
// it; nil when it opened it, or found none. The server logs it: the operator
// learns the index was damaged, though the re-index refills the new one.
func (s *Search) Dropped() error { return s.dropped }

// Close flushes the index to disk, marks it clean and closes it.
func (s *Search) Close() error {
	return errors.Join(s.markDirty(false), s.idx.Close())
}

// Count returns the number of documents (package ids).
func (s *Search) Count() (uint64, error) {
	n, err := s.idx.DocCount()
	if err != nil {
		return 0, fmt.Errorf("index: search count: %w", err)
	}
	return n, nil
}

func docID(space string, kind Kind, lowerID string) string {
	return space + "/" + string(kind) + "/" + lowerID
}

// Index adds or replaces the documents in one batch.
func (s *Search) Index(ctx context.Context, docs ...Doc) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	b := s.idx.NewBatch()
	for _, d := range docs {
		if err := b.Index(docID(d.Space, d.Kind, d.ID.Lower()), toSearchDoc(d)); err != nil {
			return fmt.Errorf("index: search document %s: %w", d.ID, err)
		}
	}
	s.hits.put(docs) // before: a query that finds a document finds its entry
	if err := s.idx.Batch(b); err != nil {
		return fmt.Errorf("index: search batch: %w", err)
	}
	return nil
}

// Remove deletes the document of one id; removing an absent id is not an error.
func (s *Search) Remove(ctx context.Context, space string, kind Kind, id string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	key := docID(space, kind, strings.ToLower(id))
	if err := s.idx.Delete(key); err != nil {
		return fmt.Errorf("index: search remove %s: %w", key, err)
	}
	s.hits.drop(key)
	return nil
}

func toSearchDoc(d Doc) searchDoc {
	sd := searchDoc{
		View:          viewTerms(d),
		ID:            string(d.ID),
		IDCase:        string(d.ID),
		IDParts:       string(d.ID),
		IDKey:         d.ID.Lower(),
		IDPrefix:      d.ID.Lower(),
		IDTokenPrefix: string(d.ID),
		IDPartPrefix:  string(d.ID),
		Title:         d.Title,
		Description:   d.Description,
		Summary:       d.Summary,
		Tags:          d.Tags,
		Authors:       d.Authors,
		PackageTypes:  d.PackageTypes,
		Downloads:     sortableCount(d.Downloads),
	}
	for _, v := range d.Versions {
		sd.Versions = append(sd.Versions, strings.ToLower(v))
	}
	if !d.Published.IsZero() {
		p := d.Published
		sd.Published = &p
	}
	return sd
}

// viewTerms are the filter terms of a document: one per client view that
// sees it (viewField), for its space and kind, for any space ("*") and for
// any kind. A query's filter is then one term (filter, in query.go)
// instead of a conjunction of three that each match nearly every document:
// that conjunction was a third of the CPU of a query with many hits.
func viewTerms(d Doc) []string {
	var out []string
	for _, v := range []struct {
		has  bool
		name string
	}{
		{d.HasStableSemVer1, stableSemVer1}, {d.HasAnySemVer1, anySemVer1},
		{d.HasStableSemVer2, stableSemVer2}, {d.HasAnySemVer2, anySemVer2},
	} {
		if !v.has {
			continue
		}
		for _, space := range []string{d.Space, anyView} {
			for _, kind := range []string{string(d.Kind), anyView} {
				out = append(out, viewTerm(space, kind, v.name))
			}
		}
	}
	return out
}

// anyView stands for every space or every kind in a view term.
const anyView = "*"

func viewTerm(space, kind, flag string) string {
	return space + "/" + kind + "/" + flag
}

// sortableCount writes a count as a fixed-width decimal, so byte order is numeric
// order. We only ever sort on downloads, and one keyword term per document is
// several times cheaper to sort on than a numeric field's prefix-coded terms.
func sortableCount(n int64) string {
	return fmt.Sprintf("%019d", max(n, 0))
}

func newMapping() (*mapping.IndexMappingImpl, error) {
	m := bleve.NewIndexMapping()
	// Runs of letters and digits; everything else (. - _ and the rest) separates.
	if err := m.AddCustomTokenizer(tokenizerIDParts, map[string]any{
		"type":   regexp.Name,
		"regexp": `[\p{L}\p{N}]+`,
	}); err != nil {
		return nil, err
	}
	if err := m.AddCustomAnalyzer(analyzerID, map[string]any{
		"type":          custom.Name,
		"tokenizer":     tokenizerIDParts,
		"token_filters": []string{camelcase.Name, lowercase.Name},
	}); err != nil {
		return nil, err
	}
	if err := m.AddCustomAnalyzer(analyzerIDParts, map[string]any{
		"type":          custom.Name,
		"tokenizer":     tokenizerIDParts,
		"token_filters": []string{lowercase.Name},
	}); err != nil {
		return nil, err
	}
	if err := m.AddCustomAnalyzer(analyzerLowerKey, map[string]any{
		"type":          custom.Name,
		"tokenizer":     single.Name,
		"token_filters": []string{lowercase.Name},
	}); err != nil {
		return nil, err
	}
	// Autocomplete's prefixes as terms: one term lookup instead of a prefix
	// query, which makes a searcher for every term it expands to ("acm" had
	// hundreds), in every segment; that was most of an autocomplete (issue 23).
	// Stored ids are ASCII (nuget.ID.CheckStorable), so the filter's runes
	// are the bytes a prefix query compares.
	if err := m.AddCustomTokenFilter(filterPrefixes, map[string]any{
		"type": edgengram.Name, "min": 1.0, "max": float64(maxPrefix),
	}); err != nil {
		return nil, err
	}
	for name, a := range map[string]struct {
		tokenizer string
		filters   []string
	}{
		analyzerIDPrefix:      {single.Name, []string{filterPrefixes}},
		analyzerIDTokenPrefix: {tokenizerIDParts, []string{camelcase.Name, lowercase.Name, filterPrefixes}},
		analyzerIDPartPrefix:  {tokenizerIDParts, []string{lowercase.Name, filterPrefixes}},
	} {
		if err := m.AddCustomAnalyzer(name, map[string]any{
			"type": custom.Name, "tokenizer": a.tokenizer, "token_filters": a.filters,
		}); err != nil {
			return nil, err
		}
	}

	// Prose and ids keep term vectors: phrase queries ("quoted text") need positions.
	text := func(analyzer string, store bool) *mapping.FieldMapping {
		f := bleve.NewTextFieldMapping()
		f.Analyzer = analyzer
		f.Store = store
		f.IncludeInAll = false
		f.IncludeTermVectors = true
		f.DocValues = false
		return f
	}
	// Exact fields: stored where a hit needs them, doc values where we sort on them.
	exact := func(analyzer string, store, docValues bool) *mapping.FieldMapping {
		f := text(analyzer, store)
		f.IncludeTermVectors = false
		f.DocValues = docValues
		return f
	}

	dm := bleve.NewDocumentStaticMapping()
	// Nothing is stored: a hit's space and kind are in its bleve id, its id
	// as spelt and its downloads in the hit table (hittable.go), which is
	// filled from the doc values when the index is opened.
	dm.AddFieldMappingsAt(fView, exact(keyword.Name, false, false))
	dm.AddFieldMappingsAt(fID, text(analyzerID, false))
	dm.AddFieldMappingsAt(fIDCase, exact(keyword.Name, false, true))
	dm.AddFieldMappingsAt(fIDParts, exact(analyzerIDParts, false, false))
	dm.AddFieldMappingsAt(fIDKey, exact(keyword.Name, false, true))
	dm.AddFieldMappingsAt(fIDPrefix, exact(analyzerIDPrefix, false, false))
	dm.AddFieldMappingsAt(fIDTokenPrefix, exact(analyzerIDTokenPrefix, false, false))
	dm.AddFieldMappingsAt(fIDPartPrefix, exact(analyzerIDPartPrefix, false, false))
	dm.AddFieldMappingsAt(fTitle, text(en.AnalyzerName, false))
	dm.AddFieldMappingsAt(fDescription, text(en.AnalyzerName, false))
	dm.AddFieldMappingsAt(fSummary, text(en.AnalyzerName, false))
	dm.AddFieldMappingsAt(fTags, exact(analyzerLowerKey, false, false))
	dm.AddFieldMappingsAt(fAuthors, text(standard.Name, false))
	dm.AddFieldMappingsAt(fVersions, exact(keyword.Name, false, false))
	dm.AddFieldMappingsAt(fPackageTypes, exact(analyzerLowerKey, false, false))
	published := bleve.NewDateTimeFieldMapping()
	published.Store, published.IncludeInAll = false, false
	dm.AddFieldMappingsAt(fPublished, published)
	dm.AddFieldMappingsAt(fDownloads, exact(keyword.Name, false, true))

	m.AddDocumentMapping(docType, dm)
	m.DefaultMapping = bleve.NewDocumentDisabledMapping()
	m.DefaultAnalyzer = standard.Name
	m.StoreDynamic = false
	m.IndexDynamic = false
	m.DocValuesDynamic = false
	return m, m.Validate()
}
