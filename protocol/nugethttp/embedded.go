package nugethttp

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"path"
	"strings"

	"github.com/feedserver/feedserver/feed"
	"github.com/feedserver/feedserver/index"
	"github.com/feedserver/feedserver/nuget"
	"github.com/feedserver/feedserver/protocol/httpx"
)

// Embedded names a file a package's nuspec points at inside the package
// (docs/protocol/nuget.md §13).
type Embedded string

// The embedded files served, by the last segment of their flat-container
// URL: {id}/{version}/readme (ReadmeUriTemplate/6.13.0), /icon (nuget.org's
// iconUrl) and /license (registration's licenseUrl for a licence file).
const (
	Readme  Embedded = "readme"
	Icon    Embedded = "icon"
	License Embedded = "license"
)

// Named reports whether the manifest names a file of this kind (a licence
// by expression names none).
func (k Embedded) Named(m *nuget.Manifest) bool {
	if m == nil {
		return false
	}
	switch k {
	case Readme:
		return m.Readme != ""
	case Icon:
		return m.Icon != ""
	case License:
		return m.License != nil && strings.EqualFold(m.License.Type, "file")
	}
	return false
}

// only is a manifest naming just this kind's file, so that a broken file of
// another kind does not stop this one from being served.
func (k Embedded) only(m *nuget.Manifest) *nuget.Manifest {
	one := &nuget.Manifest{ID: m.ID, Version: m.Version}
	switch k {
	case Readme:
		one.Readme = m.Readme
	case Icon:
		one.Icon = m.Icon
	case License:
		one.License = m.License
	}
	return one
}

// ServeEmbedded serves the readme, icon or licence file that the package id
// and version in space embeds, as package bytes (an attachment, nosniff, the
// sandbox CSP). The readme is text/markdown, the licence text/plain whatever
// its extension, the icon image/png or image/jpeg by its bytes: package text
// is never served as HTML. A package that names no such file, or names one
// it does not hold or that breaks nuget.org's rules, is a 404.
func (fam *Family) ServeEmbedded(w http.ResponseWriter, r *http.Request, space, id, version string, kind Embedded) error {
	blob, e, err := fam.feed.Open(r.Context(), space, index.KindNuGet, id, version)
	if err != nil {
		return err
	}
	defer blob.Close()
	if !kind.Named(e.Manifest) {
		return fmt.Errorf("%w: %s %s has no embedded %s", feed.ErrNotFound, e.ID, e.Version.String(), kind)
	}
	ra, err := readerAt(blob, id, version)
	if err != nil {
		return err
	}
	files, err := nuget.ReadEmbeddedFiles(ra, blob.Info().Size, kind.only(e.Manifest))
	switch {
	case errors.Is(err, feed.ErrStoreUnavailable):
		return fmt.Errorf("read the %s of %s %s: %w", kind, id, version, err)
	case err != nil:
		// The nuspec names a file the package cannot give (pushed before
		// these files were checked): there is nothing to serve, not a bad request.
		return fmt.Errorf("%w: the %s of %s %s cannot be served: %v", feed.ErrNotFound, kind, e.ID, e.Version.String(), err)
	}
	var f *nuget.EmbeddedFile
	switch kind {
	case Readme:
		f = files.Readme
	case Icon:
		f = files.Icon
	case License:
		f = files.License
	}
	if f == nil {
		return fmt.Errorf("%w: %s %s has no embedded %s", feed.ErrNotFound, e.ID, e.Version.String(), kind)
	}
	contentType := f.ContentType
	if kind == License {
		// A licence.md is still shown as text: licenseUrl is a page people open.
		contentType = "text/plain; charset=utf-8"
	}
	hdr := w.Header()
	httpx.PackageBytes(hdr, contentType, path.Base(f.Path))
	hdr.Set("Cache-Control", httpx.ReadCache(fam.policy, cachePackage))
	if etag := packageETag(e, string(kind)+"-"); etag != "" {
		hdr.Set("ETag", etag)
	}
	http.ServeContent(w, r, "", blob.Info().ModTime, bytes.NewReader(f.Data))
	return nil
}
