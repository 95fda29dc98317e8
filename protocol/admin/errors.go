package admin

import (
	"errors"
	"net/http"

	"github.com/feedserver/feedserver/auth"
	"github.com/feedserver/feedserver/protocol/httpx"
)

// Sentinels of this package, with their class (httpx); message words them.
var (
	errBadRequest = httpx.NewError(httpx.Invalid, "bad request")                     // a malformed query parameter: 400
	errRunning    = httpx.NewError(httpx.Conflict, "a re-index is already running")  // 409
	errClosed     = httpx.NewError(httpx.Unavailable, "the server is shutting down") // 503
)

// apiError is the Octopus error body the rest of /api answers with, so a
// script reads every /api error the same way.
type apiError struct {
	ErrorMessage string   `json:"ErrorMessage"`
	Errors       []string `json:"Errors"`
}

// runningError refuses a re-index while one runs (errRunning, 409); its
// answer is the running re-index's state, what the script waits on.
type runningError struct{ state reindexState }

func (e *runningError) Error() string { return errRunning.Error() }
func (e *runningError) Unwrap() error { return errRunning }

// message is the admin family's one table of wording: the text of a failure
// of class f.Class, whose status is the class's. A client mistake is never a 500.
func message(f *httpx.Failure) string {
	err := f.Err
	switch f.Class {
	case httpx.Unauthenticated:
		return "You must be logged in to perform this action. Please provide a valid API key or log in again."
	case httpx.InvalidKey:
		return "The API key you provided was not valid."
	case httpx.Forbidden:
		var missing *auth.MissingPermissionError
		if errors.As(err, &missing) {
			return missing.Error()
		}
		return err.Error()
	case httpx.Invalid, httpx.Conflict:
		return err.Error()
	case httpx.Unavailable:
		if errors.Is(err, errClosed) {
			return err.Error()
		}
		return f.BackendDown()
	case httpx.Canceled:
		return "The request was cancelled."
	case httpx.Internal:
		return f.Fault("Internal server error.")
	}
	return http.StatusText(f.Status) + "."
}

// writeError answers a failure with the Octopus error body, or a refused
// re-index with the running one's state.
func writeError(w http.ResponseWriter, r *http.Request, f *httpx.Failure) {
	var running *runningError
	if errors.As(f.Err, &running) {
		_ = httpx.WriteJSON(w, r, f.Status, running.state)
		return
	}
	_ = httpx.WriteJSON(w, r, f.Status, apiError{ErrorMessage: message(f), Errors: []string{}})
}
