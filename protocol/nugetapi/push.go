package nugetapi

import (
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/feedserver/feedserver/auth"
	"github.com/feedserver/feedserver/feed"
	"github.com/feedserver/feedserver/index"
	"github.com/feedserver/feedserver/protocol/httpx"
)

// uploadSlack is what a push body may carry beyond MaxUploadBytes for the
// multipart framing around the package; the package itself is capped by the feed.
const uploadSlack = 64 << 10

// Push stores the package of a PUT or POST on a publish URL: 201 created,
// 409 duplicate, 400 bad package, 401/403 auth, 413 too large.
func (h *Handler) Push(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	sp := routeSpace(r)
	if err := h.require(r, auth.BuiltInFeedPush, sp); err != nil {
		httpx.Drain(r.Body)
		h.fail(w, r, err, false)
		return
	}
	var body io.Reader = r.Body
	if limit := h.opts.MaxUploadBytes; limit > 0 {
		if r.ContentLength > limit+uploadSlack {
			// Known too large before a byte is read.
			httpx.Drain(r.Body)
			h.fail(w, r, &http.MaxBytesError{Limit: limit}, false)
			return
		}
		body = http.MaxBytesReader(w, r.Body, limit+uploadSlack)
	}
	file, _, err := httpx.FilePart(r, body)
	if err != nil {
		httpx.Drain(r.Body)
		h.fail(w, r, err, false)
		return
	}
	overwrite := feed.FailIfExists
	if replaceRequested(r.URL.RawQuery) {
		overwrite = feed.OverwriteExisting
	}
	res, err := h.feed.Push(ctx, feed.PushRequest{
		Space:    sp,
		Protocol: "nuget",
		// No file name: the nuspec says what it is. NuGet always names the part
		// "package.nupkg" (docs/protocol/nuget.md §7.2), and a .zip here is still a nupkg.
		Body:       file,
		Overwrite:  overwrite,
		CanReplace: h.require(r, auth.BuiltInFeedAdminister, sp) == nil,
	})
	if err != nil {
		httpx.Drain(r.Body)
		h.fail(w, r, err, false)
		return
	}
	h.log.Info("package pushed", "id", res.Entry.ID, "version", res.Entry.Version.Original(),
		"space", sp, "replaced", res.Status == feed.Replaced, "by", httpx.Principal(ctx).String())
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusCreated)
	_, _ = io.WriteString(w, "Created "+string(res.Entry.ID)+" "+res.Entry.Version.Original()+"\n")
}

// replaceRequested reads ?replace=true leniently: NuGet.exe appends "/" to
// the source URL, so "-Source .../nuget/packages?replace=true" arrives as
// "?replace=true/" (docs/protocol/nuget.md §7.4); the name is matched in any case.
func replaceRequested(rawQuery string) bool {
	if rawQuery == "" {
		return false
	}
	q, _ := url.ParseQuery(rawQuery) // a malformed pair elsewhere does not hide replace
	for name, values := range q {
		if !strings.EqualFold(name, "replace") {
			continue
		}
		for _, v := range values {
			if strings.EqualFold(strings.TrimRight(strings.TrimSpace(v), "/"), "true") {
				return true
			}
		}
	}
	return false
}

// Delete handles DELETE {publish}/{id}/{version} (nuget delete): remove or
// unlist per DeleteMode; 204, or 404 when the version is absent. It needs
// BuiltInFeedAdminister.
func (h *Handler) Delete(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	sp := routeSpace(r)
	if err := h.require(r, auth.BuiltInFeedAdminister, sp); err != nil {
		h.fail(w, r, err, false)
		return
	}
	// nuget delete sends id and version as typed; the feed matches them case-insensitively and normalised.
	id, version := httpx.Var(r, "id"), httpx.Var(r, "version")
	var err error
	if h.opts.DeleteMode == DeleteUnlists {
		_, err = h.feed.SetListed(ctx, sp, index.KindNuGet, id, version, false)
	} else {
		_, err = h.feed.Delete(ctx, sp, index.KindNuGet, id, version)
	}
	if err != nil {
		h.fail(w, r, err, false)
		return
	}
	h.log.Info("package deleted", "id", id, "version", version, "space", sp, "mode", h.opts.DeleteMode,
		"by", httpx.Principal(ctx).String())
	w.WriteHeader(http.StatusNoContent)
}

// Relist handles POST {publish}/{id}/{version}: list the version again; 200,
// or 404 when absent. No official client sends it; scripts and the web UI do.
func (h *Handler) Relist(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	sp := routeSpace(r)
	if err := h.require(r, auth.BuiltInFeedAdminister, sp); err != nil {
		h.fail(w, r, err, false)
		return
	}
	if _, err := h.feed.SetListed(ctx, sp, index.KindNuGet, httpx.Var(r, "id"), httpx.Var(r, "version"), true); err != nil {
		h.fail(w, r, err, false)
		return
	}
	w.WriteHeader(http.StatusOK)
}
