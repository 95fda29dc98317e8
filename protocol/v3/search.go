package v3

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/feedserver/feedserver/index"
	"github.com/feedserver/feedserver/nuget"
	"github.com/feedserver/feedserver/protocol/httpx"
)

// Paging of search and autocomplete: nuget.org's default take and its cap.
const (
	defaultTake = 20
	maxTake     = 1000
)

// Wire types of search (docs/protocol/nuget.md §5.2).

type searchAnswer struct {
	TotalHits int            `json:"totalHits"` // matching ids, whatever skip and take
	Data      []searchResult `json:"data"`
}

// searchResult is one package id; VS shows icon, license and tags only when present.
type searchResult struct {
	ID             string          `json:"@id"`
	Type           string          `json:"@type"`
	Registration   string          `json:"registration"`
	PackageID      string          `json:"id"`
	Version        string          `json:"version"`
	Description    string          `json:"description"`
	Summary        string          `json:"summary,omitempty"`
	Title          string          `json:"title,omitempty"`
	IconURL        string          `json:"iconUrl,omitempty"`
	LicenseURL     string          `json:"licenseUrl,omitempty"`
	ProjectURL     string          `json:"projectUrl,omitempty"`
	Tags           []string        `json:"tags"`
	Authors        []string        `json:"authors"`
	TotalDownloads int64           `json:"totalDownloads"`
	Verified       bool            `json:"verified"`
	PackageTypes   []packageType   `json:"packageTypes"` // at least one: SearchQueryService/3.5.0 requires it
	Versions       []searchVersion `json:"versions"`
	// owners is left out: it should name who may push, which a feed of API keys does not know.
}

type searchVersion struct {
	Version   string `json:"version"`
	Downloads int64  `json:"downloads"`
	ID        string `json:"@id"` // the registration leaf
}

type autocompleteAnswer struct {
	TotalHits int      `json:"totalHits"`
	Data      []string `json:"data"`
}

// view is what a query's client can see: prerelease × SemVer level.
type view struct {
	prerelease, semver2 bool
}

func (v view) shows(e index.Entry) bool {
	return e.Listed && (v.prerelease || !e.Version.IsPrerelease()) && (v.semver2 || !isSemVer2(e))
}

// params are the query parameters search and autocomplete share.
type params struct {
	view
	q, packageType string
	skip, take     int
}

// parseParams reads q, skip, take, prerelease, semVerLevel and the package
// type. Unreadable numbers fall back to the defaults rather than fail: the
// query is the user's typing, and nuget.org is as forgiving.
func parseParams(v url.Values) params {
	p := params{q: strings.TrimSpace(v.Get("q")), take: defaultTake}
	if n, err := strconv.Atoi(v.Get("skip")); err == nil && n > 0 {
		p.skip = n
	}
	if n, err := strconv.Atoi(v.Get("take")); err == nil && n > 0 {
		p.take = min(n, maxTake)
	}
	p.prerelease = strings.EqualFold(strings.TrimSpace(v.Get("prerelease")), "true")
	// Clients since NuGet 4.3 send semVerLevel=2.0.0; absent or lower is SemVer1.
	if sv, err := nuget.ParseVersion(v.Get("semVerLevel")); err == nil {
		p.semver2 = nuget.CompareVersions(sv, nuget.MustParseVersion("2.0.0")) >= 0
	}
	// The documented name is packageType (dotnet tool search); NuGet.Protocol
	// sends packageTypeFilter.
	p.packageType = strings.TrimSpace(v.Get("packageType"))
	if p.packageType == "" {
		p.packageType = strings.TrimSpace(v.Get("packageTypeFilter"))
	}
	return p
}

func (p params) query(space string) index.Query {
	return index.Query{
		Space: space, Kind: index.KindNuGet, Text: p.q,
		Prerelease: p.prerelease, SemVer2: p.semver2, PackageType: p.packageType,
		Skip: p.skip, Take: p.take,
	}
}

// cacheKey identifies an answer by everything it depends on.
func (p params) cacheKey(kind, space, base string) string {
	return strings.Join([]string{kind, base, space, p.q, p.packageType,
		strconv.Itoa(p.skip), strconv.Itoa(p.take),
		strconv.FormatBool(p.prerelease), strconv.FormatBool(p.semver2)}, "\x00")
}

