package index

import (
	"context"

	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
	"github.com/blevesearch/bleve/v2/search/searcher"
	bleveindex "github.com/blevesearch/bleve_index_api"
)

// filtered is a bleve query: what query matches (every document when it is
// nil), among the documents that have every one of some terms (a view
// term, a package type). It scores what query scores; the terms do not
// count.
//
// It stands for bleve's BooleanQuery.AddFilter, which checks each match
// against the filter through a searcher that allocates a match for every
// step and never returns it: with a view term that nearly every document
// has, that was a third of the CPU of a query with thousands of matches
// (issue 23). Here a step reuses one posting, and a term every document
// of the index has is not checked at all.
type filtered struct {
	query query.Query
	terms []fieldTerm
}

type fieldTerm struct{ field, term string }

// Searcher checks the matches of query's searcher against the terms.
//
// It used to be a BooleanQuery with the text as its one "must" and these
// terms as its filter. bleve scores such a query exactly as the text alone
// (the query norm is the same sum, and a conjunction of one scores its one
// part), so the text's searcher is used as it is, without the two layers
// that passed each match on.
func (q filtered) Searcher(ctx context.Context, r bleveindex.IndexReader, m mapping.IndexMapping, options search.SearcherOptions) (search.Searcher, error) {
	docs, err := r.DocCount()
	if err != nil {
		return nil, err
	}
	var readers []bleveindex.TermFieldReader
	closeAll := func() {
		for _, tr := range readers {
			_ = tr.Close()
		}
	}
	for _, t := range q.terms {
		tr, err := r.TermFieldReader(ctx, []byte(t.term), t.field, false, false, false)
		if err != nil {
			closeAll()
			return nil, err
		}
		if tr.Count() == docs {
			_ = tr.Close() // every document has it
			continue
		}
		readers = append(readers, tr)
	}
	inner, err := q.inner(ctx, r, m, options)
	if err != nil || len(readers) == 0 {
		closeAll()
		return inner, err
	}
	return &filterSearcher{Searcher: inner, readers: readers, at: make([]*bleveindex.TermFieldDoc, len(readers)), docs: make([]bleveindex.TermFieldDoc, len(readers))}, nil
}

// inner is query's searcher, or one of every document.
func (q filtered) inner(ctx context.Context, r bleveindex.IndexReader, m mapping.IndexMapping, options search.SearcherOptions) (search.Searcher, error) {
	if q.query == nil {
		return searcher.NewMatchAllSearcher(ctx, r, 1.0, options)
	}
	return q.query.Searcher(ctx, r, m, options)
}

// filterSearcher passes on the matches of its Searcher whose document has
// the term of every reader.
type filterSearcher struct {
	search.Searcher
	readers []bleveindex.TermFieldReader
	at      []*bleveindex.TermFieldDoc // where each reader stands; nil before the first step
	docs    []bleveindex.TermFieldDoc  // the postings at points into
	done    bool                       // a reader ran out: nothing more can match
}

func (f *filterSearcher) Next(sctx *search.SearchContext) (*search.DocumentMatch, error) {
	d, err := f.Searcher.Next(sctx)
	return f.first(sctx, d, err)
}

func (f *filterSearcher) Advance(sctx *search.SearchContext, id bleveindex.IndexInternalID) (*search.DocumentMatch, error) {
	d, err := f.Searcher.Advance(sctx, id)
	return f.first(sctx, d, err)
}

// first returns d or the first match after it that passes.
func (f *filterSearcher) first(sctx *search.SearchContext, d *search.DocumentMatch, err error) (*search.DocumentMatch, error) {
	for d != nil && err == nil {
		var ok bool
		if ok, err = f.accept(d.IndexInternalID); err != nil || ok {
			return d, err
		}
		sctx.DocumentMatchPool.Put(d)
		d, err = f.Searcher.Next(sctx)
	}
	return nil, err
}

func (f *filterSearcher) accept(id bleveindex.IndexInternalID) (bool, error) {
	if f.done {
		return false, nil
	}
	for i, tr := range f.readers {
		if f.at[i] == nil || f.at[i].ID.Compare(id) < 0 {
			at, err := tr.Advance(id, &f.docs[i])
			if err != nil {
				return false, err
			}
			if at == nil {
				f.done = true
				return false, nil
			}
			f.at[i] = at
		}
		if !f.at[i].ID.Equals(id) {
			return false, nil
		}
	}
	return true, nil
}

func (f *filterSearcher) Close() error {
	err := f.Searcher.Close()
	for _, tr := range f.readers {
		if cerr := tr.Close(); err == nil {
			err = cerr
		}
	}
	return err
}
