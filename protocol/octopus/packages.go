package octopus

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/feedserver/feedserver/auth"
	"github.com/feedserver/feedserver/feed"
	"github.com/feedserver/feedserver/index"
	"github.com/feedserver/feedserver/nuget"
	"github.com/feedserver/feedserver/protocol/httpx"
)

// defaultTake is Octopus' page size when a request names none.
const defaultTake = 30

// overwriteMode reads overwriteMode (any case of name and value), else the
// legacy replace (lenient: NuGet-style "true/", .NET "True"), else
// FailIfExists. overwriteMode wins when both are sent: the precedence is
// unconfirmed (docs/protocol/octopus.md §2.3), and modern clients send only overwriteMode.
func overwriteMode(q url.Values) (feed.Overwrite, error) {
	if v := strings.TrimSpace(queryValue(q, "overwriteMode")); v != "" {
		switch strings.ToLower(v) {
		case "failifexists":
			return feed.FailIfExists, nil
		case "overwriteexisting":
			return feed.OverwriteExisting, nil
		case "ignoreifexists":
			return feed.IgnoreIfExists, nil
		}
		return 0, fmt.Errorf("%w: overwriteMode must be FailIfExists, OverwriteExisting or IgnoreIfExists, not %q", errBadRequest, v)
	}
	if queryBool(q, "replace", false) {
		return feed.OverwriteExisting, nil
	}
	return feed.FailIfExists, nil
}

// counter counts the bytes read through it: an empty upload gets Octopus'
// own message.
type counter struct {
	r io.Reader
	n int64
}

func (c *counter) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// Upload serves POST [/api/{spaceId}]/api/packages/raw: the first file part
// of a multipart body, whatever its field name (file: octopackjs, .NET, Go;
// fileToUpload: api-client; data: docs curl; fileData: docs PowerShell).
// 201 stored, 200 with the existing package when ignored, 409 duplicate.
func (h *Handler) Upload(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	sp, mode, err := h.beginUpload(r)
	if err != nil {
		return err
	}
	file, name, err := httpx.Upload(w, r, h.opts.MaxUploadBytes)
	if err != nil {
		return err
	}
	body := &counter{r: file}
	res, err := h.feed.Push(ctx, pushRequest(ctx, sp, name, body, mode))
	if err != nil {
		if body.n == 0 && errors.Is(err, feed.ErrInvalid) {
			err = errEmptyPackage
		}
		return err
	}
	return h.pushed(w, r, res)
}

// beginUpload is how every upload starts: the push permission in the space,
// then the overwrite mode.
func (h *Handler) beginUpload(r *http.Request) (auth.Space, feed.Overwrite, error) {
	sp, err := h.begin(r, auth.BuiltInFeedPush)
	if err != nil {
		return auth.Space{}, 0, err
	}
	mode, err := overwriteMode(r.URL.Query())
	if err != nil {
		return auth.Space{}, 0, err
	}
	return sp, mode, nil
}

// pushRequest is the feed push of an uploaded file into space sp. A .nupkg is
// read by its nuspec, any other archive by its file name.
func pushRequest(ctx context.Context, sp auth.Space, name string, body io.Reader, mode feed.Overwrite) feed.PushRequest {
	return feed.PushRequest{
		Space:     sp.ID,
		Protocol:  "octopus",
		FileName:  name,
		Body:      body,
		Overwrite: mode,
		// Only a known caller gets this far, so the read policy plays no part.
		CanReplace: httpx.Require(ctx, auth.Policy{}, auth.BuiltInFeedAdminister, auth.Target{Space: sp.ID}) == nil,
	}
}