// Search serves GET /v3/search: package ids from the search index, each
// with the metadata of its latest version the view shows and all those
// versions; unlisted versions never appear.
func (h *Handler) Search(w http.ResponseWriter, r *http.Request) error {
	space, err := h.fam.RequireRead(r)
	if err != nil {
		return err
	}
	p, base := parseParams(r.URL.Query()), httpx.PublicURL(r)
	key := p.cacheKey("search", space, base)
	stamp := h.generationStamp()
	if stamp != "" {
		if d := h.cache.Get(key, stamp); d != nil {
			h.serve(w, r, d)
			return nil
		}
	}
	res, err := h.feed.Search(r.Context(), p.query(space))
	if err != nil {
		return err
	}
	answer := searchAnswer{TotalHits: res.Total, Data: make([]searchResult, 0, len(res.Hits))}
	hv := hiveFor(p.semver2)
	for _, hit := range res.Hits {
		entries, err := h.feed.Versions(r.Context(), hit.Space, hit.Kind, string(hit.ID))
		if err != nil {
			return err
		}
		if item, ok := searchItem(newURLs(base, hv, string(hit.ID)), entries, p.view); ok {
			answer.Data = append(answer.Data, item)
		}
	}
	body, err := json.Marshal(answer)
	if err != nil {
		return err
	}
	// Most distinct queries are asked once: compressing every answer up front
	// cost more than the query, so it is gzipped when a client first asks.
	d := h.gzip.NewLazy(stamp, body, jsonType)
	if stamp != "" {
		d.Expires = searchTTL
		h.cache.Put(key, d)
	}
	h.serve(w, r, d)
	return nil
}

// searchItem renders one id, or reports false when the view shows none of
// its versions (it changed between the index query and the catalogue read).
func searchItem(u urls, entries []index.Entry, v view) (searchResult, bool) {
	var shown []index.Entry
	var downloads int64
	for _, e := range entries {
		downloads += e.Downloads
		if v.shows(e) {
			shown = append(shown, e)
		}
	}
	if len(shown) == 0 {
		return searchResult{}, false
	}
	latest := shown[len(shown)-1] // Versions is ascending
	item := searchResult{
		ID:             u.indexID,
		Type:           "Package",
		Registration:   u.indexID,
		PackageID:      string(latest.ID),
		Version:        latest.Version.Full(),
		Tags:           []string{},
		Authors:        []string{},
		TotalDownloads: downloads,
		Versions:       make([]searchVersion, 0, len(shown)),
	}
	if m := latest.Manifest; m != nil {
		item.Description, item.Summary, item.Title = m.Description, m.Summary, m.Title
		item.IconURL, item.ProjectURL, item.LicenseURL = m.IconURL, m.ProjectURL, m.LicenseURL
		if m.License != nil && strings.EqualFold(m.License.Type, "expression") && m.License.Text != "" {
			item.LicenseURL = "https://licenses.nuget.org/" + url.PathEscape(m.License.Text)
		}
		item.Tags = append(item.Tags, m.Tags...)
		item.Authors = append(item.Authors, m.Authors...)
		for _, pt := range m.PackageTypes {
			item.PackageTypes = append(item.PackageTypes, packageType{Name: pt.Name, Version: pt.Version})
		}
	}
	if len(item.PackageTypes) == 0 {
		item.PackageTypes = []packageType{{Name: "Dependency"}} // NuGet's default type
	}
	for _, e := range shown {
		item.Versions = append(item.Versions, searchVersion{Version: e.Version.Full(), Downloads: e.Downloads, ID: u.leaf(e.Version)})
	}
	return item, true
}

// Autocomplete serves GET /v3/autocomplete: with q (or nothing), package ids
// by prefix; with id, the versions of that id the view shows (unlisted
// excluded, an unknown id gives none).
func (h *Handler) Autocomplete(w http.ResponseWriter, r *http.Request) error {
	space, err := h.fam.RequireRead(r)
	if err != nil {
		return err
	}
	values := r.URL.Query()
	p := parseParams(values)
	answer := autocompleteAnswer{Data: []string{}}
	if id := strings.TrimSpace(values.Get("id")); id != "" {
		entries, err := h.feed.Versions(r.Context(), space, index.KindNuGet, id)
		if err != nil {
			return err
		}
		for _, e := range entries {
			if p.shows(e) {
				answer.Data = append(answer.Data, e.Version.Full())
			}
		}
		answer.TotalHits = len(answer.Data)
		return h.serveUncached(w, r, answer)
	}
	// Ids by prefix: one index query, cached like search when the feed counts its changes.
	key := p.cacheKey("autocomplete", space, "")
	stamp := h.generationStamp()
	if stamp != "" {
		if d := h.cache.Get(key, stamp); d != nil {
			h.serve(w, r, d)
			return nil
		}
	}
	res, err := h.feed.Autocomplete(r.Context(), p.query(space))
	if err != nil {
		return err
	}
	answer.TotalHits = res.Total
	for _, hit := range res.Hits {
		answer.Data = append(answer.Data, string(hit.ID))
	}
	d, err := render(stamp, answer, false)
	if err != nil {
		return err
	}
	if stamp != "" {
		h.cache.Put(key, d)
	}
	h.serve(w, r, d)
	return nil
}
