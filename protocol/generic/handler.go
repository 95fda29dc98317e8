package generic

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gorilla/mux"

	"github.com/feedserver/feedserver/auth"
	"github.com/feedserver/feedserver/feed"
	"github.com/feedserver/feedserver/feed/generic"
	"github.com/feedserver/feedserver/protocol/httpx"
)

// Options configures a Handler.
type Options struct {
	// Owners knows the owners; nil accepts every valid owner name, without
	// recording it (tests of other packages, servers without a key database).
	Owners *auth.Owners
	// RequireAuthForReads makes downloads and listings need BuiltInFeedDownload.
	RequireAuthForReads bool
	// MaxUploadBytes caps an upload body; 0 means no limit here (the feed's
	// own size limit still applies while the file streams to disk).
	MaxUploadBytes int64
	Logger         *slog.Logger
}

// Handler serves the generic registry.
type Handler struct {
	reg    *generic.Registry
	opts   Options
	policy auth.Policy // who may do what: auth decides, from RequireAuthForReads
	log    *slog.Logger
	errors httpx.Family // answers the handlers' errors as plain text (errors.go)
}

// New returns a Handler over the registry (feed.Feed.Generic).
func New(reg *generic.Registry, opts Options) *Handler {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	return &Handler{reg: reg, opts: opts, policy: auth.Policy{ReadsNeedKey: opts.RequireAuthForReads}, log: opts.Logger,
		errors: errorFamily(opts.Logger)}
}

// errorFamily is how this package answers errors (errors.go).
func errorFamily(log *slog.Logger) httpx.Family {
	return httpx.Family{Name: "generic", Log: log, Write: writeError}
}

// Serve adapts a handler of this package to the route table: its errors are
// answered as plain text, worded in one table (errors.go).
func (h *Handler) Serve(f httpx.HandlerFunc) http.Handler { return h.errors.Serve(f) }

// Cache lifetimes while reads are open (httpx.ReadCache makes them private
// when reads need a key). A file's bytes only change by delete and
// re-upload, so caches may keep them a few minutes and then revalidate with
// the ETag; a listing must show an upload at once.
const (
	cacheFile    = "public, max-age=300, must-revalidate"
	cacheListing = "public, no-cache"
)

// pathVar is one route variable, percent-decoded. The router matches encoded
// paths, so "a%2Fb" arrives as one segment and is decoded (and refused) here.
func pathVar(r *http.Request, name, part string) (string, error) {
	raw := mux.Vars(r)[name]
	v, err := url.PathUnescape(raw)
	if err != nil {
		return "", fmt.Errorf("%w: the %s %q is not valid percent-encoding", errBadPath, part, raw)
	}
	return v, nil
}

// target is the decoded path of a request; fields past the route's own are "".
type target struct {
	owner, name, version, file string
}

// parse decodes and checks the owner and whatever else the route has: 400s
// that say which part is wrong and why.
func parse(r *http.Request) (target, error) {
	var t target
	rawOwner, err := pathVar(r, "owner", "owner")
	if err != nil {
		return t, err
	}
	if t.owner, err = auth.NormalizeOwner(rawOwner); err != nil {
		return t, err
	}
	if t.name, err = pathVar(r, "name", "package name"); err != nil {
		return t, err
	}
	if err := generic.ValidateName(t.name); err != nil {
		return t, err
	}
	vars := mux.Vars(r)
	if _, ok := vars["version"]; ok {
		if t.version, err = pathVar(r, "version", "version"); err != nil {
			return t, err
		}
		if err := generic.ValidateVersion(t.version); err != nil {
			return t, err
		}
	}
	if _, ok := vars["file"]; ok {
		if t.file, err = pathVar(r, "file", "file name"); err != nil {
			return t, err
		}
		if err := generic.ValidateFileName(t.file); err != nil {
			return t, err
		}
	}
	return t, nil
}

// authorize checks that the request may use perm on the owner of its path,
// then returns the parsed path. The permission is checked before the path is
// parsed: an anonymous caller learns nothing about the rules of a path it
// may not use.
func (h *Handler) authorize(r *http.Request, perm auth.Permission) (target, error) {
	return h.check(r, perm, httpx.Require)
}

