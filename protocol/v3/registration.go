package v3

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/feedserver/feedserver/feed"
	"github.com/feedserver/feedserver/index"
	"github.com/feedserver/feedserver/nuget"
	"github.com/feedserver/feedserver/protocol/httpx"
	"github.com/feedserver/feedserver/protocol/nugethttp"
)

// nuget.org's paging rule: below inlineLimit versions every version is inlined
// in the index; from it on, the index lists pages of pageSize fetched apart.
const (
	inlineLimit = 128
	pageSize    = 64
)

// unlistedPublished is nuget.org's published date for unlisted versions; the
// v2 feed's clients read it as "unlisted", and v3 clients read listed:false.
const unlistedPublished = "1900-01-01T00:00:00+00:00"

// Wire types of the registration resource (docs/protocol/nuget.md §4). Every field
// named here is one NuGet.Protocol (5.8 to 6.x) or Visual Studio reads.

type registrationIndex struct {
	ID    string             `json:"@id"`
	Type  []string           `json:"@type"`
	Count int                `json:"count"`
	Items []registrationPage `json:"items"`
}

// registrationPage needs lower and upper: NuGet 5.8 parses both on every page.
type registrationPage struct {
	ID     string             `json:"@id"`
	Type   string             `json:"@type"`
	Count  int                `json:"count"`
	Items  []registrationLeaf `json:"items,omitempty"` // absent: the client fetches @id
	Parent string             `json:"parent,omitempty"`
	Lower  string             `json:"lower"`
	Upper  string             `json:"upper"`
}

// registrationLeaf: packageContent is the download URL of nuget install and packages.config.
type registrationLeaf struct {
	ID             string       `json:"@id"`
	Type           string       `json:"@type"`
	CatalogEntry   catalogEntry `json:"catalogEntry"`
	PackageContent string       `json:"packageContent"`
	Registration   string       `json:"registration"`
}

type catalogEntry struct {
	ID                       string            `json:"@id"`
	Type                     string            `json:"@type"`
	Authors                  string            `json:"authors"`
	DependencyGroups         []dependencyGroup `json:"dependencyGroups,omitempty"`
	Deprecation              *deprecation      `json:"deprecation,omitempty"`
	Description              string            `json:"description"`
	IconURL                  string            `json:"iconUrl,omitempty"`
	PackageID                string            `json:"id"`
	Language                 string            `json:"language,omitempty"`
	LicenseExpression        string            `json:"licenseExpression,omitempty"`
	LicenseURL               string            `json:"licenseUrl,omitempty"`
	Listed                   bool              `json:"listed"` // absent means listed to the client: always written
	MinClientVersion         string            `json:"minClientVersion,omitempty"`
	PackageContent           string            `json:"packageContent"`
	PackageTypes             []packageType     `json:"packageTypes,omitempty"`
	ProjectURL               string            `json:"projectUrl,omitempty"`
	Published                string            `json:"published,omitempty"`
	RequireLicenseAcceptance bool              `json:"requireLicenseAcceptance"`
	Summary                  string            `json:"summary,omitempty"`
	Tags                     []string          `json:"tags,omitempty"`
	Title                    string            `json:"title,omitempty"`
	Version                  string            `json:"version"` // full: with +metadata
}

// dependencyGroup: a group without dependencies is kept, since the client
// uses the list of groups for framework compatibility.
type dependencyGroup struct {
	ID              string       `json:"@id"`
	Type            string       `json:"@type"`
	TargetFramework string       `json:"targetFramework,omitempty"` // absent: any framework
	Dependencies    []dependency `json:"dependencies,omitempty"`
}

type dependency struct {
	ID           string `json:"@id"`
	Type         string `json:"@type"`
	PackageID    string `json:"id"`
	Range        string `json:"range"`
	Registration string `json:"registration"`
}

