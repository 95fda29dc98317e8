package protocol

import (
	"net/http"
	"strings"

	"github.com/feedserver/feedserver/feed"
)

// freshReads makes every read see the changes that any process sharing the
// catalogue committed before the read began (feed.Fresh: read your writes
// behind a load balancer, whichever replica took the write). It wraps the
// route table, inside MethodOverride, so it sees the method the handler
// will. Health, metrics and the web page's static files are answered as
// they are. With the embedded catalogue Fresh returns at once.
func freshReads(f *feed.Feed, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if (r.Method == http.MethodGet || r.Method == http.MethodHead) && !staleOK(r.URL.Path) {
			f.Fresh(r.Context())
		}
		next.ServeHTTP(w, r)
	})
}

// staleOK names the paths whose answers come from no cache of the catalogue.
func staleOK(path string) bool {
	switch path {
	case "/healthz", "/readyz", "/metrics":
		return true
	}
	return strings.HasPrefix(path, "/static/")
}
