package v2

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/mux"

	"github.com/feedserver/feedserver/feed"
	"github.com/feedserver/feedserver/index"
	"github.com/feedserver/feedserver/nuget"
	"github.com/feedserver/feedserver/protocol/httpx"
	"github.com/feedserver/feedserver/protocol/nugethttp"
)

// PathVar is the route variable holding the OData path below a feed base:
// routes are "{base}/{odata:.+}".
const PathVar = "odata"

// Content types of the answers.
const (
	ctFeed    = "application/atom+xml;type=feed;charset=utf-8"
	ctEntry   = "application/atom+xml;type=entry;charset=utf-8"
	ctService = "application/atomsvc+xml;charset=utf-8"
	ctXML     = "application/xml;charset=utf-8"
	ctText    = "text/plain;charset=utf-8"
	ctJSON    = "application/json;charset=utf-8"
)

// errNotFound is a v2 path that names nothing.
var errNotFound = fmt.Errorf("v2: %w", feed.ErrNotFound)

// Options configures a Handler.
type Options struct {
	Logger *slog.Logger
	// Now is the clock for feed <updated> stamps; nil is time.Now.
	Now func() time.Time
}

// Handler serves the NuGet v2 OData feed over a feed.Feed.
type Handler struct {
	feed *feed.Feed
	fam  *nugethttp.Family // the NuGet family's read check, cache policy and package download
	log  *slog.Logger
	now  func() time.Time
	bufs sync.Pool // *bytes.Buffer, reused across responses
}

