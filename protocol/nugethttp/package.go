package nugethttp

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/feedserver/feedserver/feed"
	"github.com/feedserver/feedserver/index"
	"github.com/feedserver/feedserver/nuget"
	"github.com/feedserver/feedserver/protocol/httpx"
)

// ServePackage streams the stored .nupkg of id and version in space (the
// flat container's content and the v2 download URL) with Range, HEAD and
// conditional requests handled by http.ServeContent (sendfile for a
// filesystem blob), and counts a download for a full GET.
func (fam *Family) ServePackage(w http.ResponseWriter, r *http.Request, space, id, version string) error {
	ctx := r.Context()
	blob, e, err := fam.feed.Open(ctx, space, index.KindNuGet, id, version)
	if err != nil {
		return err
	}
	defer blob.Close()
	etag := packageETag(e, "")
	hdr := w.Header()
	httpx.PackageBytes(hdr, "application/octet-stream", e.ID.Lower()+"."+e.Version.Lower()+".nupkg")
	hdr.Set("Cache-Control", httpx.ReadCache(fam.policy, cachePackage))
	if etag != "" {
		hdr.Set("ETag", etag)
	}
	count := r.Method == http.MethodGet && r.Header.Get("Range") == "" && !etagListed(r.Header.Get("If-None-Match"), etag)
	http.ServeContent(w, r, "", blob.Info().ModTime, blob)
	if count {
		// After the response, on a context that outlives it: the count must not delay or fail the download.
		fam.feed.RecordDownload(context.WithoutCancel(ctx), e)
	}
	return nil
}

// ServeNuspec serves the nuspec of id and version in space as stored inside
// the nupkg, byte for byte (the flat container's {id}.nuspec).
func (fam *Family) ServeNuspec(w http.ResponseWriter, r *http.Request, space, id, version string) error {
	blob, e, err := fam.feed.Open(r.Context(), space, index.KindNuGet, id, version)
	if err != nil {
		return err
	}
	defer blob.Close()
	var ra io.ReaderAt
	if x, ok := blob.(io.ReaderAt); ok {
		ra = x
	} else {
		// A store without random access (none yet): read the package into memory.
		data, err := io.ReadAll(blob)
		if err != nil {
			return fmt.Errorf("read %s %s: %w", id, version, err)
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
		return failed
	}
	// The publisher's XML, byte for byte: a browser would render it, and an
	// XHTML <script> in it would run on the feed's origin (issue 17 row 3),
	// so it goes out as an attachment under a sandbox. NuGet clients parse
	// the body whatever the headers say (NuGet.Protocol HttpStreamValidation).
	hdr := w.Header()
	httpx.PackageBytes(hdr, "application/xml", e.ID.Lower()+".nuspec")
	hdr.Set("Cache-Control", httpx.ReadCache(fam.policy, cachePackage))
	if etag := packageETag(e, "nuspec-"); etag != "" {
		hdr.Set("ETag", etag)
	}
	http.ServeContent(w, r, "", blob.Info().ModTime, bytes.NewReader(pkg.Nuspec))
	return nil
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