// deprecation is read by NuGet.Protocol's PackageDeprecationMetadata
// (reasons, message, alternatePackage: id and range); @id and @type are
// nuget.org's (docs/protocol/nuget.md §14).
type deprecation struct {
	ID               string            `json:"@id"`
	Type             string            `json:"@type"`
	AlternatePackage *alternatePackage `json:"alternatePackage,omitempty"`
	Message          string            `json:"message,omitempty"`
	Reasons          []string          `json:"reasons"`
}

type alternatePackage struct {
	ID        string `json:"@id"`
	Type      string `json:"@type"`
	PackageID string `json:"id"`
	Range     string `json:"range"`
}

type packageType struct {
	Name    string `json:"name"`
	Version string `json:"version,omitempty"`
}

// leafDocument is the standalone leaf (GET of a leaf's @id); clients rarely read it.
type leafDocument struct {
	ID             string   `json:"@id"`
	Type           []string `json:"@type"`
	CatalogEntry   string   `json:"catalogEntry"`
	Listed         bool     `json:"listed"`
	PackageContent string   `json:"packageContent"`
	Published      string   `json:"published,omitempty"`
	Registration   string   `json:"registration"`
}

// visible returns the versions of id the hive shows, ascending; unlisted ones included.
func (h *Handler) visible(r *http.Request, space, id string, hv hive) ([]index.Entry, error) {
	all, err := h.feed.Versions(r.Context(), space, index.KindNuGet, id)
	if err != nil {
		return nil, err
	}
	out := all[:0]
	for _, e := range all {
		if hv.semver2 || !isSemVer2(e) {
			out = append(out, e)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: no package %s in %s", feed.ErrNotFound, id, hv.path)
	}
	return out, nil
}

// RegistrationIndex serves GET {hive}/{id}/index.json; 404 when the hive shows
// no version of the id (NuGet reads that as "no such package").
func (h *Handler) RegistrationIndex(w http.ResponseWriter, r *http.Request) error {
	space, err := h.fam.RequireRead(r)
	if err != nil {
		return err
	}
	hv, id, base := hiveOf(httpx.Var(r, "hive")), httpx.Var(r, "id"), httpx.PublicURL(r)
	key := "reg\x00" + hv.path + "\x00" + base + "\x00" + space + "\x00" + strings.ToLower(id)
	stamp := h.generationStamp()
	if h.feed.Upstream(space) != "" {
		// Upstream versions are not counted by the generation: render
		// afresh, by signature only (the upstream client caches the input).
		stamp = ""
	}
	if stamp != "" {
		if d := h.cache.Get(key, stamp); d != nil {
			h.serve(w, r, d)
			return nil
		}
	}
	entries, err := h.visible(r, space, id, hv)
	if err != nil {
		return err
	}
	if stamp == "" {
		stamp = signature(entries)
		if d := h.cache.Get(key, stamp); d != nil {
			h.serve(w, r, d)
			return nil
		}
	}
	d, err := render(stamp, buildIndex(newURLs(base, hv, id), entries), true)
	if err != nil {
		return err
	}
	h.cache.Put(key, d)
	h.serve(w, r, d)
	return nil
}

// RegistrationPage serves GET {hive}/{id}/page/{lower}/{upper}.json: the
// versions between the bounds, inclusive, as they are now (a push since the
// client read the index lands in the page that covers it).
func (h *Handler) RegistrationPage(w http.ResponseWriter, r *http.Request) error {
	space, err := h.fam.RequireRead(r)
	if err != nil {
		return err
	}
	hv, id, base := hiveOf(httpx.Var(r, "hive")), httpx.Var(r, "id"), httpx.PublicURL(r)
	lower, errL := nuget.ParseVersion(httpx.Var(r, "lower"))
	upper, errU := nuget.ParseVersion(httpx.Var(r, "upper"))
	if errL != nil || errU != nil {
		return fmt.Errorf("%w: no such registration page", feed.ErrNotFound)
	}
	entries, err := h.visible(r, space, id, hv)
	if err != nil {
		return err
	}
	var in []index.Entry
	for _, e := range entries {
		if nuget.CompareVersions(lower, e.Version) <= 0 && nuget.CompareVersions(e.Version, upper) <= 0 {
			in = append(in, e)
		}
	}
	if len(in) == 0 {
		return fmt.Errorf("%w: no versions of %s between %s and %s", feed.ErrNotFound, id, lower, upper)
	}
	u := newURLs(base, hv, id)
	page := buildPage(u, in, true)
	page.ID = u.page(in[0].Version, in[len(in)-1].Version)
	return h.serveUncached(w, r, page)
}

// RegistrationLeaf serves GET {hive}/{id}/{version}.json.
func (h *Handler) RegistrationLeaf(w http.ResponseWriter, r *http.Request) error {
	space, err := h.fam.RequireRead(r)
	if err != nil {
		return err
	}
	hv, id, base := hiveOf(httpx.Var(r, "hive")), httpx.Var(r, "id"), httpx.PublicURL(r)
	e, err := h.feed.Get(r.Context(), space, index.KindNuGet, id, httpx.Var(r, "version"))
	if err == nil && !hv.semver2 && isSemVer2(e) {
		err = fmt.Errorf("%w: %s %s is SemVer 2.0.0, hidden in %s", feed.ErrNotFound, id, e.Version, hv.path)
	}
	if err != nil {
		return err
	}
	u := newURLs(base, hv, string(e.ID))
	leaf := buildLeaf(u, e)
	return h.serveUncached(w, r, leafDocument{
		ID:             leaf.ID,
		Type:           []string{"Package", "http://schema.nuget.org/catalog#Permalink"},
		CatalogEntry:   leaf.CatalogEntry.ID,
		Listed:         e.Listed,
		PackageContent: leaf.PackageContent,
		Published:      leaf.CatalogEntry.Published,
		Registration:   u.indexID,
	})
}

// serveUncached renders and serves a document no cache keeps (pages,
// leaves, uncached searches).
func (h *Handler) serveUncached(w http.ResponseWriter, r *http.Request, v any) error {
	d, err := render("", v, false)
	if err != nil {
		return err
	}
	h.serve(w, r, d)
	return nil
}

// buildIndex lays out the index: one inlined page below inlineLimit versions,
// else pages of pageSize that the client fetches by their @id.
func buildIndex(u urls, entries []index.Entry) registrationIndex {
	doc := registrationIndex{
		ID:   u.indexID,
		Type: []string{"catalog:CatalogRoot", "PackageRegistration", "catalog:Permalink"},
	}
	if len(entries) < inlineLimit {
		doc.Items = []registrationPage{buildPage(u, entries, true)}
	} else {
		for i := 0; i < len(entries); i += pageSize {
			doc.Items = append(doc.Items, buildPage(u, entries[i:min(i+pageSize, len(entries))], false))
		}
	}
	doc.Count = len(doc.Items)
	return doc
}

// buildPage renders a page of ascending entries; inline puts the leaves in.
func buildPage(u urls, entries []index.Entry, inline bool) registrationPage {
	lower, upper := entries[0].Version, entries[len(entries)-1].Version
	p := registrationPage{
		ID:    u.page(lower, upper),
		Type:  "catalog:CatalogPage",
		Count: len(entries),
		Lower: lower.String(),
		Upper: upper.String(),
	}
	if inline {
		// An inlined page's @id is a fragment of the index, as nuget.org's are.
		p.ID = u.indexID + "#page/" + lower.Lower() + "/" + upper.Lower()
		p.Parent = u.indexID
		p.Items = make([]registrationLeaf, 0, len(entries))
		for _, e := range entries {
			p.Items = append(p.Items, buildLeaf(u, e))
		}
	}
	return p
}

func buildLeaf(u urls, e index.Entry) registrationLeaf {
	leafID := u.leaf(e.Version)
	content := u.content(e.Version)
	ce := catalogEntry{
		// There is no catalog resource: the entry is named as a fragment of its leaf.
		ID:             leafID + "#catalogEntry",
		Type:           "PackageDetails",
		PackageID:      string(e.ID),
		Version:        e.Version.Full(),
		Listed:         e.Listed,
		PackageContent: content,
		Published:      published(e),
	}
	if m := e.Manifest; m != nil {
		ce.Authors = strings.Join(m.Authors, ", ")
		ce.Description = m.Description
		ce.Summary = m.Summary
		ce.Title = m.Title
		ce.Tags = m.Tags
		ce.IconURL = m.IconURL
		ce.ProjectURL = m.ProjectURL
		ce.Language = m.Language
		ce.LicenseURL = m.LicenseURL
		if m.License != nil && strings.EqualFold(m.License.Type, "expression") && m.License.Text != "" {
			ce.LicenseExpression = m.License.Text
			// nuget.org's license page for an expression (NuGet pack writes the same URL).
			ce.LicenseURL = "https://licenses.nuget.org/" + url.PathEscape(m.License.Text)
		}
		// An embedded icon or licence file is served from the flat
		// container, and the URLs say so, as nuget.org's do for the icon
		// (docs/protocol/nuget.md §13.2): clients never open the package for them.
		if nugethttp.Icon.Named(m) {
			ce.IconURL = u.embedded(e.Version, nugethttp.Icon)
		}
		if nugethttp.License.Named(m) {
			ce.LicenseURL = u.embedded(e.Version, nugethttp.License)
		}
		ce.RequireLicenseAcceptance = m.RequireLicenseAcceptance
		ce.MinClientVersion = m.MinClientVersion
		for _, pt := range m.PackageTypes {
			ce.PackageTypes = append(ce.PackageTypes, packageType{Name: pt.Name, Version: pt.Version})
		}
		for _, g := range m.DependencyGroups {
			ce.DependencyGroups = append(ce.DependencyGroups, buildGroup(u, ce.ID, g))
		}
	}
	// nuget.org writes deprecation in its SemVer 2.0.0 hive only, the one
	// clients that read it (NuGet 5 and later) use (docs/protocol/nuget.md §14).
	if d := e.Deprecation; d != nil && u.hive.semver2 {
		ce.Deprecation = buildDeprecation(ce.ID, d)
	}
	return registrationLeaf{
		ID:             leafID,
		Type:           "Package",
		CatalogEntry:   ce,
		PackageContent: content,
		Registration:   u.indexID,
	}
}

func buildDeprecation(entryID string, d *nuget.Deprecation) *deprecation {
	// nuget.org's @id is "{catalog entry}#deprecation"; ours already names
	// the entry as a fragment, so the object is a path under it, as a
	// dependency group's is.
	out := &deprecation{ID: entryID + "/deprecation", Type: "deprecation", Message: d.Message}
	for _, r := range d.Reasons {
		out.Reasons = append(out.Reasons, string(r))
	}
	if a := d.AlternatePackage; a != nil {
		out.AlternatePackage = &alternatePackage{
			ID:        out.ID + "/alternatePackage",
			Type:      "alternatePackage",
			PackageID: string(a.ID),
			Range:     a.Range(),
		}
	}
	return out
}

func buildGroup(u urls, entryID string, g nuget.DependencyGroup) dependencyGroup {
	dg := dependencyGroup{
		ID:              entryID + "/dependencygroup",
		Type:            "PackageDependencyGroup",
		TargetFramework: g.TargetFramework,
	}
	if g.TargetFramework != "" {
		dg.ID += "/" + url.PathEscape(strings.ToLower(g.TargetFramework))
	}
	for _, d := range g.Dependencies {
		rng := d.Range.String()
		if rng == "" {
			rng = "(, )" // NuGet's spelling of "any version"
		}
		dg.Dependencies = append(dg.Dependencies, dependency{
			ID:           dg.ID + "/" + url.PathEscape(d.ID.Lower()),
			Type:         "PackageDependency",
			PackageID:    string(d.ID),
			Range:        rng,
			Registration: u.registration(string(d.ID)),
		})
	}
	return dg
}

// published is nuget.org's: the real date when listed, 1900 when unlisted.
func published(e index.Entry) string {
	if !e.Listed {
		return unlistedPublished
	}
	if e.Published.IsZero() {
		return ""
	}
	return e.Published.UTC().Format("2006-01-02T15:04:05.999-07:00")
}