// pushed answers a successful push: 201 for a stored file, 200 for an
// ignored one (the octopus CLI prints "Ignored existing package" on 200).
func (h *Handler) pushed(w http.ResponseWriter, r *http.Request, res feed.PushResult) error {
	code := http.StatusCreated
	if res.Status == feed.Ignored {
		code = http.StatusOK
	} else {
		h.log.Info("package pushed", "id", res.Entry.ID, "version", res.Entry.Version.Original(),
			"space", res.Entry.Space, "replaced", res.Status == feed.Replaced, "by", httpx.Principal(r.Context()).String())
	}
	return httpx.WriteJSON(w, r, code, newPackage(linksFor(r), res.Entry))
}

// findVersion finds one version of an id, of either kind (NuGet first).
func (h *Handler) findVersion(ctx context.Context, space, id, version string) (index.Entry, error) {
	var firstErr error
	for _, kind := range []index.Kind{index.KindNuGet, index.KindRaw} {
		e, err := h.feed.Get(ctx, space, kind, id, version)
		if err == nil {
			return e, nil
		}
		if !errors.Is(err, feed.ErrNotFound) && firstErr == nil {
			firstErr = err
		}
	}
	if firstErr != nil {
		return index.Entry{}, firstErr
	}
	return index.Entry{}, fmt.Errorf("%w: package %s %s in %s", feed.ErrNotFound, id, version, space)
}

// versionsOf is every version of an id, both kinds, newest first (SemVer).
func (h *Handler) versionsOf(ctx context.Context, space, id string, listedOnly bool) ([]index.Entry, error) {
	var out []index.Entry
	for _, kind := range []index.Kind{index.KindNuGet, index.KindRaw} {
		vs, err := h.feed.Versions(ctx, space, kind, id)
		if err != nil {
			return nil, err
		}
		for _, e := range vs {
			if e.Listed || !listedOnly {
				out = append(out, e)
			}
		}
	}
	slices.SortStableFunc(out, func(a, b index.Entry) int { return nuget.CompareVersions(b.Version, a.Version) })
	return out, nil
}

// searchPage is how many ids one search request asks for.
const searchPage = 1000

// allEntries is every listed package version of a space whose id contains
// filter (case-insensitive; "" is all), ordered by id, then newest version
// first. Octopus' filter is a partial match on the id (docs/protocol/octopus.md §6.5; case and
// anchoring unconfirmed, so the most tolerant reading).
func (h *Handler) allEntries(ctx context.Context, space, filter string) ([]index.Entry, error) {
	filter = strings.ToLower(strings.TrimSpace(filter))
	text := ""
	if filter != "" && plainToken(filter) {
		text = "id:" + filter // narrows the search; the contains check below decides
	}
	type key struct {
		kind index.Kind
		id   string
	}
	seen := map[key]bool{}
	var ids []key
	for skip := 0; ; skip += searchPage {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		res, err := h.feed.Search(ctx, index.Query{Space: space, Text: text, Prerelease: true, SemVer2: true, Skip: skip, Take: searchPage})
		if err != nil {
			return nil, err
		}
		for _, hit := range res.Hits {
			k := key{hit.Kind, hit.ID.Lower()}
			if seen[k] || (filter != "" && !strings.Contains(k.id, filter)) {
				continue
			}
			seen[k] = true
			ids = append(ids, k)
		}
		if len(res.Hits) < searchPage || skip+searchPage >= res.Total {
			break
		}
	}
	slices.SortFunc(ids, func(a, b key) int { return cmp.Or(cmp.Compare(a.id, b.id), cmp.Compare(a.kind, b.kind)) })
	var out []index.Entry
	for _, k := range ids {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		vs, err := h.feed.Versions(ctx, space, k.kind, k.id)
		if err != nil {
			return nil, err
		}
		slices.SortStableFunc(vs, func(a, b index.Entry) int { return nuget.CompareVersions(b.Version, a.Version) })
		for _, e := range vs {
			if e.Listed {
				out = append(out, e)
			}
		}
	}
	return out, nil
}