// authorizeRead is authorize for downloads and listings (httpx.RequireRead:
// anonymous while reads are open, a wrong key then ignored as on the NuGet
// read endpoints).
func (h *Handler) authorizeRead(r *http.Request) (target, error) {
	return h.check(r, auth.BuiltInFeedDownload, httpx.RequireRead)
}

type requireFunc func(context.Context, auth.Policy, auth.Permission, auth.Target) error

func (h *Handler) check(r *http.Request, perm auth.Permission, require requireFunc) (target, error) {
	ctx := r.Context()
	if err := require(ctx, h.policy, perm, auth.Target{}); err != nil {
		return target{}, err
	}
	t, err := parse(r)
	if err != nil {
		return t, err
	}
	if err := require(ctx, h.policy, perm, auth.Target{Owner: t.owner}); err != nil {
		return t, err
	}
	return t, nil
}

// Upload serves PUT .../{name}/{version}/{file}: the raw body, or the first
// file part of a multipart body (curl -F), streams to disk. 201 with an
// empty body, as Gitea answers.
func (h *Handler) Upload(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	t, err := h.authorize(r, auth.BuiltInFeedPush)
	if err != nil {
		return err
	}
	// The registry decides whether the owner exists or this caller creates it.
	if err := h.reg.EnsureOwner(ctx, h.opts.Owners, httpx.Principal(ctx), t.owner); err != nil {
		return err
	}
	file, _, err := httpx.Upload(w, r, h.opts.MaxUploadBytes)
	if err != nil {
		return err
	}
	stored, err := h.reg.Put(ctx, generic.Upload{
		Owner: t.owner, Name: t.name, Version: t.version, FileName: t.file,
		Body: file, Protocol: "generic",
	})
	if err != nil {
		return err
	}
	h.log.Info("generic file uploaded", "owner", stored.Owner, "package", stored.Name, "version", stored.Version,
		"file", stored.FileName, "size", stored.Size, "sha256", stored.SHA256, "by", httpx.Principal(ctx).String())
	w.Header().Set("Location", fileURL(r, stored))
	w.WriteHeader(http.StatusCreated)
	return nil
}

// Download serves GET and HEAD .../{name}/{version}/{file} through
// http.ServeContent: Range, If-None-Match and If-Modified-Since work.
func (h *Handler) Download(w http.ResponseWriter, r *http.Request) error {
	t, err := h.authorizeRead(r)
	if err != nil {
		return err
	}
	blob, file, err := h.reg.Open(r.Context(), t.owner, t.name, t.version, t.file)
	if err != nil {
		return err
	}
	defer blob.Close()
	hdr := w.Header()
	httpx.PackageBytes(hdr, "application/octet-stream", file.FileName)
	hdr.Set("ETag", `"`+file.SHA256+`"`)
	// GitLab's header name; release tooling verifies downloads with it.
	hdr.Set("X-Checksum-SHA256", file.SHA256)
	// File names are [A-Za-z0-9._+-], safe inside quotes; filename* as Gitea sends it.
	hdr.Set("Content-Disposition", `attachment; filename="`+file.FileName+`"; filename*=UTF-8''`+url.PathEscape(file.FileName))
	hdr.Set("Cache-Control", httpx.ReadCache(h.policy, cacheFile))
	http.ServeContent(w, r, "", file.Created, blob)
	return nil
}

