package nugethttp

import (
	"log/slog"
	"net/http"

	"github.com/feedserver/feedserver/auth"
	"github.com/feedserver/feedserver/feed"
	"github.com/feedserver/feedserver/protocol/httpx"
)

// Options configures a Family.
type Options struct {
	// RequireAuthForReads makes every read need BuiltInFeedDownload.
	RequireAuthForReads bool
	Logger              *slog.Logger
}

// Family is the NuGet family's shared part, made once by the server and
// handed to protocol/v3, protocol/v2 and protocol/publish.
type Family struct {
	feed          *feed.Feed
	policy        auth.Policy // who may do what: auth decides, from RequireAuthForReads
	read, publish httpx.Family
}

// New returns the NuGet family's shared part over a feed.
func New(f *feed.Feed, opts Options) *Family {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	return &Family{
		feed:   f,
		policy: auth.Policy{ReadsNeedKey: opts.RequireAuthForReads},
		read:   httpx.Family{Name: "nuget", Log: opts.Logger, Write: writeError(true)},
		publish: httpx.Family{Name: "nuget", Log: opts.Logger, Write: writeError(false),
			// 403, not 401: NuGet prompts for credentials on a 403 only when it
			// sent no key (NuGet.Client promptOn403: !hasApiKey).
			Statuses: map[httpx.Class]int{httpx.InvalidKey: http.StatusForbidden}},
	}
}

// Read adapts a handler of the download side (v3, the v2 feed, the v2
// download): its errors are answered through the NuGet table, a missing or
// wrong credential with a Basic challenge.
func (fam *Family) Read(h httpx.HandlerFunc) http.Handler { return fam.read.Serve(h) }

// Publish adapts a push, delete or relist handler: its errors are answered
// through the NuGet table, a missing key with nuget.org's ApiKey challenge.
func (fam *Family) Publish(h httpx.HandlerFunc) http.Handler { return fam.publish.Serve(h) }

// routeSpace is the route's {spaceId} in its canonical spelling, or the default space.
func routeSpace(r *http.Request) string {
	return feed.CanonicalSpace(httpx.Var(r, "spaceId"))
}

// RequireRead checks that the request may read the feed of its route's space
// (a stale key reads as anonymous while reads are open: httpx.RequireRead)
// and returns that space.
func (fam *Family) RequireRead(r *http.Request) (space string, err error) {
	space = routeSpace(r)
	return space, httpx.RequireRead(r.Context(), fam.policy, auth.BuiltInFeedDownload, auth.Target{Space: space})
}

// Require checks that the request may use perm in the route's space and
// returns that space.
func (fam *Family) Require(r *http.Request, perm auth.Permission) (space string, err error) {
	space = routeSpace(r)
	return space, httpx.Require(r.Context(), fam.policy, perm, auth.Target{Space: space})
}

// Cache lifetimes. Lists must show a push at once, so they are revalidated
// every time (cheap: the ETag answers 304). A package's bytes only change
// when an administrator pushes with replace=true, so caches may keep them a
// few minutes and then revalidate.
const (
	cacheList    = "no-cache"
	cachePackage = "public, max-age=300, must-revalidate"
)

// ListCacheControl is the Cache-Control of generated list documents: always
// revalidated, private when reads need credentials.
func (fam *Family) ListCacheControl() string { return httpx.ReadCache(fam.policy, cacheList) }
