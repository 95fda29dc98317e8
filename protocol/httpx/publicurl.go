package httpx

import (
	"net/http"
	"strings"
)

// PublicURL is the base URL clients reach the server at, without a trailing
// slash: the configured one, else derived from the request — the scheme from
// X-Forwarded-Proto (or TLS), the host from X-Forwarded-Host (or Host) — so
// a service index behind an https proxy lists https URLs (NuGet SDK 9 fails
// restore with NU1302 on http resource URLs under an https index).
func PublicURL(r *http.Request) string {
	if s := stateOf(r.Context()); s != nil && s.public != nil {
		return strings.TrimSuffix(s.public.String(), "/")
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	if p := strings.ToLower(firstValue(r.Header.Get("X-Forwarded-Proto"))); p == "http" || p == "https" {
		scheme = p
	}
	host := r.Host
	if h := firstValue(r.Header.Get("X-Forwarded-Host")); h != "" && plainHost(h) {
		host = h
	}
	if !plainHost(host) {
		host = "localhost"
	}
	return scheme + "://" + host
}

// firstValue is the first entry of a comma-separated header (the client-most proxy's).
func firstValue(v string) string {
	v, _, _ = strings.Cut(v, ",")
	return strings.TrimSpace(v)
}

// plainHost accepts host[:port] and bracketed IPv6, nothing that could break
// out of the authority of a URL.
func plainHost(h string) bool {
	if h == "" || len(h) > 255 {
		return false
	}
	for i := 0; i < len(h); i++ {
		c := h[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("-.:[]_", c) >= 0) {
			return false
		}
	}
	return true
}
