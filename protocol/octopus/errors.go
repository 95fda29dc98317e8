package octopus

import (
	"errors"
	"fmt"
	"net/http"

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

// Sentinels of this package, with their class (httpx); errors.go words them.
var (
	errBadRequest   = httpx.NewError(httpx.Invalid, "bad request")      // a client mistake in the query or path: 400
	errNotFound     = httpx.NewError(httpx.NotFound, "not found")       // an unknown route resource (feed, user): 404
	errEmptyPackage = httpx.NewError(httpx.Invalid, msgEmptyFile)       // worded as is: the text is Octopus'
	errEmptyDelta   = httpx.NewError(httpx.Invalid, msgEmptyDelta)      // worded as is
	errNoBase       = httpx.NewError(httpx.NotFound, "no base package") // delta upload whose base version is not stored: 404
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

// body is the Octopus family's one table of wording: the body of a failure
// of class f.Class, whose status is the class's (httpx.Class.Status). A
// client mistake is never a 500.
func body(f *httpx.Failure) apiError {
	err := f.Err
	e := apiError{Errors: []string{}}
	if f.Refused != "" {
		e.ErrorMessage = f.Refused
		return e
	}
	switch f.Class {
	case httpx.NoSpace:
		// A 5xx: the package is fine, the server must make room first.
		e.ErrorMessage = "The server is out of storage space; the package was not stored."
	case httpx.TooLarge:
		e.ErrorMessage = msgTooLarge
		var delta *deltaTooLargeError
		if errors.As(err, &delta) {
			e.Errors = []string{fmt.Sprintf("The delta would build a package of more than %d bytes; upload the whole package instead.", delta.limit)}
		}
	case httpx.Conflict:
		e.ErrorMessage = msgExists
		e.Errors = []string{msgExistsName}
		var exists *feed.ExistsError
		if errors.As(err, &exists) {
			e.Errors = []string{msgExistsName + " (" + string(exists.Entry.ID) + " " + exists.Entry.Version.Original() + ")"}
		}
	case httpx.Unprocessable:
		// An Octodiff delta that does not fit its base (deltaError). Not 400
		// (Octopus.Client would not fall back to a full upload) and not 500
		// (not a server fault, and a 5xx invites retries of the same delta):
		// 422 reaches Octopus.Client as OctopusServerException, which it
		// recovers from. The exact code of a real server is unconfirmed (docs/protocol/octopus.md §10).
		e.ErrorMessage = "The delta could not be applied to the stored base package: " + err.Error()
	case httpx.Invalid:
		switch {
		case errors.Is(err, errEmptyPackage), errors.Is(err, errEmptyDelta):
			e.ErrorMessage = err.Error()
		case errors.Is(err, httpx.ErrBadUpload):
			e.ErrorMessage = msgNoFile
			e.Errors = []string{err.Error()}
		default:
			e.ErrorMessage = err.Error()
		}
	case httpx.Unauthenticated:
		e.ErrorMessage = msgNotLoggedIn
	case httpx.InvalidKey:
		// 401 like Octopus (octo exits -5, OctopusSecurityException).
		e.ErrorMessage = msgInvalidKey
	case httpx.Forbidden:
		var missing *auth.MissingPermissionError
		switch {
		case errors.As(err, &missing):
			e.ErrorMessage = missing.Error()
			e.HelpText = helpText(missing.Permission)
		case errors.Is(err, feed.ErrForbidden):
			// feed refuses a replace without BuiltInFeedAdminister.
			e.ErrorMessage = msgNoPerm + string(auth.BuiltInFeedAdminister)
			e.HelpText = helpText(auth.BuiltInFeedAdminister)
		default:
			// A key limited to other spaces.
			e.ErrorMessage = "You do not have permission to perform this action in this space. Please contact your Octopus administrator."
			e.Errors = []string{err.Error()}
		}
	case httpx.NotFound:
		switch {
		case errors.Is(err, errNoBase):
			// 404, never 400: Octopus.Client falls back to a full upload on any
			// error but a validation one (400/409), go-octopusdeploy on a 404.
			e.ErrorMessage = err.Error()
		case errors.Is(err, errSpaceNotFound):
			e.ErrorMessage = "The space was not found: " + err.Error()
		default:
			e.ErrorMessage = "The resource you requested was not found: " + err.Error()
		}
	case httpx.Internal:
		e.ErrorMessage = f.Fault("There was an internal error on the server.")
	default:
		e.ErrorMessage = f.Text()
	}
	return e
}

// deltaError gives an Octodiff error of a delta upload its class: a delta
// whose output passes its bound is TooLarge, one that is malformed or does
// not rebuild the package it names is Unprocessable (see body).
func deltaError(err error) error {
	switch {
	case errors.Is(err, octodiff.ErrTooLarge):
		return httpx.WithClass(httpx.TooLarge, err)
	case errors.Is(err, octodiff.ErrCorrupt), errors.Is(err, octodiff.ErrHashMismatch):
		return httpx.WithClass(httpx.Unprocessable, err)
	}
	return err
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

// writeError answers a failure with Octopus' error body (which always
// encodes: strings only).
func writeError(w http.ResponseWriter, r *http.Request, f *httpx.Failure) {
	_ = httpx.WriteJSON(w, r, f.Status, body(f))
}
