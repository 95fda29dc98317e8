package publish

import (
	"fmt"
	"log/slog"

	"github.com/feedserver/feedserver/feed"
	"github.com/feedserver/feedserver/protocol/nugethttp"
)

// Delete modes: what DELETE {publish}/{id}/{version} does.
const (
	deleteRemoves = "delete" // remove the file, as Octopus' built-in feed does
	deleteUnlists = "unlist" // hide from search and "latest", as nuget.org does
)

// Options configures a Handler.
type Options struct {
	// MaxUploadBytes caps a push request body; 0 means no limit here (the
	// feed's own package size limit still applies).
	MaxUploadBytes int64
	// DeleteMode is deleteRemoves (the default) or deleteUnlists.
	DeleteMode string
	Logger     *slog.Logger
}

// Handler serves push, delete and relist over a feed.
type Handler struct {
	feed *feed.Feed
	fam  *nugethttp.Family // the NuGet family's permission checks
	opts Options
	log  *slog.Logger
}

// New returns a Handler; it fails on an unknown DeleteMode.
func New(f *feed.Feed, fam *nugethttp.Family, opts Options) (*Handler, error) {
	switch opts.DeleteMode {
	case "":
		opts.DeleteMode = deleteRemoves
	case deleteRemoves, deleteUnlists:
	default:
		return nil, fmt.Errorf("publish: unknown delete mode %q (want %q or %q)", opts.DeleteMode, deleteRemoves, deleteUnlists)
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	return &Handler{feed: f, fam: fam, opts: opts, log: opts.Logger}, nil
}
