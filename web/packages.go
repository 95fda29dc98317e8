package web

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/feedserver/feedserver/auth"
	"github.com/feedserver/feedserver/feed"
	"github.com/feedserver/feedserver/index"
	"github.com/feedserver/feedserver/nuget"
)

// Kind filter values of the package list; "" is every kind.
const (
	kindNuGet   = "nuget"
	kindRaw     = "raw" // archives pushed to the Octopus API (index.KindRaw)
	kindGeneric = "generic"
)

// maxQueryText bounds the search text, in bytes.
const maxQueryText = 500

// maxPage bounds the page number a query can ask for (the index skips at most 100,000).
const maxPage = 4000

// listQuery is what the package list was asked for.
type listQuery struct {
	Q          string
	Kind       string // "", nuget, raw, generic
	Space      string // "" every space (NuGet and archives)
	Owner      string // "" every owner (generic packages)
	Prerelease bool
	Page       int // from 1
}

func parseListQuery(v url.Values) listQuery {
	q := listQuery{
		Q:          strings.TrimSpace(v.Get("q")),
		Space:      strings.TrimSpace(v.Get("space")),
		Owner:      strings.ToLower(strings.TrimSpace(v.Get("owner"))),
		Prerelease: v.Get("prerelease") == "true" || v.Get("prerelease") == "on",
		Page:       1,
	}
	switch k := strings.ToLower(v.Get("kind")); k {
	case kindNuGet, kindRaw, kindGeneric:
		q.Kind = k
	}
	if p, err := strconv.Atoi(v.Get("page")); err == nil && p > 1 {
		q.Page = min(p, maxPage)
	}
	if q.Space != "" {
		q.Space = feed.CanonicalSpace(q.Space)
	}
	if len(q.Q) > maxQueryText {
		cut := maxQueryText
		for cut > 0 && !utf8.RuneStart(q.Q[cut]) {
			cut--
		}
		q.Q = strings.TrimSpace(q.Q[:cut])
	}
	return q
}

// url is the list URL of this query on another page.
func (q listQuery) url(page int) string {
	v := url.Values{}
	if q.Q != "" {
		v.Set("q", q.Q)
	}
	if q.Kind != "" {
		v.Set("kind", q.Kind)
	}
	if q.Space != "" {
		v.Set("space", q.Space)
	}
	if q.Owner != "" {
		v.Set("owner", q.Owner)
	}
	if q.Prerelease {
		v.Set("prerelease", "true")
	}
	if page > 1 {
		v.Set("page", strconv.Itoa(page))
	}
	if len(v) == 0 {
		return "/packages"
	}
	return "/packages?" + v.Encode()
}

// Filtered reports whether the query narrows the list (page and prerelease
// do not): an empty list then means nothing matched, not an empty feed.
func (q listQuery) Filtered() bool {
	return q.Q != "" || q.Kind != "" || q.Space != "" || q.Owner != ""
}

// searchKinds reports whether the query lists NuGet and archive packages
// (the search index) and generic packages (the catalogue).
func (q listQuery) searchKinds() (search bool, generic bool) {
	search = q.Kind != kindGeneric && q.Owner == ""                    // an owner names generic packages
	generic = (q.Kind == "" || q.Kind == kindGeneric) && q.Space == "" // generic packages have no space
	return search, generic
}

// listRow is one package of the list.
type listRow struct {
	Kind        string // label: "NuGet", "Archive", "Generic"
	Where       string // space or owner
	ID          string
	URL         string
	Latest      string
	Description string
	Downloads   int64
	HasCounts   bool // generic packages count no downloads
	Published   time.Time
}

// listView is the data of the package list page.
type listView struct {
	Query      listQuery
	Spaces     []auth.Space
	Rows       []listRow
	Total      int
	From, To   int
	Page       int
	Pages      int
	PrevURL    string
	NextURL    string
	ClearURL   string
	ShowSpaces bool
}

