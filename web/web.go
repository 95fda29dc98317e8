package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/feedserver/feedserver/auth"
	"github.com/feedserver/feedserver/feed"
	"github.com/feedserver/feedserver/protocol/httpx"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// DeleteMode values, as protocol.Options.DeleteMode: what a NuGet DELETE does.
const (
	deleteRemoves = "delete"
	deleteUnlists = "unlist"
)

// Options configures a Handler.
type Options struct {
	// Keys stores the API keys the administrator manages on the page; nil
	// makes the key endpoints answer 503.
	Keys *auth.Keys
	// Spaces lists the Octopus spaces for the filters and the upload target;
	// nil means only Spaces-1 exists.
	Spaces *auth.Spaces
	// RequireAuthForReads makes the pages need a key with BuiltInFeedDownload
	// (a browser sends it by HTTP Basic after the challenge).
	RequireAuthForReads bool
	// DeleteMode is what the server's NuGet DELETE does ("delete" or
	// "unlist"), so each button sends the request that does what it says.
	DeleteMode string
	// PublicURL, when configured, is trusted as an origin for state-changing
	// requests (a proxy may rewrite Host).
	PublicURL *url.URL
	// PageSize is how many packages a list page shows; 0 means 25.
	PageSize int
	Logger   *slog.Logger
}

// Handler serves the pages, their assets and the page's own JSON endpoints.
type Handler struct {
	feed     *feed.Feed
	opts     Options
	policy   auth.Policy // who may do what: auth decides, from RequireAuthForReads
	log      *slog.Logger
	pages    map[string]*template.Template
	assets   map[string]asset // by file name under static/
	bufs     sync.Pool        // *bytes.Buffer for rendering
	markdown *markdown        // renders readmes (readme.go)
	// The errors of the pages (an HTML error page) and of the JSON
	// endpoints (the Octopus error body), each through one table.
	pageErrors, apiErrors httpx.Family
}

// asset is one embedded static file with its content-derived version.
type asset struct {
	body        []byte
	contentType string
	version     string // first hex digits of the SHA-256: the cache-busting query
}

// New parses the templates and indexes the assets.
func New(f *feed.Feed, opts Options) (*Handler, error) {
	if f == nil {
		return nil, errors.New("web: a feed is required")
	}
	switch opts.DeleteMode {
	case "":
		opts.DeleteMode = deleteRemoves
	case deleteRemoves, deleteUnlists:
	default:
		return nil, fmt.Errorf("web: unknown delete mode %q", opts.DeleteMode)
	}
	if opts.PageSize <= 0 {
		opts.PageSize = 25
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	h := &Handler{feed: f, opts: opts, policy: auth.Policy{ReadsNeedKey: opts.RequireAuthForReads},
		log: opts.Logger, pages: map[string]*template.Template{},
		assets: map[string]asset{}, markdown: newMarkdown()}
	h.bufs.New = func() any { return new(bytes.Buffer) }
	h.pageErrors = httpx.Family{Name: "web: page", Log: opts.Logger, Write: h.writePageError}
	h.apiErrors = httpx.Family{Name: "web: admin", Log: opts.Logger, Write: writeAPIError}
	if err := h.loadAssets(); err != nil {
		return nil, err
	}
	if err := h.loadTemplates(); err != nil {
		return nil, err
	}
	return h, nil
}

func (h *Handler) loadAssets() error {
	entries, err := fs.ReadDir(staticFS, "static")
	if err != nil {
		return fmt.Errorf("web: assets: %w", err)
	}
	for _, e := range entries {
		body, err := staticFS.ReadFile("static/" + e.Name())
		if err != nil {
			return fmt.Errorf("web: asset %s: %w", e.Name(), err)
		}
		sum := sha256.Sum256(body)
		ct := "application/octet-stream"
		switch path.Ext(e.Name()) {
		case ".css":
			ct = "text/css; charset=utf-8"
		case ".js":
			ct = "text/javascript; charset=utf-8"
		case ".svg":
			ct = "image/svg+xml"
		}
		h.assets[e.Name()] = asset{body: body, contentType: ct, version: hex.EncodeToString(sum[:6])}
	}
	return nil
}

// templateFuncs are the helpers the templates use; none returns unescaped HTML.
func (h *Handler) templateFuncs() template.FuncMap {
	return template.FuncMap{
		"asset":     h.assetURL,
		"bytes":     formatBytes,
		"count":     formatCount,
		"date":      formatDate,
		"datetime":  formatDateTime,
		"isoTime":   func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
		"join":      strings.Join,
		"pathEsc":   url.PathEscape,
		"queryEsc":  url.QueryEscape,
		"plural":    plural[int],
		"plural64":  plural[int64],
		"truncated": truncate,
	}
}

func (h *Handler) loadTemplates() error {
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return err
	}
	for _, n := range names {
		name := path.Base(n)
		if name == "layout.html" {
			continue
		}
		t, err := template.New("layout.html").Funcs(h.templateFuncs()).
			ParseFS(templateFS, "templates/layout.html", n)
		if err != nil {
			return fmt.Errorf("web: template %s: %w", name, err)
		}
		h.pages[strings.TrimSuffix(name, ".html")] = t
	}
	return nil
}