// New returns a Handler; fam is the NuGet family's shared part.
func New(f *feed.Feed, fam *nugethttp.Family, opts Options) (*Handler, error) {
	if f == nil || fam == nil {
		return nil, errors.New("v2: a feed and the NuGet family are required")
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	h := &Handler{feed: f, fam: fam, log: opts.Logger, now: opts.Now}
	h.bufs.New = func() any { return bytes.NewBuffer(make([]byte, 0, 64<<10)) }
	return h, nil
}

// request is one parsed v2 request.
type request struct {
	r      *http.Request
	space  string
	root   string // feed base URL, no trailing slash
	public string // server base URL
	path   odataPath
	rest   string // escaped path below the base, for next links
	opts   queryOptions
	now    time.Time
}

// ServiceDocument serves GET {base}/ (and {base} without the slash).
func (h *Handler) ServiceDocument(w http.ResponseWriter, r *http.Request) error {
	dataServiceVersion(w)
	root := httpx.PublicURL(r) + strings.TrimSuffix(r.URL.EscapedPath(), "/")
	b := h.buffer()
	defer h.bufs.Put(b)
	fmt.Fprintf(b, serviceDocument, xmlAttr(root+"/"))
	h.write(w, r, ctService, b.Bytes())
	return nil
}

// OData serves everything below a feed base: $metadata, Packages,
// Packages(Id='…',Version='…'), FindPackagesById(), Search(), GetUpdates(),
// each collection also with /$count.
func (h *Handler) OData(w http.ResponseWriter, r *http.Request) error {
	dataServiceVersion(w)
	rest := mux.Vars(r)[PathVar]
	escaped := r.URL.EscapedPath()
	base := strings.TrimSuffix(strings.TrimSuffix(escaped, rest), "/")
	q := &request{r: r, public: httpx.PublicURL(r), rest: rest, now: h.now()}
	q.root = q.public + base
	var err error
	if q.path, err = parsePath(rest); err != nil {
		return err
	}
	if q.path.Resource == resMetadata {
		// Anonymous, as Gitea does: the client's capability probe must not need credentials.
		h.write(w, r, ctXML, []byte(metadataDocument))
		return nil
	}
	if q.space, err = h.fam.RequireRead(r); err != nil {
		return err
	}
	if q.opts, err = parseOptions(r.URL.RawQuery); err != nil {
		return err
	}
	if q.path.Resource == resPackages && len(q.path.Args) > 0 {
		return h.single(w, q)
	}
	sel, err := h.collect(r.Context(), q)
	if err != nil {
		return err
	}
	h.respond(w, q, sel)
	return nil
}

// selection is the result of a collection query before rendering.
type selection struct {
	rows  []row
	total int  // every match, for m:count and $count
	paged bool // rows are already the page ($skip and $top applied)
}

func (h *Handler) collect(ctx context.Context, q *request) (selection, error) {
	switch q.path.Resource {
	case resFindPackagesByID:
		return h.findPackagesByID(ctx, q)
	case resSearch:
		return h.search(ctx, q)
	case resGetUpdates:
		return h.getUpdates(ctx, q)
	}
	return h.packages(ctx, q)
}

// param is a function parameter from the path's parentheses or the query
// string (FindPackagesById()?id='x'), decoded from its OData literal.
func (q *request) param(name string) string {
	if v, ok := q.path.Args[strings.ToLower(name)]; ok {
		return v
	}
	return literal(q.opts.get(name))
}

// finish filters, orders and counts rows that are not yet paged.
func finish(rows []row, o queryOptions) selection {
	rows = filterRows(rows, o.filter)
	if len(o.orderBy) > 0 {
		sortRows(rows, o.orderBy)
	}
	return selection{rows: rows, total: len(rows)}
}

// findPackagesByID serves FindPackagesById()?id='…': every version of one
// id, unlisted ones too (restore needs them); an unknown id is an empty feed,
// never a 404, which would fail the restore.
func (h *Handler) findPackagesByID(ctx context.Context, q *request) (selection, error) {
	id := q.param("id")
	if id == "" {
		return selection{}, nil
	}
	all, err := h.feed.Versions(ctx, q.space, index.KindNuGet, id)
	if err != nil {
		return selection{}, err
	}
	g := newGroup(all, q.opts.semVer2)
	return finish(g.rows(0, nil), q.opts), nil
}

// packages serves Packages and Packages(): the whole catalogue of the view,
// unlisted versions included (NuGet 2.x installs an exact version with
// $filter=Id eq '…' and Version eq '…'). A filter that pins the id reads only
// that id.
func (h *Handler) packages(ctx context.Context, q *request) (selection, error) {
	var entries []index.Entry
	var err error
	if id, ok := pinnedID(q.opts.filter); ok {
		entries, err = h.feed.Versions(ctx, q.space, index.KindNuGet, id)
	} else {
		entries, err = h.feed.AllEntries(ctx, q.space, index.KindNuGet)
	}
	if err != nil {
		return selection{}, err
	}
	var rows []row
	for _, g := range groups(entries, q.opts.semVer2) {
		rows = append(rows, g.rows(0, nil)...)
	}
	return finish(rows, q.opts), nil
}

// single serves Packages(Id='…',Version='…'): one entry, any listing state,
// 404 when absent (the 5.8 client then falls back to FindPackagesById).
func (h *Handler) single(w http.ResponseWriter, q *request) error {
	ctx := q.r.Context()
	id, version := q.path.Args["id"], q.path.Args["version"]
	want, err := nuget.ParseVersion(version)
	if err != nil {
		return fmt.Errorf("%w: package %s %s", errNotFound, id, version)
	}
	all, err := h.feed.Versions(ctx, q.space, index.KindNuGet, id)
	if err != nil {
		return err
	}
	for _, e := range all {
		if !e.Version.Equal(want) {
			continue
		}
		if q.path.Value {
			// The edit-media link: send the client to the one download URL.
			http.Redirect(w, q.r, q.public+"/api/v2/package/"+pathEscape(string(e.ID))+"/"+pathEscape(e.Version.String()), http.StatusFound)
			return nil
		}
		// An exact lookup finds a SemVer2 version in any view; its flags are the SemVer2 view's then.
		g := newGroup(all, q.opts.semVer2 || isSemVer2(e))
		for i := range g.entries {
			if g.entries[i].Version.Equal(want) {
				b := h.buffer()
				defer h.bufs.Put(b)
				writeEntry(b, q.doc(), row{g: g, i: i}, true)
				h.write(w, q.r, ctEntry, b.Bytes())
				return nil
			}
		}
	}
	return fmt.Errorf("%w: package %s %s", errNotFound, id, version)
}

// search serves Search(): ids from the search index (ranking, the query
// syntax, prerelease and SemVer2 views), then their listed versions.
// $filter=IsLatestVersion / IsAbsoluteLatestVersion give one version per id;
// no filter gives every version (nuget list -AllVersions).
func (h *Handler) search(ctx context.Context, q *request) (selection, error) {
	o := q.opts
	term := q.param("searchTerm")
	iq := index.Query{Space: q.space, Kind: index.KindNuGet, Text: term, Prerelease: o.prerelease, SemVer2: o.semVer2}

	// Fast path: one version per id and the index's own order, so the
	// index pages for us. IsLatestVersion rows exist exactly for ids with a
	// listed stable version; IsAbsoluteLatestVersion rows, when prerelease is
	// allowed, for ids with any listed version.
	latest := isFlag(o.filter, "IsLatestVersion")
	absolute := isFlag(o.filter, "IsAbsoluteLatestVersion") && o.prerelease
	if len(o.orderBy) == 0 && (latest || absolute) {
		iq.Prerelease = absolute
		iq.Skip, iq.Take = o.skip, pageSize
		if o.top >= 0 {
			iq.Take = min(o.top, pageSize)
		}
		if iq.Take == 0 {
			res, err := h.feed.Search(ctx, index.Query{Space: iq.Space, Kind: iq.Kind, Text: iq.Text, Prerelease: iq.Prerelease, SemVer2: iq.SemVer2, Take: 1})
			return selection{total: res.Total, paged: true}, err
		}
		res, err := h.feed.Search(ctx, iq)
		if err != nil {
			return selection{}, err
		}
		sel := selection{total: res.Total, paged: true}
		for rank, hit := range res.Hits {
			all, err := h.feed.Versions(ctx, q.space, index.KindNuGet, string(hit.ID))
			if err != nil {
				return selection{}, err
			}
			g := newGroup(all, o.semVer2)
			i := g.latest
			if absolute {
				i = g.absLatest
			}
			if i >= 0 {
				sel.rows = append(sel.rows, row{g: g, i: i, rank: rank})
			}
		}
		return sel, nil
	}

	keep := func(e *index.Entry) bool { return e.Listed && (o.prerelease || !e.Version.IsPrerelease()) }
	var rows []row
	if strings.TrimSpace(term) == "" {
		// Everything matches: read the catalogue once instead of asking the index.
		all, err := h.feed.AllEntries(ctx, q.space, index.KindNuGet)
		if err != nil {
			return selection{}, err
		}
		for _, g := range groups(all, o.semVer2) {
			rows = append(rows, g.rows(0, keep)...)
		}
		return finish(rows, o), nil
	}
	hits, err := h.allHits(ctx, iq)
	if err != nil {
		return selection{}, err
	}
	versions := func(id string) ([]index.Entry, error) {
		return h.feed.Versions(ctx, q.space, index.KindNuGet, id)
	}
	for rank, id := range hits {
		all, err := versions(id)
		if err != nil {
			return selection{}, err
		}
		rows = append(rows, newGroup(all, o.semVer2).rows(rank, keep)...)
	}
	return finish(rows, o), nil
}

// allHits lists every id a search matches, in rank order, page by page.
func (h *Handler) allHits(ctx context.Context, iq index.Query) ([]string, error) {
	const take = 1000    // the index's largest page
	const most = 100_000 // the index's deepest skip
	var ids []string
	for iq.Skip = 0; iq.Skip < most; iq.Skip += take {
		iq.Take = take
		res, err := h.feed.Search(ctx, iq)
		if err != nil {
			return nil, err
		}
		for _, hit := range res.Hits {
			ids = append(ids, string(hit.ID))
		}
		if len(res.Hits) < take || len(ids) >= res.Total {
			break
		}
	}
	return ids, nil
}

// getUpdates serves GetUpdates(): for each packageIds[i] installed at
// versions[i], the newer listed versions allowed by versionConstraints[i];
// the highest only unless includeAllVersions (NuGet 2.x "Updates" tab, CI
// pollers).
func (h *Handler) getUpdates(ctx context.Context, q *request) (selection, error) {
	ids := splitBar(q.param("packageIds"))
	versions := splitBar(q.param("versions"))
	constraints := splitBar(q.param("versionConstraints"))
	if len(ids) != len(versions) {
		return selection{}, fmt.Errorf("%w: GetUpdates: %d packageIds but %d versions", errQuery, len(ids), len(versions))
	}
	if len(constraints) > 0 && len(constraints) != len(ids) && !(len(constraints) == 1 && constraints[0] == "") {
		return selection{}, fmt.Errorf("%w: GetUpdates: %d packageIds but %d versionConstraints", errQuery, len(ids), len(constraints))
	}
	if len(ids) > maxUpdateIDs {
		return selection{}, fmt.Errorf("%w: GetUpdates: %d packageIds; the limit is %d a request", errQuery, len(ids), maxUpdateIDs)
	}
	allVersions := boolParam(q.param("includeAllVersions"))
	var rows []row
	for i, id := range ids {
		if err := ctx.Err(); err != nil {
			return selection{}, err
		}
		current, err := nuget.ParseVersion(versions[i])
		if err != nil {
			return selection{}, fmt.Errorf("%w: GetUpdates: version %.100q of %.100s: %v", errQuery, versions[i], id, err)
		}
		var allowed nuget.VersionRange
		if i < len(constraints) && strings.TrimSpace(constraints[i]) != "" {
			if allowed, err = nuget.ParseVersionRange(constraints[i]); err != nil {
				return selection{}, fmt.Errorf("%w: GetUpdates: constraint %.100q of %.100s: %v", errQuery, constraints[i], id, err)
			}
		}
		all, err := h.feed.Versions(ctx, q.space, index.KindNuGet, id)
		if err != nil {
			return selection{}, err
		}
		g := newGroup(all, q.opts.semVer2)
		newer := g.rows(i, func(e *index.Entry) bool {
			return e.Listed && (q.opts.prerelease || !e.Version.IsPrerelease()) &&
				nuget.CompareVersions(e.Version, current) > 0 && allowed.Contains(e.Version)
		})
		if !allVersions && len(newer) > 0 {
			newer = newer[len(newer)-1:]
		}
		rows = append(rows, newer...)
	}
	return finish(rows, q.opts), nil
}

// maxUpdateIDs bounds the packages of one GetUpdates() request: each costs
// a catalogue read. NuGet 2.x asks for the packages of a solution at once,
// a few hundred at most.
const maxUpdateIDs = 1000

// splitBar splits GetUpdates' "A|B|C" lists; "" is no items.
func splitBar(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, "|")
}

