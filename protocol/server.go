package protocol

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/mux"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/feedserver/feedserver/auth"
	"github.com/feedserver/feedserver/feed"
	"github.com/feedserver/feedserver/protocol/admin"
	"github.com/feedserver/feedserver/protocol/generic"
	"github.com/feedserver/feedserver/protocol/httpx"
	"github.com/feedserver/feedserver/protocol/nugethttp"
	"github.com/feedserver/feedserver/protocol/octopus"
	"github.com/feedserver/feedserver/protocol/publish"
	"github.com/feedserver/feedserver/protocol/v2"
	"github.com/feedserver/feedserver/protocol/v3"
	"github.com/feedserver/feedserver/web"
)

// Options configures a Server.
type Options struct {
	// PublicURL is the base URL clients reach the server at (behind a reverse
	// proxy). nil derives it from each request: Host, X-Forwarded-Proto and
	// X-Forwarded-Host.
	PublicURL *url.URL
	// Keys authenticates API keys; nil refuses every key (reads may still be anonymous).
	Keys *auth.Keys
	// Spaces knows the Octopus spaces; nil means only Spaces-1 exists.
	Spaces *auth.Spaces
	// Owners holds the generic registry's owners; nil accepts any valid owner.
	Owners *auth.Owners
	// RequireAuthForReads makes downloads need a key with BuiltInFeedDownload.
	RequireAuthForReads bool
	// MaxUploadBytes caps a pushed package; 0 means no limit.
	MaxUploadBytes int64
	// DeleteMode is what a NuGet DELETE does: "delete" (the default, what
	// Octopus users expect) or "unlist" (nuget.org's way).
	DeleteMode string
	Logger     *slog.Logger
	// Registerer receives the HTTP metrics; nil registers them nowhere.
	Registerer prometheus.Registerer
	// Gatherer, when set, is served at GET /metrics; nil leaves /metrics to cmd.
	Gatherer prometheus.Gatherer
	// Ready reports whether the server should receive traffic (catalogue open,
	// start-up re-index finished); nil means always ready.
	Ready func() bool
	// ReadyChecks are the services /readyz asks on every probe (cmd: the
	// blob store, the database); one that fails makes the server not ready.
	ReadyChecks []ReadyCheck
	// Retention is the configured retention policy POST /api/admin/retention
	// applies (protocol/admin); the zero policy deletes nothing.
	Retention feed.RetentionPolicy
	// CacheBytes bounds the rendered documents the protocols keep, together:
	// four fifths for v3's registrations and search answers, a fifth for
	// the flat container's index.json. 0 means DefaultCacheBytes; negative
	// keeps none. cmd sets it from the memory budget.
	CacheBytes int64
}

// DefaultCacheBytes is Options.CacheBytes when it is 0.
const DefaultCacheBytes = v3.DefaultCacheBytes + v3.DefaultFlatCacheBytes

// ReadyCheck is one service /readyz checks.
type ReadyCheck struct {
	Name  string                          // shown in /readyz's answer: "database"
	Check func(ctx context.Context) error // nil when the service answers
}

// readyCheckTimeout bounds one probe's check: a database that does not answer
// in this time is not ready, and the probe still answers in time.
const readyCheckTimeout = 2 * time.Second

// Server is the HTTP side of the feed.
type Server struct {
	feed    *feed.Feed
	opts    Options
	log     *slog.Logger
	handler http.Handler
	nuget   *nugethttp.Family // what the NuGet family shares: its error adapters, read check, package serving
	pub     *publish.Handler  // NuGet push, delete, relist
	v2      *v2.Handler       // NuGet v2: the OData feed and the download URL
	v3      *v3.Handler       // NuGet v3: service index, flat container, registration, search, autocomplete
	oct     *octopus.Handler  // Octopus built-in repository API
	admin   *admin.Handler    // retention and re-index on demand
	web     *web.Handler      // the web page for people (Library → Packages)
	router  *mux.Router       // the route table (routes.go)
}

// CachedBytes is what the caches of rendered documents and of version lists
// take together, as they count them: what Options.CacheBytes and the feed's
// VersionsCacheBytes bound.
func (s *Server) CachedBytes() int64 {
	return s.v3.CachedBytes() + s.feed.CachedBytes()
}

