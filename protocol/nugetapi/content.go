package nugetapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/feedserver/feedserver/feed"
	"github.com/feedserver/feedserver/index"
	"github.com/feedserver/feedserver/nuget"
	"github.com/feedserver/feedserver/protocol/document"
	"github.com/feedserver/feedserver/protocol/httpx"
)

// Cache lifetimes. Lists must show a push at once, so they are revalidated
// every time (cheap: the ETag answers 304). A package's bytes only change
// when an administrator pushes with replace=true, so caches may keep them a
// few minutes and then revalidate.
const (
	cacheList    = "no-cache"
	cachePackage = "max-age=300, must-revalidate"
)

// Versions serves the flat container's {id}/index.json: every version,
// listed or not, lowercase and normalised; 404 for an unknown id (NuGet
// restore reads that as "package not found", NU1101).
//
// The rendered document is cached under the feed's generation, read before
// the catalogue: a change committed meanwhile bumps the generation after its
// commit, so the document goes in under the old number and the next request,
// seeing the new one, renders afresh. A restore asks for this document for
// every package it resolves, which made it the busiest read.
func (h *Handler) Versions(w http.ResponseWriter, r *http.Request) {
	sp := routeSpace(r)
	if err := h.requireRead(r, sp); err != nil {
		h.fail(w, r, err, true)
		return
	}
	id := httpx.Var(r, "id")
	key, stamp := sp+"\x00"+strings.ToLower(id), document.GenerationStamp(h.feed.Generation())
	if d := h.docs.Get(key, stamp); d != nil {
		document.Serve(w, r, d, h.cacheControl(cacheList), "Accept-Encoding")
		return
	}
	entries, err := h.feed.Versions(r.Context(), sp, index.KindNuGet, id)
	if err != nil {
		h.fail(w, r, err, true)
		return
	}
	if len(entries) == 0 {
		h.fail(w, r, fmt.Errorf("%w: no versions of %s", feed.ErrNotFound, id), true)
		return
	}
	doc := struct {
		Versions []string `json:"versions"`
	}{Versions: make([]string, 0, len(entries))}
	for _, e := range entries {
		doc.Versions = append(doc.Versions, e.Version.Lower())
	}
	body, err := json.Marshal(doc)
	if err != nil {
		h.fail(w, r, err, true)
		return
	}
	d := document.New(stamp, body, "application/json", true)
	h.docs.Put(key, d)
	document.Serve(w, r, d, h.cacheControl(cacheList), "Accept-Encoding")
}

// cacheControl marks responses private when reads need credentials, so a
// shared cache never hands one user's download to another.
func (h *Handler) cacheControl(v string) string {
	if h.opts.RequireAuthForReads {
		return "private, " + v
	}
	if v == cacheList {
		return v
	}
	return "public, " + v
}

// Content serves the flat container's {id}/{version}/{file}: the .nupkg
// ({id}.{version}.nupkg) or its nuspec ({id}.nuspec, no version in the name).
// Matching is case-insensitive; the 5.8 client keeps the version's casing
// from index.json, other tools lowercase everything.
func (h *Handler) Content(w http.ResponseWriter, r *http.Request) {
	sp := routeSpace(r)
	if err := h.requireRead(r, sp); err != nil {
		h.fail(w, r, err, true)
		return
	}
	id, version, file := httpx.Var(r, "id"), httpx.Var(r, "version"), strings.ToLower(httpx.Var(r, "file"))
	lowerID := strings.ToLower(id)
	switch {
	case file == lowerID+".nuspec":
		h.serveNuspec(w, r, sp, id, version)
	case strings.HasPrefix(file, lowerID+".") && strings.HasSuffix(file, ".nupkg"):
		// The file name repeats the version; it must be the same version, in any spelling.
		named := strings.TrimSuffix(strings.TrimPrefix(file, lowerID+"."), ".nupkg")
		if !sameVersion(named, version) {
			h.fail(w, r, fmt.Errorf("%w: %s does not name version %s", feed.ErrNotFound, file, version), true)
			return
		}
		h.serveNupkg(w, r, sp, id, version)
	default:
		h.fail(w, r, fmt.Errorf("%w: no file %s", feed.ErrNotFound, file), true)
	}
}

