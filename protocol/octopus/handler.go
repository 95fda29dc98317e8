package octopus

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/feedserver/feedserver/auth"
	"github.com/feedserver/feedserver/feed"
	"github.com/feedserver/feedserver/protocol/httpx"
)

// serverVersion is the Octopus Server version the root document reports. No
// client gates the built-in feed calls on it; api-client only reads it.
const serverVersion = "2024.1.0"

// apiVersion must parse as SemVer 3.0.x: Octopus.Client and octo refuse
// anything else (UnsupportedApiVersionException).
const apiVersion = "3.0.0"

// Options configures a Handler.
type Options struct {
	// Spaces knows which spaces exist; nil means only the default space does.
	Spaces *auth.Spaces
	// MaxUploadBytes caps an upload request body; 0 means no limit here.
	MaxUploadBytes int64
	// RequireAuthForReads makes every read (list, get, download, discovery
	// beyond the root document) need an API key.
	RequireAuthForReads bool
	Logger              *slog.Logger
}

// Handler serves the Octopus built-in repository API over a feed.
type Handler struct {
	feed   *feed.Feed
	opts   Options
	policy auth.Policy // who may do what: auth decides, from RequireAuthForReads
	log    *slog.Logger
	errors httpx.Family // answers the handlers' errors in Octopus' shape (errors.go)
}