// New builds the routes and the middleware stack over a feed.
func New(f *feed.Feed, opts Options) (*Server, error) {
	if f == nil {
		return nil, errors.New("protocol: a feed is required")
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.MaxUploadBytes < 0 {
		return nil, errors.New("protocol: MaxUploadBytes must not be negative")
	}
	metrics, err := httpx.NewMetrics(opts.Registerer)
	if err != nil {
		return nil, err
	}
	s := &Server{feed: f, opts: opts, log: opts.Logger}
	cacheBytes := opts.CacheBytes
	if cacheBytes == 0 {
		cacheBytes = DefaultCacheBytes
	}
	flatBytes, v3Bytes := int64(-1), int64(-1) // no caches
	if cacheBytes > 0 {
		flatBytes = max(cacheBytes/5, 1) // 0 would mean the handler's default
		v3Bytes = max(cacheBytes-flatBytes, 1)
	}
	s.nuget = nugethttp.New(f, nugethttp.Options{RequireAuthForReads: opts.RequireAuthForReads, Logger: opts.Logger})
	if s.pub, err = publish.New(f, s.nuget, publish.Options{
		MaxUploadBytes: opts.MaxUploadBytes,
		DeleteMode:     opts.DeleteMode,
		Logger:         opts.Logger,
	}); err != nil {
		return nil, err
	}
	s.v3 = v3.New(f, s.nuget, v3.Options{Logger: opts.Logger, CacheBytes: v3Bytes, FlatCacheBytes: flatBytes})
	if s.v2, err = v2.New(f, s.nuget, v2.Options{Logger: opts.Logger}); err != nil {
		return nil, err
	}
	if s.oct, err = octopus.New(f, octopus.Options{
		Spaces:              opts.Spaces,
		MaxUploadBytes:      opts.MaxUploadBytes,
		RequireAuthForReads: opts.RequireAuthForReads,
		Logger:              opts.Logger,
	}); err != nil {
		return nil, err
	}
	// Web page: the same keys, spaces and delete mode as the APIs it drives.
	if s.web, err = web.New(f, web.Options{
		Keys: opts.Keys, Spaces: opts.Spaces, RequireAuthForReads: opts.RequireAuthForReads,
		DeleteMode: opts.DeleteMode, PublicURL: opts.PublicURL, Logger: opts.Logger,
	}); err != nil {
		return nil, err
	}
	s.admin = admin.New(f, admin.Options{Retention: opts.Retention, Logger: opts.Logger})
	s.router = s.routes()

	// Outermost first: request id and state, access log and metrics (they
	// see the final status, panics included), panic recovery, authentication.
	var h http.Handler = generic.RejectDotSegments(s.router)
	h = freshReads(f, h)        // reads see what other replicas committed (fresh.go)
	h = httpx.MethodOverride(h) // before routing: Octopus.Client sends PUT and DELETE as POST
	crossOrigin, err := httpx.CrossOrigin(opts.PublicURL)
	if err != nil {
		return nil, err
	}
	h = crossOrigin(h)
	h = httpx.Authenticate(opts.Keys)(h)
	h = httpx.Recover(opts.Logger)(h)
	h = httpx.Observe(opts.Logger, metrics)(h)
	h = httpx.Begin(opts.PublicURL)(h)
	h = httpx.NoSniff(h) // every answer, the middleware's own included
	s.handler = h
	return s, nil
}

// Handler is the server's root handler.
func (s *Server) Handler() http.Handler { return s.handler }

// Close stops background work the handlers started (a re-index requested
// over HTTP) and waits for it, so the feed can be closed next.
func (s *Server) Close() { s.admin.Close() }

// healthz answers 200 while the process serves HTTP at all.
func healthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = io.WriteString(w, "ok\n")
}

// readyz answers 200 once the server can serve the feed and every
// ReadyCheck passes, 503 otherwise, with one line per check. A failed check
// says only "unavailable": the error (which may name the database's address)
// goes to the log.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if s.opts.Ready != nil && !s.opts.Ready() {
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = io.WriteString(w, "not ready: the catalogue is opening or the start-up re-index is running\n")
		return
	}
	// The checks run at once: a probe waits for the slowest, not the sum.
	failed := make([]error, len(s.opts.ReadyChecks))
	var wg sync.WaitGroup
	for i, c := range s.opts.ReadyChecks {
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(r.Context(), readyCheckTimeout)
			defer cancel()
			failed[i] = c.Check(ctx)
		})
	}
	wg.Wait()
	ok := true
	var lines strings.Builder
	for i, c := range s.opts.ReadyChecks {
		if err := failed[i]; err != nil {
			ok = false
			s.log.Warn("readiness check failed", "check", c.Name, "err", err)
			lines.WriteString(c.Name + ": unavailable\n")
			continue
		}
		lines.WriteString(c.Name + ": ok\n")
	}
	if !ok {
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = io.WriteString(w, "not ready\n"+lines.String())
		return
	}
	_, _ = io.WriteString(w, "ready\n"+lines.String())
}

func notFound(w http.ResponseWriter, r *http.Request) {
	http.Error(w, "not found", http.StatusNotFound)
}

func methodNotAllowed(w http.ResponseWriter, r *http.Request) {
	http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
}
