package httpx

import (
	"fmt"
	"net/http"
	"net/url"
)

// CrossOrigin refuses state-changing requests a browser sends from another
// site, so credentials a browser cached for this server (Basic read keys) can
// never push, delete or administer on a foreign page's behalf. Command-line
// clients send neither Origin nor Sec-Fetch-Site and pass untouched. Behind a
// reverse proxy the public URL's origin is trusted, since Host differs there.
// The refusal is in the Octopus error shape the web page and scripts read.
func CrossOrigin(public *url.URL) (func(http.Handler) http.Handler, error) {
	cop := http.NewCrossOriginProtection()
	if public != nil && public.Host != "" {
		if err := cop.AddTrustedOrigin(public.Scheme + "://" + public.Host); err != nil {
			return nil, fmt.Errorf("public URL as a trusted origin: %w", err)
		}
	}
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		SetError(r.Context(), fmt.Errorf("cross-origin request refused"))
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(http.StatusForbidden)
		fmt.Fprintln(w, `{"ErrorMessage":"Cross-site requests that change the feed are refused: use this server's own pages or a command-line client.","Errors":[]}`)
	}))
	return cop.Handler, nil
}
