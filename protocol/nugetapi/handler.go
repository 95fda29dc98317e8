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
}

// Handler serves the NuGet push and content endpoints over a feed.
type Handler struct {
	feed *feed.Feed
	opts Options
	log  *slog.Logger
	docs *document.Cache // rendered flat-container index.json documents
}

// flatIndexCacheBytes bounds the cached index.json documents: a few hundred
// bytes each for most ids, so tens of thousands of ids fit.
const flatIndexCacheBytes = 16 << 20

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
	return &Handler{feed: f, opts: opts, log: opts.Logger, docs: document.NewCache(flatIndexCacheBytes)}, nil
}

// routeSpace is the route's {spaceId} in its canonical spelling, or the default space.
func routeSpace(r *http.Request) string {
	return feed.CanonicalSpace(httpx.Var(r, "spaceId"))
}

// requireRead checks the download permission when reads need a key.
func (h *Handler) requireRead(r *http.Request, space string) error {
	if !h.opts.RequireAuthForReads {
		// Anonymous reads: a wrong read credential is ignored rather than refused,
		// since NuGet clients send Basic credentials only when challenged.
		return nil
	}
	ctx := r.Context()
	if httpx.AuthError(ctx) == nil && httpx.Principal(ctx).Anonymous {
		// auth.Anonymous may download; here it must not.
		return fmt.Errorf("%w: reads need an API key", auth.ErrUnauthenticated)
	}
	return httpx.Require(ctx, auth.BuiltInFeedDownload, space)
}