// respond pages a selection and writes the feed or its $count.
func (h *Handler) respond(w http.ResponseWriter, q *request, sel selection) {
	o := q.opts
	rows := sel.rows
	if !sel.paged {
		rows = rows[min(o.skip, len(rows)):]
	}
	remaining := len(rows) // of the whole selection after $skip (unpaged case)
	if sel.paged {
		remaining = max(0, sel.total-o.skip)
	}
	if o.top >= 0 {
		remaining = min(remaining, o.top)
	}
	if q.path.Count {
		h.write(w, q.r, ctText, []byte(strconv.Itoa(remaining)))
		return
	}
	if !sel.paged {
		rows = rows[:min(len(rows), remaining, pageSize)]
	}
	doc := q.doc()
	doc.title = q.path.Resource
	doc.count, doc.withCnt = sel.total, o.inlineCnt
	// A next link only for a full page with more to come; its $skip always
	// grows, so the client never sees the same next URL twice (it would fail).
	if len(rows) == pageSize && remaining > len(rows) {
		doc.next = q.nextURL(o.skip+len(rows), o.top-len(rows))
	}
	b := h.buffer()
	defer h.bufs.Put(b)
	writeFeed(b, doc, rows)
	h.write(w, q.r, ctFeed, b.Bytes())
}

