package httpx

import (
	"context"
	"fmt"
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

// Route is the path template of the matched route, or "unmatched".
func Route(ctx context.Context) string {
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

// Require returns nil when the request's principal holds perm in space ("" skips
// the space check). Otherwise it returns the presented key's error, or
// auth.ErrUnauthenticated (wrapped) for an anonymous caller, or an
// auth.ErrForbidden. Each protocol maps these to its own status codes.
func Require(ctx context.Context, perm auth.Permission, space string) error {
	if err := AuthError(ctx); err != nil {
		return err
	}
	p := Principal(ctx)
	if err := p.Require(perm); err != nil {
		return err
	}
	if space != "" && !p.InSpace(space) {
		return fmt.Errorf("%w: the API key may not act in %s", auth.ErrForbidden, space)
	}
	return nil
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
