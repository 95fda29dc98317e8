package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"path"
	"strings"

	"github.com/feedserver/feedserver/auth"
	"github.com/feedserver/feedserver/feed"
	"github.com/feedserver/feedserver/index"
	"github.com/feedserver/feedserver/nuget"
	"github.com/feedserver/feedserver/protocol/httpx"
)

// action is one administrator button: the request the page's script sends,
// with the key in Header. URLs are same-origin paths of client endpoints.
type action struct {
	Label   string
	Method  string
	URL     string
	Header  string // X-NuGet-ApiKey, X-Octopus-ApiKey or Authorization (Bearer)
	Body    string // JSON body, if any
	Confirm string // the question asked first
	Danger  bool
	After   string // where the page goes on success; "" reloads it
}

// versionRow is one version in the package page's table.
type versionRow struct {
	Version    string
	URL        string
	Published  string
	Size       int64
	Downloads  int64
	Listed     bool
	Deprecated bool
	Current    bool
	Actions    []action
	Origin     string // mirror: "cached" (fetched from the upstream), "upstream" (not fetched yet), "" (pushed)
}

// link is an outbound link from the manifest.
type link struct {
	Label, URL string
}

// dependency is one dependency with a link when the feed has it.
type dependency struct {
	ID    string
	Range string
	URL   string // "" when not on this feed
}

type dependencyGroup struct {
	Framework    string
	Dependencies []dependency
}

// snippet is a copy-paste text with its label.
type snippet struct {
	ID, Label, Text string
}

// packageView is the data of the package page.
type packageView struct {
	ID             string
	Version        string
	Kind           string
	Space          string
	DefaultSpace   bool
	Title          string
	Description    string
	Summary        string
	ReleaseNotes   string
	Authors        string
	Owners         string
	Copyright      string
	Tags           []string
	License        string
	Links          []link
	Groups         []dependencyGroup
	Versions       []versionRow
	TotalDownloads int64
	Snippets       []snippet
	DownloadURL    string
	FileName       string
	Size           int64
	SHA512         string
	Listed         bool
	Prerelease     bool
	DeleteMode     string
	Deprecation    *deprecationView // of the version shown; nil when none
	DeprecateForm  *deprecationForm // NuGet packages only
	Embedded       embeddedView
	Symbols        []link // the PDBs of the version's symbol package, on the symbol server
	Origin         string // of the current version, as versionRow's
	Upstream       string // the space's upstream feed, when Origin is set
}

// Package serves GET /packages/{id} and /packages/{id}/{version} (the NuGet
// PackageDetailsUriTemplate): versions, metadata, how to consume it. The
// space and kind come from ?space= and ?kind=; by default Spaces-1, NuGet
// first, then archives.
func (h *Handler) Package(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id, version := httpx.Var(r, "id"), httpx.Var(r, "version")
	space := feed.CanonicalSpace(r.URL.Query().Get("space"))
	if err := h.requireRead(r, auth.Target{Space: space}); err != nil {
		return err
	}
	kinds := []index.Kind{index.KindNuGet, index.KindRaw}
	switch strings.ToLower(r.URL.Query().Get("kind")) {
	case kindNuGet:
		kinds = kinds[:1]
	case kindRaw:
		kinds = kinds[1:]
	}
	var entries []index.Entry
	for _, k := range kinds {
		es, err := h.feed.Versions(ctx, space, k, id)
		if err != nil {
			return err
		}
		if len(es) > 0 {
			entries = es
			break
		}
	}
	if len(entries) == 0 {
		return fmt.Errorf("%w: package %s in %s", feed.ErrNotFound, id, space)
	}
	current, ok := pickVersion(entries, version)
	if !ok {
		return fmt.Errorf("%w: version %s of %s", feed.ErrNotFound, version, id)
	}
	view := h.packageView(ctx, httpx.PublicURL(r), entries, current)
	title := view.ID + " " + view.Version
	h.render(w, r, http.StatusOK, "package", page{Title: title, Nav: "packages", Data: view})
	return nil
}

// pickVersion finds the version asked for, or without one the latest listed
// stable version, else the latest listed, else the latest.
func pickVersion(entries []index.Entry, version string) (index.Entry, bool) {
	if version != "" {
		want, err := nuget.ParseVersion(version)
		for _, e := range entries {
			if err == nil && e.Version.Equal(want) || strings.EqualFold(e.Version.Original(), version) {
				return e, true
			}
		}
		return index.Entry{}, false
	}
	var listed, stable *index.Entry
	for i := range entries {
		e := &entries[i]
		if !e.Listed {
			continue
		}
		listed = e
		if !e.Version.IsPrerelease() {
			stable = e
		}
	}
	switch {
	case stable != nil:
		return *stable, true
	case listed != nil:
		return *listed, true
	}
	return entries[len(entries)-1], true
}

// origin tells a mirrored space's upstream versions apart (feed/mirror.go):
// they read as NuGet packages, but are not pushed here and cannot be
// administered.
func origin(e index.Entry) string {
	switch {
	case e.Kind != index.KindCached:
		return ""
	case e.BlobKey == "":
		return "upstream"
	}
	return "cached"
}

