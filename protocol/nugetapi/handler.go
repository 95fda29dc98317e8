package nugetapi

import (
	"fmt"
	"log/slog"
	"net/http"

	"github.com/feedserver/feedserver/auth"
	"github.com/feedserver/feedserver/feed"
	"github.com/feedserver/feedserver/protocol/document"
	"github.com/feedserver/feedserver/protocol/httpx"
)

// Delete modes: what DELETE {publish}/{id}/{version} does.
const (
	DeleteRemoves = "delete" // remove the file, as Octopus' built-in feed does
	DeleteUnlists = "unlist" // hide from search and "latest", as nuget.org does
)

// Options configures a Handler.
type Options struct {
	// MaxUploadBytes caps a push request body; 0 means no limit here (the
	// feed's own package size limit still applies).
	MaxUploadBytes int64
	// DeleteMode is DeleteRemoves (the default) or DeleteUnlists.
	DeleteMode string
	// RequireAuthForReads makes downloads need BuiltInFeedDownload.
	RequireAuthForReads bool
	Logger              *slog.Logger
	// CacheBytes bounds the cached index.json documents; 0 means
	// DefaultCacheBytes, negative disables the cache.
	CacheBytes int64
}

// Handler serves the NuGet push and content endpoints over a feed.
type Handler struct {
	feed   *feed.Feed
	opts   Options
	policy auth.Policy // who may do what: auth decides, from RequireAuthForReads
	log    *slog.Logger
	docs   *document.Cache // rendered flat-container index.json documents
}

// DefaultCacheBytes bounds the cached index.json documents when Options
// does not: a few hundred bytes each for most ids, so tens of thousands of
// ids fit.
const DefaultCacheBytes = 16 << 20

// New returns a Handler; it fails on an unknown DeleteMode.
func New(f *feed.Feed, opts Options) (*Handler, error) {
	switch opts.DeleteMode {
	case "":
		opts.DeleteMode = DeleteRemoves
	case DeleteRemoves, DeleteUnlists:
	default:
		return nil, fmt.Errorf("nugetapi: unknown delete mode %q (want %q or %q)", opts.DeleteMode, DeleteRemoves, DeleteUnlists)
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.CacheBytes == 0 {
		opts.CacheBytes = DefaultCacheBytes
	}
	return &Handler{feed: f, opts: opts, policy: auth.Policy{ReadsNeedKey: opts.RequireAuthForReads},
		log: opts.Logger, docs: document.NewCache(opts.CacheBytes)}, nil
}

// CachedBytes is what the cached index.json documents take.
func (h *Handler) CachedBytes() int64 { return h.docs.Bytes() }

// routeSpace is the route's {spaceId} in its canonical spelling, or the default space.
func routeSpace(r *http.Request) string {
	return feed.CanonicalSpace(httpx.Var(r, "spaceId"))
}

// requireRead checks that the request may download from space.
func (h *Handler) requireRead(r *http.Request, space string) error {
	return httpx.RequireRead(r.Context(), h.policy, auth.BuiltInFeedDownload, auth.Target{Space: space})
}

// require checks that the request may use perm in space.
func (h *Handler) require(r *http.Request, perm auth.Permission, space string) error {
	return httpx.Require(r.Context(), h.policy, perm, auth.Target{Space: space})
}
