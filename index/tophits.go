package index

import (
	"container/heap"
	"fmt"
	"slices"
	"strings"

	"github.com/blevesearch/bleve/v2/search"
	bleveindex "github.com/blevesearch/bleve_index_api"
)

// topHits collects the page of a search in place of bleve's own collector
// (through bleve's search.MakeDocumentMatchHandlerKey). The ranking is the
// same — score (when byScore), downloads descending, lowercased id, then
// the order bleve met the documents in — but a document's downloads and id
// are looked up only when its score could put it on the page, and then in
// the hit table (hittable.go) rather than in bleve's doc values.
//
// Sorting on fields in bleve reads every matching document's sort values
// from the doc values and turns them into strings before it compares a
// single score: most of the CPU of a query that matched thousands of
// documents went there (issue 23). Here a document that scores below the
// worst of the page so far costs one comparison.
type topHits struct {
	n       int // skip+take: the hits to keep
	skip    int
	byScore bool
	table   *hitTable

	sctx  *search.SearchContext
	kept  candidates // a heap: the worst kept hit first
	spare []*candidate
	hits  []Hit
	dv    bleveindex.DocValueReader // for a document missing from table
}

// candidate is one hit that could be on the page.
type candidate struct {
	doc    string // bleve's id: space/kind/lowercased id
	info   hitInfo
	score  float64
	number uint64 // bleve's hit number: the order documents were met in
}

// handler is a search.MakeDocumentMatchHandler.
func (t *topHits) handler(sctx *search.SearchContext) (search.DocumentMatchHandler, bool, error) {
	t.sctx = sctx
	return t.collect, false, nil
}

// collect takes one matching document; nil means there are no more.
func (t *topHits) collect(d *search.DocumentMatch) error {
	if d == nil {
		return t.finish()
	}
	defer t.sctx.DocumentMatchPool.Put(d) // every hit is copied, never kept
	if t.n == 0 || len(t.kept) == t.n && t.byScore && d.Score < t.kept[0].score {
		return nil
	}
	c := t.candidate()
	c.score, c.number = d.Score, d.HitNumber
	if !t.byScore {
		c.score = 0 // bleve computed none
	}
	var err error
	if c.doc, err = t.sctx.IndexReader.ExternalID(d.IndexInternalID); err != nil {
		return err
	}
	if c.info, err = t.info(c.doc, d.IndexInternalID); err != nil {
		return err
	}
	switch {
	case len(t.kept) < t.n:
		heap.Push(&t.kept, c)
	case c.before(t.kept[0]):
		t.spare = append(t.spare, t.kept[0])
		t.kept[0] = c
		heap.Fix(&t.kept, 0)
	default:
		t.spare = append(t.spare, c)
	}
	return nil
}

// info is a document's entry in the hit table, or else its doc values.
func (t *topHits) info(doc string, internal bleveindex.IndexInternalID) (hitInfo, error) {
	if h, ok := t.table.get(doc); ok {
		return h, nil
	}
	if t.dv == nil {
		var err error
		if t.dv, err = t.sctx.IndexReader.DocValueReader([]string{fIDCase, fDownloads}); err != nil {
			return hitInfo{}, err
		}
	}
	return readHitInfo(t.dv, internal)
}

func (t *topHits) candidate() *candidate {
	if n := len(t.spare); n > 0 {
		c := t.spare[n-1]
		t.spare = t.spare[:n-1]
		return c
	}
	return new(candidate)
}

// finish ranks what was kept and drops the skipped hits.
func (t *topHits) finish() error {
	page := slices.Clone(t.kept)
	slices.SortFunc(page, func(a, b *candidate) int {
		if a.before(b) {
			return -1
		}
		return 1 // no two candidates tie: hit numbers differ
	})
	if t.skip >= len(page) {
		return nil
	}
	page = page[t.skip:]
	t.hits = make([]Hit, len(page))
	for i, c := range page {
		space, kind, _, ok := splitDocID(c.doc)
		if !ok {
			return fmt.Errorf("index: a document id %q not made by docID", c.doc)
		}
		t.hits[i] = Hit{Space: space, Kind: kind, ID: c.info.id}
	}
	return nil
}

// before reports whether a ranks before b: higher score, more downloads,
// lower id, met first. (Scores are all zero unless the search ranks by them.)
func (a *candidate) before(b *candidate) bool {
	if a.score != b.score {
		return a.score > b.score
	}
	if a.info.downloads != b.info.downloads {
		return a.info.downloads > b.info.downloads
	}
	if x, y := lowerID(a.doc), lowerID(b.doc); x != y {
		return x < y
	}
	return a.number < b.number
}

// lowerID is the last part of a document id.
func lowerID(doc string) string { return doc[strings.LastIndexByte(doc, '/')+1:] }

// candidates is a heap whose first element ranks last.
type candidates []*candidate

func (h candidates) Len() int           { return len(h) }
func (h candidates) Less(i, j int) bool { return h[j].before(h[i]) }
func (h candidates) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *candidates) Push(x any)        { *h = append(*h, x.(*candidate)) }
func (h *candidates) Pop() any {
	old := *h
	c := old[len(old)-1]
	*h = old[:len(old)-1]
	return c
}
