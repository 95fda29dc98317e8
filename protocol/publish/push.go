package publish

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

// Push stores the package of a PUT or POST on a publish URL: 201 created,
// 409 duplicate, 400 bad package, 401/403 auth, 413 too large.
func (h *Handler) Push(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	sp, file, canReplace, err := h.upload(w, r)
	if err != nil {
		return err
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
		CanReplace: canReplace,
	})
	if err != nil {
		return err
	}
	h.log.Info("package pushed", "id", res.Entry.ID, "version", res.Entry.Version.Original(),
		"space", sp, "replaced", res.Status == feed.Replaced, "by", httpx.Principal(ctx).String())
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusCreated)
	_, _ = io.WriteString(w, "Created "+string(res.Entry.ID)+" "+res.Entry.Version.Original()+"\n")
	return nil
}

// PushSymbols stores the symbol package (.snupkg) of a PUT on the symbol
// publish URL, the SymbolPackagePublish/4.9.0 resource of the service index,
// to which NuGet.exe 4.9+ pushes X.snupkg right after X.nupkg, in the same
// multipart form with the same API key (NuGet.Client PushRunner and
// PackageUpdateResource; docs/protocol/nuget.md §12.1). The answers are
// nuget.org's: 201 stored (or the same PDBs stored already), 400 not a
// valid symbol package, 404 no package with that id and version, 413 too
// large; and 409 when the version has other symbols and the key may not
// replace them (feed.PushSymbols says why).
func (h *Handler) PushSymbols(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	sp, file, canReplace, err := h.upload(w, r)
	if err != nil {
		return err
	}
	res, err := h.feed.PushSymbols(ctx, sp, file, canReplace)
	if err != nil {
		return err
	}
	h.log.Info("symbol package pushed", "id", res.Entry.ID, "version", res.Entry.Version.Original(),
		"space", sp, "replaced", res.Status == feed.Replaced, "by", httpx.Principal(ctx).String())
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusCreated)
	msg := "Created symbols of "
	if res.Status == feed.Ignored {
		msg = "Already stored: these symbols of "
	}
	_, _ = io.WriteString(w, msg+string(res.Entry.ID)+" "+res.Entry.Version.Original()+"\n")
	return nil
}

// upload checks the push permission in the route's space and opens the
// uploaded file; canReplace says whether the key may also replace what is
// stored (BuiltInFeedAdminister).
func (h *Handler) upload(w http.ResponseWriter, r *http.Request) (space string, file io.Reader, canReplace bool, err error) {
	space, err = h.fam.Require(r, auth.BuiltInFeedPush)
	if err != nil {
		return "", nil, false, err
	}
	file, _, err = httpx.Upload(w, r, h.opts.MaxUploadBytes)
	if err != nil {
		return "", nil, false, err
	}
	_, notAdmin := h.fam.Require(r, auth.BuiltInFeedAdminister)
	return space, file, notAdmin == nil, nil
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
func (h *Handler) Delete(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	sp, err := h.fam.Require(r, auth.BuiltInFeedAdminister)
	if err != nil {
		return err
	}
	// nuget delete sends id and version as typed; the feed matches them case-insensitively and normalised.
	id, version := httpx.Var(r, "id"), httpx.Var(r, "version")
	if h.opts.DeleteMode == deleteUnlists {
		_, err = h.feed.SetListed(ctx, sp, index.KindNuGet, id, version, false)
	} else {
		_, err = h.feed.Delete(ctx, sp, index.KindNuGet, id, version)
	}
	if err != nil {
		return err
	}
	h.log.Info("package deleted", "id", id, "version", version, "space", sp, "mode", h.opts.DeleteMode,
		"by", httpx.Principal(ctx).String())
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// Relist handles POST {publish}/{id}/{version}: list the version again; 200,
// or 404 when absent. No official client sends it; scripts and the web UI do.
func (h *Handler) Relist(w http.ResponseWriter, r *http.Request) error {
	sp, err := h.fam.Require(r, auth.BuiltInFeedAdminister)
	if err != nil {
		return err
	}
	if _, err := h.feed.SetListed(r.Context(), sp, index.KindNuGet, httpx.Var(r, "id"), httpx.Var(r, "version"), true); err != nil {
		return err
	}
	w.WriteHeader(http.StatusOK)
	return nil
}