func (h *Handler) packageView(ctx context.Context, base string, entries []index.Entry, cur index.Entry) packageView {
	curOrigin := origin(cur)
	if curOrigin != "" {
		cur.Kind = index.KindNuGet // served, linked and consumed as one
	}
	v := packageView{
		ID: string(cur.ID), Version: cur.Version.Full(), Kind: kindLabel(cur.Kind), Space: cur.Space,
		DefaultSpace: cur.Space == feed.DefaultSpace, Listed: cur.Listed, Prerelease: cur.Version.IsPrerelease(),
		Size: cur.Size, SHA512: cur.SHA512, DeleteMode: h.opts.DeleteMode,
		FileName:    string(cur.ID) + "." + cur.Version.Original() + cur.Extension,
		DownloadURL: base + downloadPath(cur),
		Origin:      curOrigin,
	}
	if curOrigin != "" {
		v.Upstream = h.feed.Upstream(cur.Space)
	}
	// After a delete the page shows the package again, or the list when
	// its last version is gone.
	afterDelete := packageURL(cur.ID, cur.Version, cur.Space, cur.Kind, false)
	if len(entries) == 1 {
		afterDelete = "/packages"
	}
	for i := len(entries) - 1; i >= 0; i-- { // newest first
		e := entries[i]
		v.TotalDownloads += e.Downloads
		row := versionRow{
			Version: e.Version.Full(), URL: packageURL(e.ID, e.Version, e.Space, e.Kind, true),
			Published: formatDate(e.Published), Size: e.Size, Downloads: e.Downloads, Listed: e.Listed,
			Deprecated: e.Deprecation != nil, Current: e.Version.Equal(cur.Version), Origin: origin(e),
		}
		if row.Origin == "" {
			row.Actions = h.actions(e, afterDelete)
		}
		v.Versions = append(v.Versions, row)
	}
	if m := cur.Manifest; m != nil {
		v.Title, v.Description, v.Summary, v.ReleaseNotes = m.Title, m.Description, m.Summary, m.ReleaseNotes
		v.Authors, v.Owners, v.Copyright = strings.Join(m.Authors, ", "), strings.Join(m.Owners, ", "), m.Copyright
		v.Tags = m.Tags
		v.Links = manifestLinks(m)
		if m.License != nil {
			v.License = m.License.Text
			if strings.EqualFold(m.License.Type, "file") {
				v.License = "see " + m.License.Text + " in the package"
			}
		}
		for _, g := range m.DependencyGroups {
			dg := dependencyGroup{Framework: g.TargetFramework}
			if dg.Framework == "" {
				dg.Framework = "Any framework"
			}
			for _, d := range g.Dependencies {
				dep := dependency{ID: string(d.ID), Range: rangeText(d.Range)}
				// Linked only when this feed has it, in the same space.
				if vs, err := h.feed.Versions(ctx, cur.Space, index.KindNuGet, string(d.ID)); err == nil && len(vs) > 0 {
					dep.URL = packageURL(vs[0].ID, vs[0].Version, cur.Space, index.KindNuGet, false)
				}
				dg.Dependencies = append(dg.Dependencies, dep)
			}
			v.Groups = append(v.Groups, dg)
		}
	}
	if cur.Kind == index.KindNuGet {
		v.Deprecation = h.deprecationView(ctx, cur)
		v.DeprecateForm = newDeprecationForm(cur)
		v.Embedded = h.embedded(ctx, cur)
		if v.Embedded.License != "" {
			v.License = cur.Manifest.License.Text + " (below)"
		}
		v.Symbols = h.symbolLinks(ctx, base, cur)
	}
	v.Snippets = snippets(base, cur)
	return v
}

// rangeText is how nuget.org prints a range: "≥ 1.0.0", "= 1.0.0", "[1.0, 2.0)".
func rangeText(r nuget.VersionRange) string {
	switch {
	case r.IsAny():
		return "any version"
	case r.Min != nil && r.Max == nil && r.MinInclusive:
		return "≥ " + r.Min.String()
	case r.Min != nil && r.Max != nil && r.MinInclusive && r.MaxInclusive && r.Min.Equal(*r.Max):
		return "= " + r.Min.String()
	}
	return r.String()
}

// manifestLinks are the manifest's outbound links. html/template refuses
// javascript: and other unsafe schemes in href, so package data cannot
// smuggle a script in.
func manifestLinks(m *nuget.Manifest) []link {
	var ls []link
	add := func(label, u string) {
		u = strings.TrimSpace(u)
		if u != "" {
			ls = append(ls, link{Label: label, URL: u})
		}
	}
	add("Project site", m.ProjectURL)
	if m.Repository != nil {
		add("Source repository", m.Repository.URL)
	}
	if m.License != nil && strings.EqualFold(m.License.Type, "expression") && m.License.Text != "" {
		add("Licence ("+m.License.Text+")", "https://licenses.nuget.org/"+url.PathEscape(m.License.Text))
	} else {
		add("Licence", m.LicenseURL)
	}
	return ls
}

