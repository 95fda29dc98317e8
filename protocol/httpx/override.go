package httpx

import (
	"net/http"
	"strings"
)

// MethodOverride honours X-HTTP-Method-Override on POST: Octopus.Client
// (.NET) sends every PUT and DELETE as a POST carrying that header
// (OctopusAsyncClient.DispatchRequest). Only PUT, DELETE and PATCH are
// accepted, so the header cannot turn a POST into a GET that skips a check.
// It must wrap the router: routes match on the method.
func MethodOverride(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			switch m := strings.ToUpper(strings.TrimSpace(r.Header.Get("X-HTTP-Method-Override"))); m {
			case http.MethodPut, http.MethodDelete, http.MethodPatch:
				r2 := r.Clone(r.Context())
				r2.Method = m
				r = r2
			}
		}
		next.ServeHTTP(w, r)
	})
}
