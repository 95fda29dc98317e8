package httpx

import (
	"mime"
	"net/http"
	"strings"

	"github.com/feedserver/feedserver/auth"
)

// PackageCSP is the Content-Security-Policy of every answer that carries
// bytes a package supplied: should a browser render them anyway, they run in
// a sandbox (a unique origin: no cookies, no credentials, no script) and may
// load nothing.
const PackageCSP = "sandbox; default-src 'none'"

// NoSniff sets X-Content-Type-Options: nosniff on every answer, so no
// browser second-guesses a declared type into one it would run (a nuspec or
// a generic file taken for HTML). It is the one place that header is set for
// the whole server; it wraps the router.
func NoSniff(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Content-Type-Options", "nosniff")
		next.ServeHTTP(w, r)
	})
}

// PackageBytes sets the headers of an answer whose body is bytes a package
// supplied (a .nupkg, its nuspec, a raw archive, a generic file): the given
// type, Content-Disposition: attachment with fileName, so a browser saves
// rather than shows them, and PackageCSP. NuGet clients read these bodies
// by content (NuGet.Protocol HttpStreamValidation), never by their headers.
func PackageBytes(h http.Header, contentType, fileName string) {
	h.Set("Content-Type", contentType)
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": fileName}))
	h.Set("Content-Security-Policy", PackageCSP)
	h.Set("X-Content-Type-Options", "nosniff")
}

// ReadCache is the Cache-Control of an answer to a read, given the
// directives it has while reads are open ("public, max-age=300", "no-cache"):
// marked private instead when reads need a key, so a shared cache never hands
// one caller's answer to another.
func ReadCache(pol auth.Policy, directives string) string {
	if pol.ReadsNeedKey {
		return "private, " + strings.TrimPrefix(directives, "public, ")
	}
	return directives
}
