package octopus

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"syscall"

	"github.com/feedserver/feedserver/auth"
	"github.com/feedserver/feedserver/feed"
	"github.com/feedserver/feedserver/protocol/httpx"
	"github.com/feedserver/feedserver/protocol/octopus/octodiff"
)

// Octopus' own texts (docs/protocol/octopus.md §2.4, §5.1, §8.5).
const (
	msgNotLoggedIn = "You must be logged in to perform this action. Please provide a valid API key or log in again."
	msgInvalidKey  = "The API key you provided was not valid. Please double-check your API key and try again. For instructions on finding your API key, please visit: https://oc.to/ApiKey"
	msgNoPerm      = "You do not have permission to perform this action. Please contact your Octopus administrator. Missing permission: "
	msgExists      = "A package with the same ID and version already exists. To proceed anyway, specify an overwriteMode of OverwriteExisting or IgnoreIfExists."
	// The TypeScript api-client's integration test looks for this wording, so
	// it goes in Errors beside Swagger's ErrorMessage.
	msgExistsName  = "A package with the same name and version already exists."
	msgNoFile      = "A package file must be provided"
	msgEmptyFile   = "The uploaded package file had length equal to 0. Please upload a non-empty file."
	msgNoDelta     = "A delta file must be provided"
	msgEmptyDelta  = "The uploaded delta file had length equal to 0. Please upload a non-empty file."
	msgTooLarge    = "The package file exceeds the size limit of this server."
	msgNoPackageID = "No packageId parameter was provided."
)

// Sentinels of this package, classified in status below.
var (
	errBadRequest = errors.New("bad request") // a client mistake in the query or path: 400
	errNotFound   = errors.New("not found")   // an unknown route resource (feed, user): 404
	//lint:ignore ST1005 Octopus' own text, which clients print as is: a sentence.
	errEmptyPackage = errors.New(msgEmptyFile)
	//lint:ignore ST1005 Octopus' own text, which clients print as is: a sentence.
	errEmptyDelta = errors.New(msgEmptyDelta)
	errNoBase     = errors.New("no base package") // delta upload whose base version is not stored: 404
)

// apiError is Octopus' error body. Octopus.Client reads ErrorMessage, Errors
// and HelpText (octo prints HelpText then ErrorMessage on 401/403);
// go-octopusdeploy prints "ErrorMessage [Errors]"; api-client joins
// ErrorMessage and each of Errors with "\n".
type apiError struct {
	ErrorMessage string   `json:"ErrorMessage"`
	Errors       []string `json:"Errors"`
	HelpText     string   `json:"HelpText,omitempty"`
}