// Download serves GET /api/v2/package/{id}/{version}, the v2 download URL
// (NuGet 2.x clients and the v2 feed's content links).
func (h *Handler) Download(w http.ResponseWriter, r *http.Request) {
	sp := routeSpace(r)
	if err := h.requireRead(r, sp); err != nil {
		h.fail(w, r, err, true)
		return
	}
	h.serveNupkg(w, r, sp, httpx.Var(r, "id"), httpx.Var(r, "version"))
}

func sameVersion(a, b string) bool {
	if strings.EqualFold(a, b) {
		return true
	}
	va, errA := nuget.ParseVersion(a)
	vb, errB := nuget.ParseVersion(b)
	return errA == nil && errB == nil && va.Equal(vb)
}

// serveNupkg streams the stored file with Range, HEAD and conditional
// requests handled by http.ServeContent (sendfile for a filesystem blob), and
// counts a download for a full GET.
func (h *Handler) serveNupkg(w http.ResponseWriter, r *http.Request, sp, id, version string) {
	ctx := r.Context()
	blob, e, err := h.feed.Open(ctx, sp, index.KindNuGet, id, version)
	if err != nil {
		h.fail(w, r, err, true)
		return
	}
	defer blob.Close()
	etag := packageETag(e, "")
	hdr := w.Header()
	httpx.PackageBytes(hdr, "application/octet-stream", e.ID.Lower()+"."+e.Version.Lower()+".nupkg")
	hdr.Set("Cache-Control", h.cacheControl(cachePackage))
	if etag != "" {
		hdr.Set("ETag", etag)
	}
	count := r.Method == http.MethodGet && r.Header.Get("Range") == "" && !etagListed(r.Header.Get("If-None-Match"), etag)
	http.ServeContent(w, r, "", blob.Info().ModTime, blob)
	if count {
		// After the response, on a context that outlives it: the count must not delay or fail the download.
		h.feed.RecordDownload(context.WithoutCancel(ctx), e)
	}
}

// serveNuspec serves the nuspec as stored inside the nupkg, byte for byte.
func (h *Handler) serveNuspec(w http.ResponseWriter, r *http.Request, sp, id, version string) {
	blob, e, err := h.feed.Open(r.Context(), sp, index.KindNuGet, id, version)
	if err != nil {
		h.fail(w, r, err, true)
		return
	}
	defer blob.Close()
	var ra io.ReaderAt
	if x, ok := blob.(io.ReaderAt); ok {
		ra = x
	} else {
		// A store without random access (none yet): read the package into memory.
		data, err := io.ReadAll(blob)
		if err != nil {
			h.fail(w, r, fmt.Errorf("read %s %s: %w", id, version, err), true)
			return
		}
		ra = bytes.NewReader(data)
	}
	pkg, err := nuget.ReadPackage(ra, blob.Info().Size, nuget.Limits{})
	if err != nil {
		// The package was valid when pushed: an unreadable stored file is the server's problem.
		// %v, not %w: this is not the client's invalid package; but a store
		// that stopped answering while it was read is a 503.
		failed := fmt.Errorf("read nuspec of stored %s %s: %v", id, version, err)
		if errors.Is(err, feed.ErrStoreUnavailable) {
			failed = fmt.Errorf("%w: %v", feed.ErrStoreUnavailable, failed)
		}
		h.fail(w, r, failed, true)
		return
	}
	// The publisher's XML, byte for byte: a browser would render it, and an
	// XHTML <script> in it would run on the feed's origin (issue 17 row 3),
	// so it goes out as an attachment under a sandbox. NuGet clients parse
	// the body whatever the headers say (NuGet.Protocol HttpStreamValidation).
	hdr := w.Header()
	httpx.PackageBytes(hdr, "application/xml", e.ID.Lower()+".nuspec")
	hdr.Set("Cache-Control", h.cacheControl(cachePackage))
	if etag := packageETag(e, "nuspec-"); etag != "" {
		hdr.Set("ETag", etag)
	}
	http.ServeContent(w, r, "", blob.Info().ModTime, bytes.NewReader(pkg.Nuspec))
}

// packageETag is a strong ETag from the package's SHA-512 (base64 is legal
// etag text), so a replaced package never matches the old one.
func packageETag(e index.Entry, prefix string) string {
	if e.SHA512 == "" {
		return ""
	}
	return `"` + prefix + e.SHA512 + `"`
}

// etagListed reports whether an If-None-Match header names etag (or is "*").
func etagListed(header, etag string) bool {
	if header == "" || etag == "" {
		return false
	}
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == etag || t == "*" {
			return true
		}
	}
	return false
}
