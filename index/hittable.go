package index

import (
	"fmt"
	"strconv"
	"sync"

	"github.com/blevesearch/bleve/v2"
	bleveindex "github.com/blevesearch/bleve_index_api"

	"github.com/feedserver/feedserver/nuget"
)

// hitTable holds, for every document of the index, what a hit needs besides
// its score and its bleve id (space/kind/lowercased id): the id as spelt and
// the download count it is ranked by. A page of hits is ranked and named
// from here, without reading bleve's doc values or stored fields.
//
// bleve keeps doc values in compressed chunks of 1,024 documents: reading
// one document's values decompresses its chunk, about 40 µs on the 2-core
// development machine, so the 20 hits of a page cost a millisecond that way
// and as much again for ranking the candidates (issue 23). A map lookup
// costs well under a microsecond. The table holds about 100 bytes per
// package id (1 MiB per 10,000 ids) and is part of the index's memory, not
// of any cache: it is never evicted.
//
// It follows the index: entries are written before a batch adds their
// documents and dropped after a batch removes them, so a query always finds
// the entry of a document it matches. A query that runs while a document is
// updated may rank it by its new download count; topHits reads the doc
// values of a document that has no entry.
type hitTable struct {
	mu    sync.RWMutex
	byDoc map[string]hitInfo // by bleve document id
}

type hitInfo struct {
	id        nuget.ID // as spelt
	downloads int64    // the document's, as ranked: never negative
}

func (t *hitTable) get(docID string) (hitInfo, bool) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	h, ok := t.byDoc[docID]
	return h, ok
}

// put writes the entries of docs; call it before indexing them.
func (t *hitTable) put(docs []Doc) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.byDoc == nil {
		t.byDoc = make(map[string]hitInfo, len(docs))
	}
	for _, d := range docs {
		t.byDoc[docID(d.Space, d.Kind, d.ID.Lower())] = hitInfo{id: d.ID, downloads: max(d.Downloads, 0)}
	}
}

// drop removes entries; call it after removing their documents.
func (t *hitTable) drop(docIDs ...string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, id := range docIDs {
		delete(t.byDoc, id)
	}
}

// load fills the table from an index opened from disk: one pass over the
// doc values of every document, in index order (each chunk decompressed
// once), about a second per 100,000 ids.
func (t *hitTable) load(idx bleve.Index) error {
	adv, err := idx.Advanced()
	if err != nil {
		return err
	}
	r, err := adv.Reader()
	if err != nil {
		return err
	}
	defer r.Close()
	all, err := r.DocIDReaderAll()
	if err != nil {
		return err
	}
	defer all.Close()
	dv, err := r.DocValueReader([]string{fIDCase, fDownloads})
	if err != nil {
		return err
	}
	byDoc := make(map[string]hitInfo)
	for {
		internal, err := all.Next()
		if err != nil {
			return err
		}
		if internal == nil {
			break
		}
		info, err := readHitInfo(dv, internal)
		if err != nil {
			return err
		}
		ext, err := r.ExternalID(internal)
		if err != nil {
			return err
		}
		byDoc[ext] = info
	}
	t.mu.Lock()
	t.byDoc = byDoc
	t.mu.Unlock()
	return nil
}

// readHitInfo reads one document's entry from its doc values.
func readHitInfo(dv bleveindex.DocValueReader, internal bleveindex.IndexInternalID) (hitInfo, error) {
	var h hitInfo
	var bad error
	err := dv.VisitDocValues(internal, func(field string, term []byte) {
		switch field {
		case fIDCase:
			h.id = nuget.ID(term)
		case fDownloads:
			n, err := strconv.ParseInt(string(term), 10, 64)
			if err != nil {
				bad = fmt.Errorf("index: downloads %q: %w", term, err)
			}
			h.downloads = n
		}
	})
	if err == nil {
		err = bad
	}
	return h, err
}
