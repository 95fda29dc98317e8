package httpx

import (
	"context"
	"net/http"
	"net/url"

	"github.com/gorilla/mux"

	"github.com/feedserver/feedserver/auth"
)

// state is everything the middleware learns about one request. One pointer in
// the context, filled in by the middleware that runs later, so the access log
// (outermost) can see what routing and authentication (inner) found.
type state struct {
	id        string
	public    *url.URL // configured public base URL; nil derives it from the request
	route     string   // mux path template; "" until a route matched
	principal auth.Principal
	authErr   error // a presented key that did not authenticate
	err       error // the error a handler answered with, for the access log
}

type stateKey struct{}

func stateOf(ctx context.Context) *state {
	s, _ := ctx.Value(stateKey{}).(*state)
	return s
}

// RequestID is the id of the request, as sent in X-Request-Id.
func RequestID(ctx context.Context) string {
	if s := stateOf(ctx); s != nil {
		return s.id
	}
	return ""
}

// routeTemplate is the path template of the matched route, or "unmatched".
func routeTemplate(ctx context.Context) string {
	if s := stateOf(ctx); s != nil && s.route != "" {
		return s.route
	}
	return "unmatched"
}

// Principal is who the request acts as: the key's principal, or anonymous
// when the request carried no valid key.
func Principal(ctx context.Context) auth.Principal {
	if s := stateOf(ctx); s != nil && (s.principal.Anonymous || s.principal.KeyID != "") {
		return s.principal
	}
	return auth.Anonymous()
}

// AuthError is the error of a key the request presented that did not
// authenticate (auth.ErrInvalidKey, or a store failure); nil when the request
// carried a valid key or none.
func AuthError(ctx context.Context) error {
	if s := stateOf(ctx); s != nil {
		return s.authErr
	}
	return nil
}

// Require asks auth's one decision, pol.Authorize, whether the request may
// use perm on t. A presented key that did not authenticate fails first, with
// its own error (auth.ErrInvalidKey), whatever the action. Otherwise the
// error is auth's: ErrUnauthenticated (wrapped) for an anonymous caller,
// ErrForbidden for a known one. Each protocol maps these to its own codes.
func Require(ctx context.Context, pol auth.Policy, perm auth.Permission, t auth.Target) error {
	p, err := judged(ctx, pol, false)
	if err != nil {
		return err
	}
	return pol.Authorize(p, perm, t)
}

// RequireRead is Require for the reads of the NuGet family, the generic
// registry and the pages: while reads are open, a presented key that did not
// authenticate is ignored and the request reads as anonymous. NuGet clients
// send a stored Basic credential only after a challenge, and a stale one must
// not break a feed anyone may read. A key that authenticates is still judged
// by its scope.
func RequireRead(ctx context.Context, pol auth.Policy, perm auth.Permission, t auth.Target) error {
	p, err := judged(ctx, pol, true)
	if err != nil {
		return err
	}
	return pol.Authorize(p, perm, t)
}

// ReadScope is where the request may use the read permission perm, judged as
// RequireRead judges: listings show only what it holds.
func ReadScope(ctx context.Context, pol auth.Policy, perm auth.Permission) (auth.Scope, error) {
	p, err := judged(ctx, pol, true)
	if err != nil {
		return auth.Scope{}, err
	}
	return pol.Scope(p, perm)
}

// judged is the principal a decision is about, or the error of a presented
// key that did not authenticate (ignored for a read while reads are open).
func judged(ctx context.Context, pol auth.Policy, read bool) (auth.Principal, error) {
	if err := AuthError(ctx); err != nil {
		if read && !pol.ReadsNeedKey {
			return auth.Anonymous(), nil
		}
		return auth.Principal{}, err
	}
	return Principal(ctx), nil
}

// SetError records the error a handler answered with, so the access log line
// of the request carries it. Handlers call it for every error response.
func SetError(ctx context.Context, err error) {
	if s := stateOf(ctx); s != nil {
		s.err = err
	}
}

// RecordRoute is router middleware (mux.Router.Use) that notes the matched
// route's path template for the access log and the metrics labels.
func RecordRoute(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s := stateOf(r.Context()); s != nil {
			if cr := mux.CurrentRoute(r); cr != nil {
				if t, err := cr.GetPathTemplate(); err == nil {
					s.route = t
				}
			}
		}
		next.ServeHTTP(w, r)
	})
}

// Var returns the path variable name of the matched route, percent-decoded
// (the router matches on the encoded path).
func Var(r *http.Request, name string) string {
	v := mux.Vars(r)[name]
	if u, err := url.PathUnescape(v); err == nil {
		return u
	}
	return v
}
