package v3

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/feedserver/feedserver/feed"
	"github.com/feedserver/feedserver/index"
	"github.com/feedserver/feedserver/nuget"
	"github.com/feedserver/feedserver/protocol/document"
	"github.com/feedserver/feedserver/protocol/httpx"
	"github.com/feedserver/feedserver/protocol/nugethttp"
)

// The flat container (PackageBaseAddress/3.0.0): a package's versions and
// its files, addressed by lowercase id and version.

// Versions serves the flat container's {id}/index.json: every version,
// listed or not, lowercase and normalised; 404 for an unknown id (NuGet
// restore reads that as "package not found", NU1101).
//
// The rendered document is cached under the feed's generation, read before
// the catalogue: a change committed meanwhile bumps the generation after its
// commit, so the document goes in under the old number and the next request,
// seeing the new one, renders afresh. A restore asks for this document for
// every package it resolves, which made it the busiest read.
func (h *Handler) Versions(w http.ResponseWriter, r *http.Request) error {
	sp, err := h.fam.RequireRead(r)
	if err != nil {
		return err
	}
	id := httpx.Var(r, "id")
	key, stamp := sp+"\x00"+strings.ToLower(id), document.GenerationStamp(h.feed.Generation())
	// A mirrored space's versions change upstream too, which the generation
	// does not count: the feed's upstream client caches those instead.
	mirrored := h.feed.Upstream(sp) != ""
	if d := h.flat.Get(key, stamp); d != nil && !mirrored {
		document.Serve(w, r, d, h.fam.ListCacheControl(), "Accept-Encoding")
		return nil
	}
	entries, err := h.feed.Versions(r.Context(), sp, index.KindNuGet, id)
	if err != nil {
		return err
	}
	if len(entries) == 0 {
		return fmt.Errorf("%w: no versions of %s", feed.ErrNotFound, id)
	}
	doc := struct {
		Versions []string `json:"versions"`
	}{Versions: make([]string, 0, len(entries))}
	for _, e := range entries {
		doc.Versions = append(doc.Versions, e.Version.Lower())
	}
	body, err := json.Marshal(doc)
	if err != nil {
		return err
	}
	d := document.New(stamp, body, "application/json", true)
	if !mirrored {
		h.flat.Put(key, d)
	}
	document.Serve(w, r, d, h.fam.ListCacheControl(), "Accept-Encoding")
	return nil
}

// Content serves the flat container's {id}/{version}/{file}: the .nupkg
// ({id}.{version}.nupkg), its nuspec ({id}.nuspec, no version in the name),
// or the readme, icon or licence file it embeds (readme, icon, license).
// Matching is case-insensitive; the 5.8 client keeps the version's casing
// from index.json, other tools lowercase everything.
func (h *Handler) Content(w http.ResponseWriter, r *http.Request) error {
	sp, err := h.fam.RequireRead(r)
	if err != nil {
		return err
	}
	id, version, file := httpx.Var(r, "id"), httpx.Var(r, "version"), strings.ToLower(httpx.Var(r, "file"))
	lowerID := strings.ToLower(id)
	switch {
	case file == lowerID+".nuspec":
		return h.fam.ServeNuspec(w, r, sp, id, version)
	case file == string(nugethttp.Readme), file == string(nugethttp.Icon), file == string(nugethttp.License):
		return h.fam.ServeEmbedded(w, r, sp, id, version, nugethttp.Embedded(file))
	case strings.HasPrefix(file, lowerID+".") && strings.HasSuffix(file, ".nupkg"):
		// The file name repeats the version; it must be the same version, in any spelling.
		named := strings.TrimSuffix(strings.TrimPrefix(file, lowerID+"."), ".nupkg")
		if !sameVersion(named, version) {
			return fmt.Errorf("%w: %s does not name version %s", feed.ErrNotFound, file, version)
		}
		return h.fam.ServePackage(w, r, sp, id, version)
	}
	return fmt.Errorf("%w: no file %s", feed.ErrNotFound, file)
}

// sameVersion reports whether a and b spell one version (case, normalisation).
func sameVersion(a, b string) bool {
	if strings.EqualFold(a, b) {
		return true
	}
	va, errA := nuget.ParseVersion(a)
	vb, errB := nuget.ParseVersion(b)
	return errA == nil && errB == nil && va.Equal(vb)
}