func (q *request) doc() feedDoc {
	return feedDoc{root: q.root, public: q.public, updated: q.now}
}

// nextURL is this request's URL with $skip advanced and $top reduced (top < 0: none).
func (q *request) nextURL(skip, top int) string {
	values := url.Values{}
	for k, v := range q.opts.values {
		switch strings.ToLower(k) {
		case "$skip", "$top":
		default:
			values[k] = v
		}
	}
	values.Set("$skip", strconv.Itoa(skip))
	if q.opts.top >= 0 {
		values.Set("$top", strconv.Itoa(top))
	}
	return q.root + "/" + q.rest + "?" + values.Encode()
}

// PackageIDs serves {base}/package-ids?partialId=&includePrerelease=: ids for
// a typed prefix as a JSON array (NuGet's v2 autocomplete in Visual Studio and
// the Package Manager Console).
func (h *Handler) PackageIDs(w http.ResponseWriter, r *http.Request) error {
	dataServiceVersion(w)
	space, err := h.fam.RequireRead(r)
	if err != nil {
		return err
	}
	o, err := parseOptions(r.URL.RawQuery)
	if err != nil {
		return err
	}
	res, err := h.feed.Autocomplete(r.Context(), index.Query{
		Space: space, Kind: index.KindNuGet, Text: literal(o.get("partialId")),
		Prerelease: o.prerelease, SemVer2: o.semVer2, Take: 30,
	})
	if err != nil {
		return err
	}
	ids := make([]string, 0, len(res.Hits))
	for _, hit := range res.Hits {
		ids = append(ids, string(hit.ID))
	}
	return h.writeArray(w, r, ids)
}