// status is the Octopus family's one error table: the status code and body
// of an error from feed, auth, octodiff or the upload reader. A client
// mistake is never a 500.
func status(err error) (int, apiError) {
	var exists *feed.ExistsError
	var tooBig *http.MaxBytesError
	var missing *auth.MissingPermissionError
	e := apiError{Errors: []string{}}
	switch {
	case errors.Is(err, feed.ErrUnavailable), errors.Is(err, auth.ErrUnavailable):
		// 503: the server's database is down; the client may retry later.
		e.ErrorMessage = "The feed's database is unavailable; try again shortly."
		return http.StatusServiceUnavailable, e
	case errors.Is(err, feed.ErrNoSpace), errors.Is(err, syscall.ENOSPC), errors.Is(err, syscall.EDQUOT):
		// 507, a 5xx: the package is fine, the server must make room first.
		e.ErrorMessage = "The server is out of storage space; the package was not stored."
		return http.StatusInsufficientStorage, e
	case errors.Is(err, feed.ErrStoreUnavailable):
		e.ErrorMessage = "The package store is unavailable; try again later."
		return http.StatusServiceUnavailable, e
	case errors.As(err, &tooBig), errors.Is(err, feed.ErrTooLarge), errors.Is(err, octodiff.ErrTooLarge):
		e.ErrorMessage = msgTooLarge
		var delta *deltaTooLargeError
		if errors.As(err, &delta) {
			e.Errors = []string{fmt.Sprintf("The delta would build a package of more than %d bytes; upload the whole package instead.", delta.limit)}
		}
		return http.StatusRequestEntityTooLarge, e
	case errors.As(err, &exists):
		e.ErrorMessage = msgExists
		e.Errors = []string{msgExistsName + " (" + string(exists.Entry.ID) + " " + exists.Entry.Version.Original() + ")"}
		return http.StatusConflict, e
	case errors.Is(err, feed.ErrExists):
		e.ErrorMessage = msgExists
		e.Errors = []string{msgExistsName}
		return http.StatusConflict, e
	case errors.Is(err, errNoBase):
		// 404, never 400: Octopus.Client falls back to a full upload on any
		// error but a validation one (400/409), go-octopusdeploy on a 404.
		e.ErrorMessage = err.Error()
		return http.StatusNotFound, e
	case errors.Is(err, octodiff.ErrCorrupt), errors.Is(err, octodiff.ErrHashMismatch):
		// Not 400 (Octopus.Client would not fall back to a full upload) and not
		// 500 (not a server fault, and a 5xx invites retries of the same delta):
		// 422 reaches Octopus.Client as OctopusServerException, which it
		// recovers from. The exact code of a real server is unconfirmed (docs/protocol/octopus.md §10).
		e.ErrorMessage = "The delta could not be applied to the stored base package: " + err.Error()
		return http.StatusUnprocessableEntity, e
	case errors.Is(err, errEmptyPackage), errors.Is(err, errEmptyDelta):
		e.ErrorMessage = err.Error()
		return http.StatusBadRequest, e
	case errors.Is(err, httpx.ErrBadUpload):
		e.ErrorMessage = msgNoFile
		e.Errors = []string{err.Error()}
		return http.StatusBadRequest, e
	case errors.Is(err, feed.ErrInvalid), errors.Is(err, errBadRequest):
		e.ErrorMessage = err.Error()
		return http.StatusBadRequest, e
	case errors.Is(err, auth.ErrUnauthenticated):
		e.ErrorMessage = msgNotLoggedIn
		return http.StatusUnauthorized, e
	case errors.Is(err, auth.ErrInvalidKey):
		// 401 like Octopus (octo exits -5, OctopusSecurityException).
		e.ErrorMessage = msgInvalidKey
		return http.StatusUnauthorized, e
	case errors.As(err, &missing):
		e.ErrorMessage = missing.Error()
		e.HelpText = helpText(missing.Permission)
		return http.StatusForbidden, e
	case errors.Is(err, feed.ErrForbidden):
		// feed refuses a replace without BuiltInFeedAdminister.
		e.ErrorMessage = msgNoPerm + string(auth.BuiltInFeedAdminister)
		e.HelpText = helpText(auth.BuiltInFeedAdminister)
		return http.StatusForbidden, e
	case errors.Is(err, auth.ErrForbidden):
		// A key limited to other spaces.
		e.ErrorMessage = "You do not have permission to perform this action in this space. Please contact your Octopus administrator."
		e.Errors = []string{err.Error()}
		return http.StatusForbidden, e
	case errors.Is(err, errSpaceNotFound):
		e.ErrorMessage = "The space was not found: " + err.Error()
		return http.StatusNotFound, e
	case errors.Is(err, feed.ErrNotFound), errors.Is(err, errNotFound):
		e.ErrorMessage = "The resource you requested was not found: " + err.Error()
		return http.StatusNotFound, e
	case errors.Is(err, context.Canceled):
		e.ErrorMessage = "The request was cancelled."
		return http.StatusBadRequest, e
	}
	e.ErrorMessage = "There was an internal error on the server."
	return http.StatusInternalServerError, e
}

// helpText is the HelpText octo prints before the 403 message (Octopus'
// wording, OctopusClients PR #391).
func helpText(p auth.Permission) string {
	switch p {
	case auth.BuiltInFeedPush:
		return "This action requires permission to push new packages to the built-in package repository. None of your teams have this permission."
	case auth.BuiltInFeedAdminister:
		return "This action requires permission to replace or delete packages in the built-in package repository. None of your teams have this permission."
	case auth.BuiltInFeedDownload:
		return "This action requires permission to retrieve the contents of packages in the built-in package repository. None of your teams have this permission."
	case auth.FeedView:
		return "This action requires permission to view packages and feeds. None of your teams have this permission."
	}
	return ""
}

// fail answers a request with err as an Octopus error body.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	httpx.SetError(r.Context(), err)
	code, body := status(httpx.Quiet(err))
	if code == http.StatusInternalServerError {
		h.log.Error("octopus request failed", "id", httpx.RequestID(r.Context()), "err", err)
		body.ErrorMessage += " Request id " + httpx.RequestID(r.Context()) + "."
	}
	w.Header().Del("Content-Disposition")
	w.Header().Del("ETag")
	w.Header().Del("Last-Modified")
	writeJSON(w, r, code, body)
}