// assetURL is the URL of a static file with its version, so it can be cached for good.
func (h *Handler) assetURL(name string) string {
	return "/static/" + name + "?v=" + h.assets[name].version
}

// page is what the layout renders around each page's content.
type page struct {
	Title string
	Nav   string // the highlighted menu entry
	Base  string // the server's public URL
	Data  any    // the page's own view
}

// setPageHeaders sets the security headers of every page: scripts and styles
// only from this server (no inline code), no framing, no sniffing.
func setPageHeaders(w http.ResponseWriter) {
	hd := w.Header()
	hd.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("X-Frame-Options", "DENY") // browsers without CSP frame-ancestors
	hd.Set("Referrer-Policy", "same-origin")
}

// render writes a page; a template failure is a 500 logged with the request id.
func (h *Handler) render(w http.ResponseWriter, r *http.Request, status int, name string, p page) {
	t := h.pages[name]
	buf := h.bufs.Get().(*bytes.Buffer)
	buf.Reset()
	defer h.bufs.Put(buf)
	p.Base = httpx.PublicURL(r)
	if err := t.Execute(buf, p); err != nil {
		httpx.SetError(r.Context(), err)
		h.log.Error("web: render", "page", name, "id", httpx.RequestID(r.Context()), "err", err)
		http.Error(w, "internal server error (request "+httpx.RequestID(r.Context())+")", http.StatusInternalServerError)
		return
	}
	setPageHeaders(w)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(buf.Bytes())
	}
}

// errorView is the data of the error page.
type errorView struct {
	Status  int
	Heading string
	Message string
}

// ServePage adapts a page handler to the route table: its errors are
// answered with the error page (pageMessage).
func (h *Handler) ServePage(f httpx.HandlerFunc) http.Handler { return h.pageErrors.Serve(f) }

// ServeAPI adapts a handler of the JSON endpoints to the route table: its
// errors are answered with the Octopus error body (apiMessage).
func (h *Handler) ServeAPI(f httpx.HandlerFunc) http.Handler { return h.apiErrors.Serve(f) }

// errBadRequest marks a client mistake in a page's query or path, or in a
// JSON endpoint's body.
var errBadRequest = httpx.NewError(httpx.Invalid, "bad request")

// pageMessage is the pages' one table of wording: the text of the error page
// of a failure of class f.Class, whose status is the class's. A client
// mistake is never a 500.
func pageMessage(f *httpx.Failure) string {
	switch f.Class {
	case httpx.Unauthenticated, httpx.InvalidKey:
		return "This feed needs an API key: enter it as the password (any user name)."
	case httpx.Forbidden:
		return "Your API key may not see this."
	case httpx.NotFound:
		return "There is no such package or version on this feed."
	case httpx.Internal:
		return "Something went wrong on the server. (request " + f.RequestID + ")"
	}
	return f.Text()
}

// writePageError renders the error page of a failure.
func (h *Handler) writePageError(w http.ResponseWriter, r *http.Request, f *httpx.Failure) {
	if f.Status == http.StatusUnauthorized {
		// Browsers ask for Basic credentials only after this challenge; the
		// key goes in the password field (any user name).
		w.Header().Set("WWW-Authenticate", `Basic realm="feedserver", charset="UTF-8"`)
	}
	h.render(w, r, f.Status, "error", page{Title: http.StatusText(f.Status), Data: errorView{
		Status: f.Status, Heading: http.StatusText(f.Status), Message: pageMessage(f)}})
}

// requireRead checks that the request may read t (auth decides; with no
// space and no owner in t, only the permission counts).
func (h *Handler) requireRead(r *http.Request, t auth.Target) error {
	return httpx.RequireRead(r.Context(), h.policy, auth.BuiltInFeedDownload, t)
}

// readScope is where the request may read: the list and the space menus
// show only that.
func (h *Handler) readScope(r *http.Request) (auth.Scope, error) {
	return httpx.ReadScope(r.Context(), h.policy, auth.BuiltInFeedDownload)
}

// Root redirects / to the package list.
func (h *Handler) Root(w http.ResponseWriter, r *http.Request) {
	http.Redirect(w, r, "/packages", http.StatusFound)
}

// Static serves GET /static/{file}: an embedded asset, cached for a year
// when the request names its current version.
func (h *Handler) Static(w http.ResponseWriter, r *http.Request) {
	a, ok := h.assets[httpx.Var(r, "file")]
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", a.contentType)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("ETag", `"`+a.version+`"`)
	if r.URL.Query().Get("v") == a.version {
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		w.Header().Set("Cache-Control", "no-cache")
	}
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(a.body))
}

// spaces lists the spaces for the filters and the upload target (the
// default one alone without a store): those the request may read.
func (h *Handler) spaces(r *http.Request) []auth.Space {
	all := []auth.Space{{ID: feed.DefaultSpace, Name: "Default"}}
	if h.opts.Spaces != nil {
		if ss, err := h.opts.Spaces.List(r.Context()); err == nil && len(ss) > 0 {
			all = ss
		}
	}
	scope, err := h.readScope(r)
	if err != nil {
		return nil
	}
	var out []auth.Space
	for _, sp := range all {
		if scope.HasSpace(sp.ID) {
			out = append(out, sp)
		}
	}
	return out
}