// PackageVersions serves {base}/package-versions/{id}?includePrerelease=: the
// listed versions of one id, ascending, as a JSON array ([] for an unknown id).
func (h *Handler) PackageVersions(w http.ResponseWriter, r *http.Request) error {
	dataServiceVersion(w)
	space, err := h.fam.RequireRead(r)
	if err != nil {
		return err
	}
	o, err := parseOptions(r.URL.RawQuery)
	if err != nil {
		return err
	}
	all, err := h.feed.Versions(r.Context(), space, index.KindNuGet, httpx.Var(r, "id"))
	if err != nil {
		return err
	}
	g := newGroup(all, o.semVer2)
	versions := []string{}
	for _, e := range g.entries {
		if e.Listed && (o.prerelease || !e.Version.IsPrerelease()) {
			versions = append(versions, e.Version.Full())
		}
	}
	return h.writeArray(w, r, versions)
}

// Download serves GET /api/v2/package/{id}/{version}, the v2 download URL
// (NuGet 2.x clients and the feed's content links).
func (h *Handler) Download(w http.ResponseWriter, r *http.Request) error {
	sp, err := h.fam.RequireRead(r)
	if err != nil {
		return err
	}
	return h.fam.ServePackage(w, r, sp, httpx.Var(r, "id"), httpx.Var(r, "version"))
}

// writeArray answers with a JSON array of strings, v2's autocomplete shape.
func (h *Handler) writeArray(w http.ResponseWriter, r *http.Request, items []string) error {
	body, err := json.Marshal(items)
	if err != nil {
		return err
	}
	h.write(w, r, ctJSON, body)
	return nil
}

// dataServiceVersion marks every v2 answer: NuGet 2.x (WCF Data Services)
// refuses responses of another version (NuGetGallery#9000).
func dataServiceVersion(w http.ResponseWriter) {
	w.Header().Set("DataServiceVersion", "2.0;")
}

func (h *Handler) buffer() *bytes.Buffer {
	b := h.bufs.Get().(*bytes.Buffer)
	b.Reset()
	return b
}

// write answers 200 with body.
func (h *Handler) write(w http.ResponseWriter, r *http.Request, contentType string, body []byte) {
	hdr := w.Header()
	hdr.Set("Content-Type", contentType)
	hdr.Set("Content-Length", strconv.Itoa(len(body)))
	hdr.Set("Cache-Control", h.fam.ListCacheControl())
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
}

// xmlAttr escapes s for an XML attribute.
func xmlAttr(s string) string {
	var b bytes.Buffer
	escape(&b, s)
	return b.String()
}
