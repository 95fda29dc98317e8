package index

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"unicode"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"

	"github.com/feedserver/feedserver/nuget"
)

// Paging limits: nuget.org caps take at 1000; skip is capped so a client cannot
// make bleve collect an unbounded number of hits.
const (
	defaultTake = 20
	maxTake     = 1000
	maxSkip     = 100000
	// maxSubstring bounds the id: substring regexp; longer values match on tokens only.
	maxSubstring = 64
)

// Bounds of a query text, so a search costs bounded work whatever is typed
// (issue 17): MaxQueryText is checked by the caller before it searches
// (feed.Search answers a longer text as a client mistake); beyond
// maxClauses, words are ignored, as each costs a handful of bleve queries
// (and an id: clause a walk of the term dictionary).
const (
	MaxQueryText = 512
	maxClauses   = 32
)

// Boosts of the free-text clauses: an id match outweighs title and tags, which
// outweigh authors and prose; an exact id match outweighs everything.
const (
	boostExactQuery = 1000 // the whole query is the id
	boostExactTerm  = 20   // one term is the id
	boostIDToken    = 4
	boostTags       = 3
	boostTitle      = 2
	boostIDPrefix   = 1.5
	boostText       = 1
)

// clause is one part of a query text: a property (lowercased) and its value,
// or a free term when property is "".
type clause struct {
	property string
	value    string
	quoted   bool
}

// properties nuget.org understands that we can answer; anything else is ignored,
// as nuget.org does ("invalid:jquery ui" searches for "ui").
var knownProperties = map[string]bool{
	"id": true, "packageid": true, "version": true, "title": true, "tags": true, "tag": true,
	"author": true, "authors": true, "description": true, "summary": true,
}

// parseText splits a query text into clauses: words, "quoted phrases",
// property:value and property:"quoted value". Property names are case-insensitive.
func parseText(text string) []clause {
	rs := []rune(text)
	var out []clause
	i := 0
	for i < len(rs) && len(out) < maxClauses {
		for i < len(rs) && unicode.IsSpace(rs[i]) {
			i++
		}
		if i >= len(rs) {
			break
		}
		if rs[i] == '"' {
			var v string
			v, i = readQuoted(rs, i)
			out = appendClause(out, clause{value: v, quoted: true})
			continue
		}
		j := i
		for j < len(rs) && !unicode.IsSpace(rs[j]) && rs[j] != ':' && rs[j] != '"' {
			j++
		}
		if j < len(rs) && rs[j] == ':' && j > i {
			prop := strings.ToLower(string(rs[i:j]))
			i = j + 1
			c := clause{property: prop}
			if i < len(rs) && rs[i] == '"' {
				c.value, i = readQuoted(rs, i)
				c.quoted = true
			} else {
				k := i
				for k < len(rs) && !unicode.IsSpace(rs[k]) {
					k++
				}
				c.value, i = string(rs[i:k]), k
			}
			if knownProperties[prop] {
				out = appendClause(out, c)
			}
			continue
		}
		k := i
		for k < len(rs) && !unicode.IsSpace(rs[k]) && rs[k] != '"' {
			k++
		}
		if k == i { // a lone ':' or similar
			k++
		}
		out = appendClause(out, clause{value: string(rs[i:k])})
		i = k
	}
	return out
}

// readQuoted reads a "..." phrase starting at rs[i] == '"'; an unclosed quote runs to the end.
func readQuoted(rs []rune, i int) (string, int) {
	j := i + 1
	for j < len(rs) && rs[j] != '"' {
		j++
	}
	v := string(rs[i+1 : j])
	if j < len(rs) {
		j++
	}
	return v, j
}

func appendClause(out []clause, c clause) []clause {
	c.value = strings.TrimSpace(c.value)
	if c.value == "" || strings.Trim(c.value, ":") == "" {
		return out
	}
	return append(out, c)
}

