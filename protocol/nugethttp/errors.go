package nugethttp

import (
	"errors"
	"net/http"

	"github.com/feedserver/feedserver/feed"
	"github.com/feedserver/feedserver/protocol/httpx"
)

// The texts NuGet clients print for auth failures, nuget.org's own wording.
const (
	msgNoKey      = "An API key must be provided in the 'X-NuGet-ApiKey' header to use this service."
	msgInvalidKey = "The specified API key is invalid, has expired, or does not have permission to access the specified package."
	msgReadAuth   = "This feed needs credentials: send an API key as the password of HTTP Basic authentication."
)

// message is the NuGet family's one table of wording: the text of a failure
// of class f.Class, in the body and, for a 400 or 413, in X-NuGet-Warning;
// what it does not word, every family words alike (httpx.Failure.Text). The
// status is the class's (httpx.Class.Status).
func message(f *httpx.Failure) string {
	if f.Refused != "" {
		return f.Refused
	}
	switch f.Class {
	case httpx.NoSpace:
		return "The server is out of storage space; the package was not stored."
	case httpx.TooLarge:
		return "The package file exceeds the size limit."
	case httpx.Conflict:
		var exists *feed.ExistsError
		if errors.As(f.Err, &exists) {
			// nuget.org's text; NuGet clients show it and -SkipDuplicate keys on the 409.
			return "A package with ID '" + string(exists.Entry.ID) + "' and version '" +
				exists.Entry.Version.Original() + "' already exists and cannot be modified."
		}
		return "The package already exists and cannot be modified."
	case httpx.Unauthenticated:
		return msgNoKey
	case httpx.InvalidKey:
		return msgInvalidKey
	case httpx.NotFound:
		return "The package was not found."
	}
	return f.Text()
}

// writeError writes a failure as NuGet clients read one: plain text, and the
// text again in X-NuGet-Warning for a 400 or 413 (net/http cannot send a
// custom reason phrase). read marks the download side, where a missing or
// wrong credential is a Basic challenge.
func writeError(read bool) func(http.ResponseWriter, *http.Request, *httpx.Failure) {
	return func(w http.ResponseWriter, r *http.Request, f *httpx.Failure) {
		msg := message(f)
		hdr := w.Header()
		switch {
		case read && (f.Class == httpx.Unauthenticated || f.Class == httpx.InvalidKey):
			msg = msgReadAuth
			hdr.Set("WWW-Authenticate", `Basic realm="feedserver"`)
		case f.Status == http.StatusUnauthorized:
			// nuget.org's challenge; NuGet clients without a credential provider just fail.
			hdr.Set("WWW-Authenticate", `ApiKey realm="feedserver"`)
		case f.Status == http.StatusBadRequest, f.Status == http.StatusRequestEntityTooLarge:
			hdr.Set("X-NuGet-Warning", httpx.HeaderText(msg))
		}
		httpx.WriteText(w, r, f.Status, msg)
	}
}