// downloadPath is where clients download one version: the NuGet flat
// container for NuGet packages of the default space, else the Octopus raw
// endpoint of the version's space.
func downloadPath(e index.Entry) string {
	if e.Kind == index.KindNuGet && e.Space == feed.DefaultSpace {
		id, v := e.ID.Lower(), e.Version.Lower()
		return "/v3/package/" + url.PathEscape(id) + "/" + url.PathEscape(v) + "/" + url.PathEscape(id+"."+v+".nupkg")
	}
	return "/api/" + url.PathEscape(e.Space) + "/packages/" + url.PathEscape(string(e.ID)+"."+e.Version.Original()) + "/raw"
}

// snippets are the ways to consume one version. NuGet packages of the default
// space are consumable by NuGet clients (the v3 feed serves that space).
func snippets(base string, e index.Entry) []snippet {
	id, ver := string(e.ID), e.Version.String()
	var s []snippet
	if e.Kind == index.KindNuGet && e.Space == feed.DefaultSpace {
		s = append(s,
			snippet{ID: "dotnet", Label: ".NET CLI", Text: "dotnet add package " + id + " --version " + ver},
			snippet{ID: "packageref", Label: "PackageReference", Text: `<PackageReference Include="` + id + `" Version="` + ver + `" />`},
			snippet{ID: "nuget", Label: "NuGet CLI", Text: "nuget install " + id + " -Version " + ver + " -Source " + base + "/v3/index.json"},
		)
	}
	s = append(s,
		snippet{ID: "url", Label: "Download URL", Text: base + downloadPath(e)},
		snippet{ID: "curl", Label: "curl", Text: "curl -fL -o '" + id + "." + e.Version.Original() + e.Extension + "' '" + base + downloadPath(e) + "'"},
	)
	return s
}

// actions are the administrator buttons of one version, each sent to the
// endpoint a client would use: NuGet DELETE and relist for NuGet packages,
// Octopus DELETE for archives, this package's listing endpoint otherwise.
func (h *Handler) actions(e index.Entry, afterDelete string) []action {
	label := string(e.ID) + " " + e.Version.Full()
	nugetBase := "/api/v2/package"
	if e.Space != feed.DefaultSpace {
		nugetBase = "/" + url.PathEscape(e.Space) + "/nuget/packages"
	}
	nugetPath := nugetBase + "/" + url.PathEscape(string(e.ID)) + "/" + url.PathEscape(e.Version.String())
	octopusDelete := action{Label: "Delete", Method: http.MethodDelete, Danger: true,
		URL:    "/api/" + url.PathEscape(e.Space) + "/packages/" + url.PathEscape(string(e.ID)+"."+e.Version.Original()),
		Header: "X-Octopus-ApiKey", After: afterDelete,
		Confirm: "Delete " + label + " for good? Clients that restore it will fail."}
	listed := func(to bool) action {
		a := action{Label: "Unlist", Method: http.MethodPut, Header: "X-NuGet-ApiKey",
			URL:  "/api/admin/packages/" + url.PathEscape(e.Space) + "/" + string(e.Kind) + "/" + url.PathEscape(string(e.ID)) + "/" + url.PathEscape(e.Version.String()) + "/listed",
			Body: `{"listed":false}`}
		if to {
			a.Label, a.Body = "Relist", `{"listed":true}`
		}
		return a
	}

	var acts []action
	if e.Kind == index.KindNuGet {
		del := octopusDelete
		if h.opts.DeleteMode == deleteRemoves {
			del.URL, del.Header = nugetPath, "X-NuGet-ApiKey" // nuget delete
		}
		switch {
		case !e.Listed:
			acts = append(acts, action{Label: "Relist", Method: http.MethodPost, URL: nugetPath, Header: "X-NuGet-ApiKey"})
		case h.opts.DeleteMode == deleteUnlists:
			acts = append(acts, action{Label: "Unlist", Method: http.MethodDelete, URL: nugetPath, Header: "X-NuGet-ApiKey"})
		default:
			acts = append(acts, listed(false))
		}
		return append(acts, del)
	}
	return append(acts, listed(!e.Listed), octopusDelete)
}

// symbolLinks are the PDBs of cur's symbol package, each linked to the
// symbol server's URL a debugger asks (docs/protocol/nuget.md §12.3). A
// failed look-up shows no line rather than failing the page.
func (h *Handler) symbolLinks(ctx context.Context, base string, cur index.Entry) []link {
	files, err := h.feed.Symbols(ctx, cur.Space, cur.ID.Lower(), cur.Version.String())
	if err != nil {
		h.log.Warn("symbols of a package page", "id", cur.ID, "version", cur.Version, "err", err)
		return nil
	}
	prefix := base
	if cur.Space != feed.DefaultSpace {
		prefix += "/" + cur.Space
	}
	var out []link
	for _, f := range files {
		segs := strings.Split(f.Key, "/")
		for i := range segs {
			segs[i] = url.PathEscape(segs[i])
		}
		out = append(out, link{Label: path.Base(f.Path), URL: prefix + "/download/symbols/" + strings.Join(segs, "/")})
	}
	return out
}