// textQuery builds the bleve query for a query text; nil means "everything".
// Property clauses must all match; when there are free terms, at least one of
// them must match too, and more matching terms score higher.
func textQuery(text string) query.Query {
	clauses := parseText(text)
	var must []query.Query
	var free []query.Query
	for _, c := range clauses {
		if c.property == "" {
			free = append(free, freeTerm(c))
			continue
		}
		must = append(must, propertyQuery(c))
	}
	if len(free) > 0 {
		whole := strings.ToLower(strings.TrimSpace(text))
		free = append(free, term(fIDKey, whole, boostExactQuery))
		must = append(must, query.NewDisjunctionQuery(free))
	}
	switch len(must) {
	case 0:
		return nil
	case 1:
		return must[0]
	}
	return query.NewConjunctionQuery(must)
}

func freeTerm(c clause) query.Query {
	lower := strings.ToLower(c.value)
	qs := []query.Query{
		term(fIDKey, lower, boostExactTerm),
		term(fTags, lower, boostTags),
	}
	if c.quoted && strings.ContainsFunc(c.value, unicode.IsSpace) {
		qs = append(qs,
			phrase(fID, c.value, boostIDToken),
			phrase(fTitle, c.value, boostTitle),
			phrase(fAuthors, c.value, boostText),
			phrase(fDescription, c.value, boostText),
			phrase(fSummary, c.value, boostText),
		)
		return query.NewDisjunctionQuery(qs)
	}
	qs = append(qs,
		match(fID, c.value, boostIDToken, false),
		match(fIDParts, c.value, boostIDToken, false),
		match(fTitle, c.value, boostTitle, false),
		match(fAuthors, c.value, boostText, false),
		match(fDescription, c.value, boostText, false),
		match(fSummary, c.value, boostText, false),
	)
	// "sqlite" finds SQLitePCLRaw: camel case splits it into sq|lite, so also
	// match the start of each dot-separated part.
	if len(lower) >= 2 && strings.IndexFunc(lower, isSeparator) < 0 {
		qs = append(qs, prefix(fIDParts, lower, boostIDPrefix))
	}
	return query.NewDisjunctionQuery(qs)
}

func isSeparator(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsNumber(r) }

func propertyQuery(c clause) query.Query {
	lower := strings.ToLower(c.value)
	textMatch := func(field string) query.Query {
		if c.quoted && strings.ContainsFunc(c.value, unicode.IsSpace) {
			return phrase(field, c.value, 1)
		}
		return match(field, c.value, 1, true)
	}
	switch c.property {
	case "id": // nuget.org: a substring match on the id
		qs := []query.Query{match(fID, c.value, 1, true)}
		if len(lower) <= maxSubstring {
			r := query.NewRegexpQuery(".*" + regexp.QuoteMeta(lower) + ".*")
			r.SetField(fIDKey)
			qs = append(qs, r)
		}
		return query.NewDisjunctionQuery(qs)
	case "packageid": // nuget.org: exact, case-insensitive
		return term(fIDKey, lower, 1)
	case "version":
		v, err := nuget.ParseVersion(c.value)
		if err != nil {
			return query.NewMatchNoneQuery()
		}
		return term(fVersions, v.Lower(), 1)
	case "tags", "tag":
		return term(fTags, lower, 1)
	case "author", "authors":
		return textMatch(fAuthors)
	case "title":
		return textMatch(fTitle)
	case "description":
		return textMatch(fDescription)
	case "summary":
		return textMatch(fSummary)
	}
	return query.NewMatchNoneQuery() // unreachable: parseText keeps known properties only
}

func term(field, value string, boost float64) query.Query {
	q := query.NewTermQuery(value)
	q.SetField(field)
	q.SetBoost(boost)
	return q
}

func match(field, value string, boost float64, all bool) query.Query {
	q := query.NewMatchQuery(value)
	q.SetField(field)
	q.SetBoost(boost)
	if all {
		q.SetOperator(query.MatchQueryOperatorAnd)
	}
	return q
}

func phrase(field, value string, boost float64) query.Query {
	q := query.NewMatchPhraseQuery(value)
	q.SetField(field)
	q.SetBoost(boost)
	return q
}

func prefix(field, value string, boost float64) query.Query {
	q := query.NewPrefixQuery(value)
	q.SetField(field)
	q.SetBoost(boost)
	return q
}

// view is the client view a query filters on: prerelease × semVerLevel.
func view(prerelease, semver2 bool) string {
	switch {
	case !prerelease && !semver2:
		return stableSemVer1
	case prerelease && !semver2:
		return anySemVer1
	case !prerelease && semver2:
		return stableSemVer2
	}
	return anySemVer2
}

