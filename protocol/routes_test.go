package protocol_test

import (
	"net/http"
	"testing"

	"github.com/feedserver/feedserver/protocol/protocoltest"
)

// TestV3RoutesFirst: the /v3/ routes come ahead of the others; a path there
// that no route takes, or a method none allows, still gets the server's 404
// or 405 (a PathPrefix subrouter answered 404 for both), and the routes
// below still answer.
func TestV3RoutesFirst(t *testing.T) {
	env := protocoltest.New(t)
	env.Push(t, protocoltest.Nupkg(t, "Route.Pkg", "1.0.0"), env.PublisherKey)
	tests := []struct {
		method, path string
		want         int
	}{
		{http.MethodGet, "/v3/index.json", http.StatusOK},
		{http.MethodGet, "/v3/package/route.pkg/index.json", http.StatusOK},
		{http.MethodHead, "/v3/package/route.pkg/1.0.0/route.pkg.1.0.0.nupkg", http.StatusOK},
		{http.MethodGet, "/v3/registration/route.pkg/index.json", http.StatusOK},
		{http.MethodGet, "/v3/search?q=route", http.StatusOK},
		{http.MethodPut, "/v3/package/route.pkg/index.json", http.StatusMethodNotAllowed},
		{http.MethodDelete, "/v3/search", http.StatusMethodNotAllowed},
		{http.MethodGet, "/v3/no/such/thing", http.StatusNotFound},
		{http.MethodGet, "/v3", http.StatusNotFound},
		{http.MethodGet, "/api/v2/package/route.pkg/1.0.0", http.StatusOK},
		{http.MethodGet, "/nuget/FindPackagesById()?id='route.pkg'", http.StatusOK},
	}
	for _, tc := range tests {
		resp, body := env.Do(t, tc.method, tc.path, nil, "")
		if resp.StatusCode != tc.want {
			t.Errorf("%s %s = %d, want %d: %.200s", tc.method, tc.path, resp.StatusCode, tc.want, body)
		}
	}
}