// Packages serves GET /packages: the searchable, paged package list. It
// shows what the request may read and nothing else, as the APIs do: a key
// limited to spaces sees the packages of those spaces and no generic
// package, one limited to owners only those owners' generic packages; a
// filter naming a space or owner outside the key's scope is a 403, as
// /api/{spaceId}/packages is.
func (h *Handler) Packages(w http.ResponseWriter, r *http.Request) error {
	q := parseListQuery(r.URL.Query())
	for _, t := range []auth.Target{{}, {Space: q.Space}, {Owner: q.Owner}} {
		if err := h.requireRead(r, t); err != nil {
			return err
		}
	}
	scope, err := h.readScope(r)
	if err != nil {
		return err
	}
	view, err := h.list(r, q, scope)
	if err != nil {
		return err
	}
	title := "Packages"
	if q.Q != "" {
		title = "Packages matching " + q.Q
	}
	h.render(w, r, http.StatusOK, "packages", page{Title: title, Nav: "packages", Data: view})
	return nil
}

// listSource is one part of the list: the search hits of one space (or of
// every space), or the generic packages of one owner (or of every owner).
// fetch returns the rows of [skip, skip+take) and how many the part has.
type listSource func(skip, take int) (rows []listRow, total int, err error)

// where is what a list part covers: the filter's one value, every one (""),
// or, for a restricted key, each one its scope names (none: the part is empty).
func where(filter string, all bool, scoped []string) []string {
	switch {
	case filter != "":
		return []string{filter}
	case all:
		return []string{""}
	}
	return scoped
}

// list runs the query within scope: search-index hits (NuGet and archives,
// the same search NuGet clients get) first, then generic packages, paged
// over all of them. An unrestricted reader gets one search over every space
// and one listing over every owner; a restricted key gets one per space and
// per owner of its scope, one after the other.
func (h *Handler) list(r *http.Request, q listQuery, scope auth.Scope) (listView, error) {
	size := h.opts.PageSize
	skip := (q.Page - 1) * size
	view := listView{Query: q, Spaces: h.spaces(r), Page: q.Page, ClearURL: "/packages"}
	view.ShowSpaces = len(view.Spaces) > 1
	doSearch, doGeneric := q.searchKinds()

	var sources []listSource
	// Keys made before lists were checked may spell a space or an owner in
	// another case than the catalogue stores it.
	if doSearch {
		var seen []string
		for _, space := range where(q.Space, scope.AllSpaces, scope.Spaces) {
			if space != "" {
				space = feed.CanonicalSpace(space)
			}
			if !slices.Contains(seen, space) {
				seen = append(seen, space)
				sources = append(sources, h.searchSource(r, q, space))
			}
		}
	}
	if doGeneric {
		var seen []string
		for _, owner := range where(q.Owner, scope.AllOwners, scope.Owners) {
			if owner = strings.ToLower(owner); !slices.Contains(seen, owner) {
				seen = append(seen, owner)
				sources = append(sources, h.genericSource(r, q, owner))
			}
		}
	}
	for _, src := range sources {
		// This part starts at view.Total in the whole list: it fills the
		// page's slots from there on (none when the page ends before it;
		// rows a part drops as changed since the search stay empty).
		start := view.Total
		rows, total, err := src(max(0, skip-start), max(0, skip+size-max(skip, start)))
		if err != nil {
			return listView{}, err
		}
		view.Rows = append(view.Rows, rows...)
		view.Total += total
	}
	view.Pages = max(1, (view.Total+size-1)/size)
	if len(view.Rows) > 0 {
		view.From, view.To = skip+1, skip+len(view.Rows)
	}
	if q.Page > 1 {
		view.PrevURL = q.url(q.Page - 1)
	}
	if q.Page < view.Pages && q.Page < maxPage {
		view.NextURL = q.url(q.Page + 1)
	}
	return view, nil
}