// DeleteFile serves DELETE .../{name}/{version}/{file}: 204; the version
// goes with its last file.
func (h *Handler) DeleteFile(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	t, err := h.authorize(r, auth.BuiltInFeedAdminister)
	if err != nil {
		return err
	}
	f, err := h.reg.DeleteFile(ctx, t.owner, t.name, t.version, t.file)
	if err != nil {
		return err
	}
	h.log.Info("generic file deleted", "owner", f.Owner, "package", f.Name, "version", f.Version, "file", f.FileName,
		"by", httpx.Principal(ctx).String())
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// DeleteVersion serves DELETE .../{name}/{version}: 204, every file of it.
func (h *Handler) DeleteVersion(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	t, err := h.authorize(r, auth.BuiltInFeedAdminister)
	if err != nil {
		return err
	}
	files, err := h.reg.DeleteVersion(ctx, t.owner, t.name, t.version)
	if err != nil {
		return err
	}
	h.log.Info("generic version deleted", "owner", t.owner, "package", t.name, "version", t.version, "files", len(files),
		"by", httpx.Principal(ctx).String())
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// Listing is the JSON of GET /api/packages/{owner}/generic/{name}, for the
// web page, retention and scripts (jq).
type Listing struct {
	Owner    string           `json:"owner"`
	Name     string           `json:"name"`
	Versions []ListingVersion `json:"versions"`
}

// ListingVersion is one version of a Listing, oldest first.
type ListingVersion struct {
	Version string        `json:"version"`
	Created time.Time     `json:"created"`
	Files   []ListingFile `json:"files"`
}

// ListingFile is one file of a ListingVersion.
type ListingFile struct {
	Name    string    `json:"name"`
	Size    int64     `json:"size"`
	SHA256  string    `json:"sha256"`
	Created time.Time `json:"created"`
	URL     string    `json:"url"`
}

// List serves GET .../{name}: every version and file; 404 when the package
// has none.
func (h *Handler) List(w http.ResponseWriter, r *http.Request) error {
	t, err := h.authorizeRead(r)
	if err != nil {
		return err
	}
	versions, err := h.reg.Versions(r.Context(), t.owner, t.name)
	if err != nil {
		return err
	}
	if len(versions) == 0 {
		return fmt.Errorf("%w: package %s of %s", feed.ErrNotFound, t.name, t.owner)
	}
	doc := Listing{Owner: t.owner, Name: versions[0].Files[0].Name, Versions: make([]ListingVersion, 0, len(versions))}
	for _, v := range versions {
		lv := ListingVersion{Version: v.Version, Created: v.Created, Files: make([]ListingFile, 0, len(v.Files))}
		for _, f := range v.Files {
			lv.Files = append(lv.Files, ListingFile{Name: f.FileName, Size: f.Size, SHA256: f.SHA256, Created: f.Created, URL: fileURL(r, f)})
		}
		doc.Versions = append(doc.Versions, lv)
	}
	// A document of its own, not an /api answer: its type and cache policy
	// are those scripts and the web page have always read.
	body, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return err
	}
	hdr := w.Header()
	hdr.Set("Content-Type", "application/json")
	hdr.Set("Cache-Control", httpx.ReadCache(h.policy, cacheListing))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(append(body, '\n'))
	}
	return nil
}

// fileURL is the public download URL of a file.
func fileURL(r *http.Request, f generic.File) string {
	return httpx.PublicURL(r) + "/api/packages/" + url.PathEscape(f.Owner) + "/generic/" + url.PathEscape(f.Name) + "/" +
		url.PathEscape(f.Version) + "/" + url.PathEscape(f.FileName)
}

// RejectDotSegments answers 400 to a generic-registry path with a "." or
// ".." segment (or an empty one) before the router would clean it and
// redirect: a traversal attempt is refused, never followed (curl --path-as-is).
func RejectDotSegments(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := r.URL.EscapedPath()
		if strings.HasPrefix(p, "/api/packages/") && strings.Contains(p, "/generic") {
			segs := strings.Split(strings.TrimPrefix(p, "/"), "/")
			for i, s := range segs {
				if u, err := url.PathUnescape(s); err == nil && (u == "." || u == "..") {
					s = u // %2e and %2E are dots too
				}
				if (s == "" && i < len(segs)-1) || s == "." || s == ".." {
					reason := fmt.Sprintf("the path segment %q is not allowed in a package path", s)
					if s == "" {
						reason = "empty path segments are not allowed in a package path"
					}
					fam := errorFamily(slog.New(slog.DiscardHandler))
					fam.Fail(w, r, fmt.Errorf("%w: %s", errBadPath, reason))
					return
				}
			}
		}
		next.ServeHTTP(w, r)
	})
}