// plainToken reports whether s can go into an id: query unquoted.
func plainToken(s string) bool {
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// latestOnly keeps the first (newest) entry of each id of a list ordered as
// allEntries orders it.
func latestOnly(entries []index.Entry) []index.Entry {
	var out []index.Entry
	for i, e := range entries {
		if i > 0 && entries[i-1].ID.Lower() == e.ID.Lower() && entries[i-1].Kind == e.Kind {
			continue
		}
		out = append(out, e)
	}
	return out
}

// List serves GET [/api/{spaceId}]/api/packages{?nuGetPackageId,filter,latest,skip,take,includeNotes}.
func (h *Handler) List(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	sp, err := h.begin(r, auth.FeedView)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	skip, take, err := paging(q, defaultTake)
	if err != nil {
		return err
	}
	id, filter := strings.TrimSpace(queryValue(q, "nuGetPackageId")), queryValue(q, "filter")
	if err := checkFilter("filter", filter); err != nil {
		return err
	}
	var entries []index.Entry
	switch {
	case id != "" && filter != "":
		//lint:ignore ST1005 Octopus' own text, which clients print as is: a sentence.
		return fmt.Errorf("%w: Only one of either nuGetPackageId or filter may be specified.", errBadRequest)
	case id != "":
		entries, err = h.versionsOf(ctx, sp.ID, id, true)
	default:
		entries, err = h.allEntries(ctx, sp.ID, filter)
	}
	if err != nil {
		return err
	}
	if queryBool(q, "latest", false) {
		entries = latestOnly(entries)
	}
	l := linksFor(r)
	total := len(entries)
	items := make([]packageResource, 0, min(take, total))
	for _, e := range page(entries, skip, take) {
		items = append(items, newPackage(l, e))
	}
	return httpx.WriteJSON(w, r, http.StatusOK, newCollection("Package", items, total, skip, take, l.space(sp.ID, "/packages"), q))
}

// Get serves GET [/api/{spaceId}]/api/packages/{id}, with or without the
// "packages-" prefix.
func (h *Handler) Get(w http.ResponseWriter, r *http.Request) error {
	sp, err := h.begin(r, auth.FeedView)
	if err != nil {
		return err
	}
	e, err := h.findPackage(r.Context(), sp.ID, httpx.Var(r, "id"))
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, r, http.StatusOK, newPackage(linksFor(r), e))
}

// Raw serves GET [/api/{spaceId}]/api/packages/{id}/raw: the file, with
// ranges and conditional requests (docs download scripts use it).
func (h *Handler) Raw(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	sp, err := h.begin(r, auth.BuiltInFeedDownload)
	if err != nil {
		return err
	}
	e, err := h.findPackage(ctx, sp.ID, httpx.Var(r, "id"))
	if err != nil {
		return err
	}
	blob, e, err := h.feed.Open(ctx, sp.ID, e.Kind, e.ID.Lower(), e.Version.String())
	if err != nil {
		return err
	}
	defer blob.Close()
	name := string(e.ID) + "." + e.Version.Original() + e.Extension
	httpx.PackageBytes(w.Header(), "application/octet-stream", name)
	w.Header().Set("ETag", `"`+e.SHA1+`"`)
	if r.Method == http.MethodGet && r.Header.Get("Range") == "" {
		h.feed.RecordDownload(ctx, e)
	}
	http.ServeContent(w, r, "", e.Published, blob)
	return nil
}