// searchSource lists the search hits of space ("" every space).
func (h *Handler) searchSource(r *http.Request, q listQuery, space string) listSource {
	return func(skip, take int) ([]listRow, int, error) {
		if skip > 100000 {
			return nil, 0, fmt.Errorf("%w: page %d is past the end of any search", errBadRequest, q.Page)
		}
		// Take 0 would mean the index's default page: ask for one and drop it.
		iq := index.Query{Space: space, Text: q.Q, Prerelease: q.Prerelease, SemVer2: true, Skip: skip, Take: max(take, 1)}
		if q.Kind == kindNuGet {
			iq.Kind = index.KindNuGet
		} else if q.Kind == kindRaw {
			iq.Kind = index.KindRaw
		}
		res, err := h.feed.Search(r.Context(), iq)
		if err != nil {
			return nil, 0, err
		}
		var rows []listRow
		for _, hit := range res.Hits[:min(len(res.Hits), take)] {
			row, ok, err := h.searchRow(r, hit, q.Prerelease)
			if err != nil {
				return nil, 0, err
			}
			if ok {
				rows = append(rows, row)
			}
		}
		return rows, res.Total, nil
	}
}

// genericSource lists the generic packages of owner ("" every owner).
func (h *Handler) genericSource(r *http.Request, q listQuery, owner string) listSource {
	return func(skip, take int) ([]listRow, int, error) {
		ps, total, err := h.feed.Generic().Packages(r.Context(), owner, q.Q, skip, take)
		if err != nil {
			return nil, 0, err
		}
		var rows []listRow
		for _, p := range ps {
			rows = append(rows, listRow{
				Kind: "Generic", Where: p.Owner, ID: p.Name,
				URL:    "/packages/generic/" + url.PathEscape(p.Owner) + "/" + url.PathEscape(p.Name),
				Latest: p.LatestVersion,
				Description: fmt.Sprintf("%d %s, %d %s, %s", p.Versions, plural(p.Versions, "version", "versions"),
					p.Files, plural(p.Files, "file", "files"), formatBytes(p.Size)),
				Published: p.Updated,
			})
		}
		return rows, total, nil
	}
}

// searchRow reads the versions of a hit and summarises them as the view
// shows them; false when none is shown (it changed since the search).
func (h *Handler) searchRow(r *http.Request, hit index.Hit, prerelease bool) (listRow, bool, error) {
	entries, err := h.feed.Versions(r.Context(), hit.Space, hit.Kind, string(hit.ID))
	if err != nil {
		return listRow{}, false, err
	}
	var latest *index.Entry
	var downloads int64
	var published time.Time
	for i := range entries {
		e := &entries[i]
		downloads += e.Downloads
		if !e.Listed || (!prerelease && e.Version.IsPrerelease()) {
			continue
		}
		latest = e // Versions is ascending
		if e.Published.After(published) {
			published = e.Published
		}
	}
	if latest == nil {
		return listRow{}, false, nil
	}
	row := listRow{
		Kind: kindLabel(hit.Kind), Where: hit.Space, ID: string(latest.ID),
		URL:    packageURL(latest.ID, latest.Version, hit.Space, hit.Kind, false),
		Latest: latest.Version.Full(), Downloads: downloads, HasCounts: true, Published: published,
	}
	if m := latest.Manifest; m != nil {
		row.Description = m.Summary
		if row.Description == "" {
			row.Description = m.Description
		}
	}
	return row, true, nil
}

func kindLabel(k index.Kind) string {
	if k == index.KindRaw {
		return "Archive"
	}
	return "NuGet"
}

// packageURL is the page of a package (withVersion: of that version). The
// default space and NuGet kind need no query: /packages/{id}/{version} is
// also the service index's PackageDetailsUriTemplate.
func packageURL(id nuget.ID, v nuget.Version, space string, kind index.Kind, withVersion bool) string {
	u := "/packages/" + url.PathEscape(string(id))
	if withVersion {
		u += "/" + url.PathEscape(v.String())
	}
	q := url.Values{}
	if space != "" && space != feed.DefaultSpace {
		q.Set("space", space)
	}
	if kind == index.KindRaw {
		q.Set("kind", kindRaw)
	}
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	return u
}
