package httpx

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestMethodOverride(t *testing.T) {
	for _, tc := range []struct {
		method, header, want string
	}{
		{"POST", "DELETE", "DELETE"}, // Octopus.Client DeletePackage
		{"POST", "put", "PUT"},
		{"POST", "", "POST"},
		{"POST", "GET", "POST"},   // never turns a write into a read
		{"GET", "DELETE", "GET"},  // only POST is overridden
		{"POST", "TRACE", "POST"}, // unknown methods are ignored
	} {
		t.Run(tc.method+"+"+tc.header, func(t *testing.T) {
			var got string
			h := MethodOverride(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got = r.Method }))
			r := httptest.NewRequest(tc.method, "/api/packages/x", nil)
			if tc.header != "" {
				r.Header.Set("X-HTTP-Method-Override", tc.header)
			}
			h.ServeHTTP(httptest.NewRecorder(), r)
			if got != tc.want {
				t.Errorf("got %s, want %s", got, tc.want)
			}
		})
	}
}
