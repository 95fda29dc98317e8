package nugetapi

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"syscall"

	"github.com/feedserver/feedserver/auth"
	"github.com/feedserver/feedserver/feed"
	"github.com/feedserver/feedserver/protocol/httpx"
)

// The texts NuGet clients print for auth failures, nuget.org's own wording.
const (
	msgNoKey      = "An API key must be provided in the 'X-NuGet-ApiKey' header to use this service."
	msgInvalidKey = "The specified API key is invalid, has expired, or does not have permission to access the specified package."
	msgReadAuth   = "This feed needs credentials: send an API key as the password of HTTP Basic authentication."
)

// status is the NuGet family's one error table: the status code and the
// client-facing text of an error from feed, auth or the upload reader.
func status(err error) (int, string) {
	var exists *feed.ExistsError
	var tooBig *http.MaxBytesError
	switch {
	case errors.Is(err, feed.ErrUnavailable), errors.Is(err, auth.ErrUnavailable):
		// 503: the server's database is down; the client may retry later.
		return http.StatusServiceUnavailable, "The feed's database is unavailable; try again shortly."
	case outOfSpace(err):
		// 507, a 5xx: the client's package is fine, the server must make room first.
		return http.StatusInsufficientStorage, "The server is out of storage space; the package was not stored."
	case errors.Is(err, feed.ErrStoreUnavailable):
		return http.StatusServiceUnavailable, "The package store is unavailable; try again later."
	case errors.As(err, &tooBig), errors.Is(err, feed.ErrTooLarge):
		return http.StatusRequestEntityTooLarge, "The package file exceeds the size limit."
	case errors.As(err, &exists):
		// nuget.org's text; NuGet clients show it and -SkipDuplicate keys on the 409.
		return http.StatusConflict, "A package with ID '" + string(exists.Entry.ID) + "' and version '" +
			exists.Entry.Version.Original() + "' already exists and cannot be modified."
	case errors.Is(err, feed.ErrExists):
		return http.StatusConflict, "The package already exists and cannot be modified."
	case errors.Is(err, feed.ErrInvalid), errors.Is(err, httpx.ErrBadUpload):
		return http.StatusBadRequest, err.Error()
	case errors.Is(err, auth.ErrUnauthenticated):
		return http.StatusUnauthorized, msgNoKey
	case errors.Is(err, auth.ErrInvalidKey):
		// 403, not 401: NuGet prompts for credentials on 403 only when it sent no key.
		return http.StatusForbidden, msgInvalidKey
	case errors.Is(err, auth.ErrForbidden), errors.Is(err, feed.ErrForbidden):
		var missing *auth.MissingPermissionError
		if errors.As(err, &missing) {
			return http.StatusForbidden, missing.Error()
		}
		return http.StatusForbidden, err.Error()
	case errors.Is(err, feed.ErrNotFound):
		return http.StatusNotFound, "The package was not found."
	case errors.Is(err, context.Canceled):
		return http.StatusBadRequest, "The request was cancelled."
	}
	return http.StatusInternalServerError, "Internal server error."
}

// fail answers a request with err. read marks download endpoints, where a
// missing or wrong credential is a Basic challenge (NuGet clients send read
// credentials only after a WWW-Authenticate: Basic).
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error, read bool) {
	httpx.SetError(r.Context(), err)
	code, msg := status(httpx.Quiet(err))
	if read && (code == http.StatusUnauthorized || errors.Is(err, auth.ErrInvalidKey)) {
		code, msg = http.StatusUnauthorized, msgReadAuth
		w.Header().Set("WWW-Authenticate", `Basic realm="feedserver"`)
	} else if code == http.StatusUnauthorized {
		// nuget.org's challenge; NuGet clients without a credential provider just fail.
		w.Header().Set("WWW-Authenticate", `ApiKey realm="feedserver"`)
	}
	switch code {
	case http.StatusInternalServerError:
		h.log.Error("nuget request failed", "id", httpx.RequestID(r.Context()), "err", err)
		msg += " Request id " + httpx.RequestID(r.Context()) + "."
	case http.StatusBadRequest, http.StatusRequestEntityTooLarge:
		// NuGet clients print X-NuGet-Warning; net/http cannot send a custom reason phrase.
		w.Header().Set("X-NuGet-Warning", headerSafe(msg))
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Del("ETag")
	w.Header().Del("Cache-Control")
	w.WriteHeader(code)
	if r.Method != http.MethodHead {
		_, _ = w.Write([]byte(msg + "\n"))
	}
}

// headerSafe makes text one printable ASCII line of bounded length.
func headerSafe(s string) string {
	const max = 500
	var b strings.Builder
	for _, c := range s {
		if b.Len() >= max {
			b.WriteString("...")
			break
		}
		switch {
		case c == '\r' || c == '\n' || c == '\t':
			b.WriteByte(' ')
		case c < 0x20 || c == 0x7f:
		case c > 0x7e:
			b.WriteByte('?')
		default:
			b.WriteRune(c)
		}
	}
	return strings.TrimSpace(b.String())
}

// outOfSpace reports a full disk (or an exhausted quota) anywhere below the
// handler: spooling the upload, committing the file (the store's
// ErrNoSpace), writing the catalogue (ENOSPC).
func outOfSpace(err error) bool {
	return errors.Is(err, feed.ErrNoSpace) || errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT)
}