// filter restricts a query to the documents of its view: its space and
// kind ("" for every one) and client view, and its package type if set. It
// does not affect scores.
func filter(q Query, match query.Query) filtered {
	space, kind := q.Space, string(q.Kind)
	if space == "" {
		space = anyView
	}
	if kind == "" {
		kind = anyView
	}
	f := filtered{query: match, terms: []fieldTerm{{fView, viewTerm(space, kind, view(q.Prerelease, q.SemVer2))}}}
	if q.PackageType != "" {
		f.terms = append(f.terms, fieldTerm{fPackageTypes, strings.ToLower(q.PackageType)})
	}
	return f
}

func paging(q Query) (skip, take int) {
	skip, take = q.Skip, q.Take
	if take <= 0 {
		take = defaultTake
	}
	take = min(take, maxTake)
	skip = max(0, min(skip, maxSkip))
	return skip, take
}

// Query finds package ids. An empty text lists everything by downloads; otherwise
// results are ranked by relevance, then downloads, then id.
func (s *Search) Query(ctx context.Context, q Query) (Result, error) {
	skip, take := paging(q)
	tq := textQuery(q.Text) // nil: everything
	res, err := s.search(ctx, filter(q, tq), skip, take, tq != nil)
	if err != nil {
		return Result{}, fmt.Errorf("index: query %q: %w", q.Text, err)
	}
	return res, nil
}

// Autocomplete finds ids for a typed prefix: first the ids that start with it,
// then the ids with a token (a dot-separated part or a camel-case word) that
// does, each group by downloads. The NuGet client keeps only ids that start with
// the prefix, so those must come first.
func (s *Search) Autocomplete(ctx context.Context, q Query) (Result, error) {
	skip, take := paging(q)
	p := strings.ToLower(strings.TrimSpace(q.Text))

	// The prefix fields hold prefixes up to maxPrefix bytes; ids are ASCII,
	// so a longer p, or one outside ASCII, matches as a prefix query would.
	startsWith := func(field, prefixField string) query.Query {
		if len(p) <= maxPrefix {
			return term(prefixField, p, 1)
		}
		return prefix(field, p, 1)
	}
	var starts query.Query // nil: everything
	if p != "" {
		starts = startsWith(fIDKey, fIDPrefix)
	}
	first, err := s.search(ctx, filter(q, starts), skip, take, false)
	if err != nil {
		return Result{}, fmt.Errorf("index: autocomplete %q: %w", q.Text, err)
	}
	if p == "" {
		return first, nil
	}

	tokens := query.NewBooleanQuery(nil, nil, nil)
	tokens.AddShould(startsWith(fID, fIDTokenPrefix), startsWith(fIDParts, fIDPartPrefix))
	tokens.AddMustNot(startsWith(fIDKey, fIDPrefix))
	rest := take - len(first.Hits)
	second, err := s.search(ctx, filter(q, tokens), max(0, skip-first.Total), rest, false)
	if err != nil {
		return Result{}, fmt.Errorf("index: autocomplete %q: %w", q.Text, err)
	}
	return Result{Total: first.Total + second.Total, Hits: append(first.Hits, second.Hits...)}, nil
}

// search runs q and returns the page [skip, skip+take) of its hits, ranked
// by score (when byScore), then downloads, then id.
func (s *Search) search(ctx context.Context, q query.Query, skip, take int, byScore bool) (Result, error) {
	req := bleve.NewSearchRequestOptions(q, take, skip, false)
	if !byScore {
		req.Score = "none" // no scores to compute: bleve can merge the postings of a prefix's terms as sets
	}
	top := &topHits{n: skip + take, skip: skip, byScore: byScore, table: &s.hits}
	if take <= 0 {
		top.n = 0 // the total alone
	}
	res, err := s.idx.SearchInContext(context.WithValue(ctx, search.MakeDocumentMatchHandlerKey, search.MakeDocumentMatchHandler(top.handler)), req)
	if err != nil {
		return Result{}, err
	}
	return Result{Total: int(res.Total), Hits: top.hits}, nil
}