// New returns a Handler.
func New(f *feed.Feed, opts Options) (*Handler, error) {
	if f == nil {
		return nil, errors.New("octopus: a feed is required")
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	return &Handler{feed: f, opts: opts, policy: auth.Policy{ReadsNeedKey: opts.RequireAuthForReads}, log: opts.Logger,
		errors: httpx.Family{Name: "octopus", Log: opts.Logger, Write: writeError}}, nil
}

// Serve adapts a handler of this package to the route table: its errors are
// answered as Octopus answers them (errors.go).
func (h *Handler) Serve(f httpx.HandlerFunc) http.Handler { return h.errors.Serve(f) }

// errSpaceNotFound is a request to a space that does not exist (404).
var errSpaceNotFound = httpx.NewError(httpx.NotFound, "space not found")

// spaceOf is the route's {spaceId} in canonical spelling ("spaces-2" is
// "Spaces-2"), or the default space for the unprefixed routes; it fails with
// errSpaceNotFound for a space that does not exist.
func (h *Handler) spaceOf(r *http.Request) (auth.Space, error) {
	return h.lookupSpace(r.Context(), feed.CanonicalSpace(httpx.Var(r, "spaceId")))
}

func (h *Handler) lookupSpace(ctx context.Context, id string) (auth.Space, error) {
	if h.opts.Spaces == nil {
		if strings.EqualFold(id, feed.DefaultSpace) {
			return auth.Space{ID: feed.DefaultSpace, Name: "Default"}, nil
		}
		return auth.Space{}, fmt.Errorf("%w: %s", errSpaceNotFound, id)
	}
	sp, err := h.opts.Spaces.Get(ctx, id)
	if errors.Is(err, auth.ErrNotFound) {
		return auth.Space{}, fmt.Errorf("%w: %s", errSpaceNotFound, id)
	}
	return sp, err
}

// listSpaces is every space, or just the default one without a store.
func (h *Handler) listSpaces(ctx context.Context) ([]auth.Space, error) {
	if h.opts.Spaces == nil {
		return []auth.Space{{ID: feed.DefaultSpace, Name: "Default"}}, nil
	}
	return h.opts.Spaces.List(ctx)
}

// authorize checks the caller through auth's one decision: a presented key
// that failed is a 401 whatever the endpoint, reads included (Octopus
// clients always send their key, and a wrong one should say so at once); an
// anonymous caller may only read, and only when reads are open; a known
// caller needs perm, and the space when space is not "".
func (h *Handler) authorize(r *http.Request, perm auth.Permission, space string) error {
	return httpx.Require(r.Context(), h.policy, perm, auth.Target{Space: space})
}

// begin resolves the space of a request and checks perm in it. The order of
// its refusals — bad key (401), unknown space (404), missing permission
// (403) — tells a client first what it can fix first.
func (h *Handler) begin(r *http.Request, perm auth.Permission) (auth.Space, error) {
	if err := httpx.AuthError(r.Context()); err != nil {
		return auth.Space{}, err
	}
	sp, err := h.spaceOf(r)
	if err != nil {
		return auth.Space{}, err
	}
	if err := h.authorize(r, perm, sp.ID); err != nil {
		return auth.Space{}, err
	}
	return sp, nil
}

// links builds the path-only links of the documents. They carry the public
// URL's path prefix: Octopus.Client resolves a link that starts with "/"
// against scheme and host only, so a server behind /octopus must say
// "/octopus/api/...".
type links struct{ prefix string }

func linksFor(r *http.Request) links {
	u, err := url.Parse(httpx.PublicURL(r))
	if err != nil {
		return links{}
	}
	return links{prefix: strings.TrimSuffix(u.EscapedPath(), "/")}
}

// api returns prefix + "/api" + path.
func (l links) api(path string) string { return l.prefix + "/api" + path }

// space returns the link of path under a space: /api/Spaces-1/path.
func (l links) space(space, path string) string { return l.api("/" + space + path) }

// paging reads the skip and take parameters every Octopus collection takes.
func paging(q url.Values, defaultTake int) (skip, take int, err error) {
	if skip, err = queryInt(q, "skip", 0); err != nil {
		return 0, 0, err
	}
	if take, err = queryInt(q, "take", defaultTake); err != nil {
		return 0, 0, err
	}
	return skip, take, nil
}

// queryInt reads a non-negative integer query parameter (any case of its
// name); def when absent, an error when not a number.
func queryInt(q url.Values, name string, def int) (int, error) {
	v := queryValue(q, name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%w: the %s parameter must be a non-negative whole number", errBadRequest, name)
	}
	if n > 1<<31-1 {
		n = 1<<31 - 1 // clients send int.MaxValue (2147483647) to mean "all"
	}
	return int(n), nil
}

// queryValue is the first value of a query parameter whose name matches in
// any case (.NET clients and scripts vary the casing).
func queryValue(q url.Values, name string) string {
	if v, ok := q[name]; ok && len(v) > 0 {
		return v[0]
	}
	for k, v := range q {
		if strings.EqualFold(k, name) && len(v) > 0 {
			return v[0]
		}
	}
	return ""
}

// queryValues is every value of a parameter (any case), each also split on
// commas: RFC 6570 {?ids} lists expand to "ids=a,b,c" (Octopus.Client), and
// scripts repeat the parameter instead.
func queryValues(q url.Values, name string) []string {
	var out []string
	for k, vs := range q {
		if !strings.EqualFold(k, name) {
			continue
		}
		for _, v := range vs {
			for _, part := range strings.Split(v, ",") {
				if part = strings.TrimSpace(part); part != "" {
					out = append(out, part)
				}
			}
		}
	}
	return out
}

// queryBool reads a boolean parameter leniently ("true", "True", "true/").
func queryBool(q url.Values, name string, def bool) bool {
	v := strings.ToLower(strings.TrimSpace(queryValue(q, name)))
	switch {
	case v == "":
		return def
	case strings.HasPrefix(v, "true"), v == "1", v == "yes":
		return true
	}
	return false
}

// KnownSpace guards a route of another protocol that carries {spaceId} (the
// per-space NuGet push, PUT /{spaceId}/nuget/packages): a space that does
// not exist is a 404 worded for NuGet clients, which print the body.
func (h *Handler) KnownSpace(next httpx.HandlerFunc) httpx.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if _, err := h.spaceOf(r); err != nil {
			if errors.Is(err, errSpaceNotFound) {
				return httpx.Refuse(httpx.NotFound, "The space "+httpx.Var(r, "spaceId")+" does not exist on this server.")
			}
			return err
		}
		return next(w, r)
	}
}
