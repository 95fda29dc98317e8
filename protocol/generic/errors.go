package generic

import (
	"context"
	"errors"
	"net/http"
	"syscall"

	"github.com/feedserver/feedserver/auth"
	"github.com/feedserver/feedserver/feed"
	"github.com/feedserver/feedserver/feed/generic"
	"github.com/feedserver/feedserver/protocol/httpx"
)

// status is the generic family's one error table: the status code and the
// plain-text message of an error from feed, auth, the path or the upload.
func status(err error) (int, string) {
	var (
		tooBig  *http.MaxBytesError
		exists  *generic.ExistsError
		invalid *generic.InvalidError
		missing *auth.MissingPermissionError
	)
	switch {
	case errors.Is(err, feed.ErrUnavailable), errors.Is(err, auth.ErrUnavailable):
		// 503: the server's database is down; the client may retry later.
		return http.StatusServiceUnavailable, "The feed's database is unavailable; try again shortly."
	case errors.Is(err, feed.ErrNoSpace), errors.Is(err, syscall.ENOSPC), errors.Is(err, syscall.EDQUOT):
		// 507, a 5xx: the file is fine, the server must make room first.
		return http.StatusInsufficientStorage, "The server is out of storage space; the file was not stored."
	case errors.Is(err, feed.ErrStoreUnavailable):
		return http.StatusServiceUnavailable, "The package store is unavailable; try again later."
	case errors.As(err, &tooBig), errors.Is(err, feed.ErrTooLarge):
		return http.StatusRequestEntityTooLarge, "The file exceeds the size limit of this server."
	case errors.As(err, &exists):
		return http.StatusConflict, exists.Error()
	case errors.Is(err, feed.ErrExists):
		return http.StatusConflict, "The file already exists."
	case errors.As(err, &invalid):
		return http.StatusBadRequest, invalid.Error()
	case errors.Is(err, auth.ErrInvalidOwner), errors.Is(err, errBadPath),
		errors.Is(err, feed.ErrInvalid), errors.Is(err, httpx.ErrBadUpload):
		return http.StatusBadRequest, err.Error()
	case errors.Is(err, auth.ErrUnauthenticated):
		return http.StatusUnauthorized, "This needs an API key: send it as the password of HTTP Basic authentication (any user name), as Authorization: Bearer, or in X-NuGet-ApiKey."
	case errors.Is(err, auth.ErrInvalidKey):
		return http.StatusUnauthorized, "The API key is invalid, revoked or expired."
	case errors.As(err, &missing):
		return http.StatusForbidden, missing.Error()
	case errors.Is(err, auth.ErrForbidden), errors.Is(err, feed.ErrForbidden):
		return http.StatusForbidden, err.Error()
	case errors.Is(err, feed.ErrNotFound):
		return http.StatusNotFound, "Not found."
	case errors.Is(err, context.Canceled):
		return http.StatusBadRequest, "The request was cancelled."
	}
	return http.StatusInternalServerError, "Internal server error."
}

// fail answers a request with err as plain text (Gitea's generic registry
// answers errors as plain text; curl --fail-with-body shows it).
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	httpx.SetError(r.Context(), err)
	code, msg := status(httpx.Quiet(err))
	hdr := w.Header()
	if code == http.StatusUnauthorized {
		// curl and CI tools retry with Basic credentials on this challenge.
		hdr.Set("WWW-Authenticate", `Basic realm="feedserver"`)
	}
	if code == http.StatusInternalServerError {
		h.log.Error("generic request failed", "id", httpx.RequestID(r.Context()), "err", err)
		msg += " Request id " + httpx.RequestID(r.Context()) + "."
	}
	for _, k := range []string{"ETag", "Cache-Control", "Content-Disposition", "X-Checksum-SHA256", "Last-Modified", "Content-Encoding"} {
		hdr.Del(k)
	}
	hdr.Set("Content-Type", "text/plain; charset=utf-8")
	hdr.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(code)
	if r.Method != http.MethodHead {
		_, _ = w.Write([]byte(msg + "\n"))
	}
}