// Delete serves DELETE [/api/{spaceId}]/api/packages/{id} (Octopus.Client
// sends it as POST with X-HTTP-Method-Override: DELETE). 200 as Swagger says;
// the Go and .NET clients ignore the body.
func (h *Handler) Delete(w http.ResponseWriter, r *http.Request) error {
	sp, err := h.begin(r, auth.BuiltInFeedAdminister)
	if err != nil {
		return err
	}
	if err := h.deleteOne(r, sp.ID, httpx.Var(r, "id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusOK)
	return nil
}

func (h *Handler) deleteOne(r *http.Request, space, ref string) error {
	ctx := r.Context()
	e, err := h.findPackage(ctx, space, ref)
	if err != nil {
		return err
	}
	if _, err := h.feed.Delete(ctx, space, e.Kind, e.ID.Lower(), e.Version.String()); err != nil {
		return err
	}
	h.log.Info("package deleted", "id", e.ID, "version", e.Version.Original(), "space", space,
		"by", httpx.Principal(ctx).String())
	return nil
}

// BulkDelete serves DELETE [/api/{spaceId}]/api/packages/bulk?ids=a,b,c
// (Octopus.Client DeletePackages; repeated ids= accepted too). Ids that are
// already gone are skipped, so a retried bulk delete succeeds.
func (h *Handler) BulkDelete(w http.ResponseWriter, r *http.Request) error {
	sp, err := h.begin(r, auth.BuiltInFeedAdminister)
	if err != nil {
		return err
	}
	ids := queryValues(r.URL.Query(), "ids")
	if len(ids) == 0 {
		return fmt.Errorf("%w: no ids parameter was provided", errBadRequest)
	}
	if err := checkReferences("ids", ids); err != nil {
		return err
	}
	for _, id := range ids {
		if err := r.Context().Err(); err != nil {
			return err
		}
		if err := h.deleteOne(r, sp.ID, id); err != nil && !errors.Is(err, feed.ErrNotFound) {
			return err
		}
	}
	w.WriteHeader(http.StatusOK)
	return nil
}

// Versions serves GET /api/{spaceId}/feeds/{feedId}/packages/versions
// ?packageId=…: newest first by SemVer, as clients read take=1 as "latest"
// (the octopus CLI's package versions).
func (h *Handler) Versions(w http.ResponseWriter, r *http.Request) error {
	sp, err := h.begin(r, auth.FeedView)
	if err != nil {
		return err
	}
	if err := checkFeed(r); err != nil {
		return err
	}
	q := r.URL.Query()
	id := strings.TrimSpace(queryValue(q, "packageId"))
	if id == "" {
		return fmt.Errorf("%w: %s", errBadRequest, msgNoPackageID)
	}
	skip, take, err := paging(q, defaultTake)
	if err != nil {
		return err
	}
	for _, name := range []string{"versionRange", "preReleaseTag", "filter"} {
		if err := checkFilter(name, queryValue(q, name)); err != nil {
			return err
		}
	}
	var vr *nuget.VersionRange
	if s := strings.TrimSpace(queryValue(q, "versionRange")); s != "" {
		parsed, err := nuget.ParseVersionRange(s)
		if err != nil {
			return fmt.Errorf("%w: the versionRange %q is not a valid range", errBadRequest, s)
		}
		vr = &parsed
	}
	// Unconfirmed default (docs/protocol/octopus.md §6.6): prereleases are included unless the caller
	// says includePreRelease=false; a version a client cannot see is worse
	// than one it skips.
	pre := queryBool(q, "includePreRelease", true)
	tag := strings.ToLower(strings.TrimSpace(queryValue(q, "preReleaseTag")))
	filter := strings.ToLower(strings.TrimSpace(queryValue(q, "filter")))
	entries, err := h.versionsOf(r.Context(), sp.ID, id, true)
	if err != nil {
		return err
	}
	kept := entries[:0]
	for _, e := range entries {
		v := e.Version
		switch {
		case !pre && v.IsPrerelease():
		case vr != nil && !vr.Contains(v):
		case tag != "" && !strings.Contains(strings.ToLower(v.String()), "-"+tag):
		case filter != "" && !strings.Contains(strings.ToLower(v.Original()), filter):
		default:
			kept = append(kept, e)
		}
	}
	notes := queryBool(q, "includeReleaseNotes", false)
	l := linksFor(r)
	var items []packageVersionResource
	for _, e := range page(kept, skip, take) {
		items = append(items, newPackageVersion(l, e, notes))
	}
	self := l.space(sp.ID, "/feeds/"+builtInFeedID+"/packages/versions")
	return httpx.WriteJSON(w, r, http.StatusOK, newCollection("PackageVersion", items, len(kept), skip, take, self, q))
}

// SearchFeed serves GET /api/{spaceId}/feeds/{feedId}/packages/search?term=:
// one item per package id with its latest version.
func (h *Handler) SearchFeed(w http.ResponseWriter, r *http.Request) error {
	sp, err := h.begin(r, auth.FeedView)
	if err != nil {
		return err
	}
	if err := checkFeed(r); err != nil {
		return err
	}
	q := r.URL.Query()
	skip, take, err := paging(q, defaultTake)
	if err != nil {
		return err
	}
	term := queryValue(q, "term")
	if err := checkFilter("term", term); err != nil {
		return err
	}
	entries, err := h.allEntries(r.Context(), sp.ID, term)
	if err != nil {
		return err
	}
	entries = latestOnly(entries)
	l := linksFor(r)
	var items []packageDescriptionResource
	for _, e := range page(entries, skip, take) {
		p := newPackage(l, e)
		items = append(items, packageDescriptionResource{
			ID: string(e.ID), Name: string(e.ID), LatestVersion: p.Version, Description: p.Description,
			Links: map[string]string{"Versions": p.Links["AllVersions"]},
		})
	}
	self := l.space(sp.ID, "/feeds/"+builtInFeedID+"/packages/search")
	return httpx.WriteJSON(w, r, http.StatusOK, newCollection("PackageDescription", items, len(entries), skip, take, self, q))
}

// Notes serves GET [/api/{spaceId}]/api/packages/notes?packageIds=…: the
// release notes of NuGet packages. The element format of packageIds is
// unconfirmed (docs/protocol/octopus.md §6.7), so each element may be a resource id
// ("packages-A.1.0.0"), "A.1.0.0", "A:1.0.0" or "feeds-builtin:A:1.0.0".
func (h *Handler) Notes(w http.ResponseWriter, r *http.Request) error {
	sp, err := h.begin(r, auth.FeedView)
	if err != nil {
		return err
	}
	refs := queryValues(r.URL.Query(), "packageIds")
	if err := checkReferences("packageIds", refs); err != nil {
		return err
	}
	for _, ref := range refs {
		// "feeds-builtin:{id}:{version}" is the longest form.
		if len(ref) > len(builtInFeedID)+1+maxReference {
			return fmt.Errorf("%w: a package reference is at most %d characters", errBadRequest, maxReference)
		}
	}
	out := packageNoteList{Packages: []packageNote{}}
	for _, ref := range refs {
		if err := r.Context().Err(); err != nil {
			return err
		}
		out.Packages = append(out.Packages, h.note(r.Context(), sp.ID, ref))
	}
	return httpx.WriteJSON(w, r, http.StatusOK, out)
}

func (h *Handler) note(ctx context.Context, space, ref string) packageNote {
	n := packageNote{FeedID: builtInFeedID}
	var e index.Entry
	var err error
	if parts := strings.Split(ref, ":"); len(parts) >= 2 {
		id, version := parts[len(parts)-2], parts[len(parts)-1]
		n.PackageID, n.Version = id, version
		e, err = h.findVersion(ctx, space, id, version)
	} else {
		n.PackageID = ref
		e, err = h.findPackage(ctx, space, ref)
	}
	if err != nil {
		reason := "The package " + ref + " was not found in the built-in feed."
		switch {
		case errors.Is(err, errBadRequest), errors.Is(err, feed.ErrInvalid):
			reason = "The package reference " + ref + " is not valid: " + err.Error()
		case !errors.Is(err, feed.ErrNotFound):
			reason = "The release notes of " + ref + " could not be read."
		}
		n.Notes = packageNoteNotes{FailureReason: &reason, DisplayMessage: &reason}
		return n
	}
	n.PackageID, n.Version = string(e.ID), e.Version.Original()
	n.Notes.Succeeded = true
	if e.Manifest != nil {
		n.Notes.Notes = optional(e.Manifest.ReleaseNotes)
	}
	return n
}
