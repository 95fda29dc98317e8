package nugetapi

import (
	"fmt"
	"log/slog"

	"github.com/feedserver/feedserver/feed"
	"github.com/feedserver/feedserver/protocol/document"
	"github.com/feedserver/feedserver/protocol/nugethttp"
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
	Logger     *slog.Logger
}

// Handler serves the NuGet push and content endpoints over a feed.
type Handler struct {
	feed *feed.Feed
	fam  *nugethttp.Family // the NuGet family's checks and package serving
	opts Options
	log  *slog.Logger
	docs *document.Cache // rendered flat-container index.json documents
}

// flatIndexCacheBytes bounds the cached index.json documents: a few hundred
// bytes each for most ids, so tens of thousands of ids fit.
const flatIndexCacheBytes = 16 << 20

// New returns a Handler; it fails on an unknown DeleteMode.
func New(f *feed.Feed, fam *nugethttp.Family, opts Options) (*Handler, error) {
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
	return &Handler{feed: f, fam: fam, opts: opts, log: opts.Logger, docs: document.NewCache(flatIndexCacheBytes)}, nil
}
