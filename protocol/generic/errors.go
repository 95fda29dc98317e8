package generic

import (
	"errors"
	"net/http"

	"github.com/feedserver/feedserver/feed/generic"
	"github.com/feedserver/feedserver/protocol/httpx"
)

// errBadPath marks a path segment that cannot be read at all (Invalid: 400).
var errBadPath = httpx.NewError(httpx.Invalid, "bad path")

// message is the generic family's one table of wording: the plain text of a
// failure of class f.Class, whose status is the class's; what it does not
// word, every family words alike (httpx.Failure.Text).
func message(f *httpx.Failure) string {
	err := f.Err
	switch f.Class {
	case httpx.NoSpace:
		// A 5xx: the file is fine, the server must make room first.
		return "The server is out of storage space; the file was not stored."
	case httpx.TooLarge:
		return "The file exceeds the size limit of this server."
	case httpx.Conflict:
		var exists *generic.ExistsError
		if errors.As(err, &exists) {
			return exists.Error()
		}
		return "The file already exists."
	case httpx.Invalid:
		var invalid *generic.InvalidError
		if errors.As(err, &invalid) {
			return invalid.Error()
		}
	case httpx.Unauthenticated:
		return "This needs an API key: send it as the password of HTTP Basic authentication (any user name), as Authorization: Bearer, or in X-NuGet-ApiKey."
	case httpx.InvalidKey:
		return "The API key is invalid, revoked or expired."
	case httpx.NotFound:
		return "Not found."
	}
	return f.Text()
}

// writeError answers a failure as plain text (Gitea's generic registry
// answers errors as plain text; curl --fail-with-body shows it).
func writeError(w http.ResponseWriter, r *http.Request, f *httpx.Failure) {
	if f.Status == http.StatusUnauthorized {
		// curl and CI tools retry with Basic credentials on this challenge.
		w.Header().Set("WWW-Authenticate", `Basic realm="feedserver"`)
	}
	httpx.WriteText(w, r, f.Status, message(f))
}
