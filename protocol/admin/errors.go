package admin

import (
	"errors"
	"net/http"

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
// of class f.Class, whose status is the class's; what it does not word,
// every family words alike (httpx.Failure.Text: a refused or busy request
// says why, errClosed says it as is). A client mistake is never a 500.
func message(f *httpx.Failure) string {
	switch f.Class {
	case httpx.Unauthenticated:
		return "You must be logged in to perform this action. Please provide a valid API key or log in again."
	case httpx.InvalidKey:
		return "The API key you provided was not valid."
	case httpx.NotFound:
		return f.Err.Error() // which package or version: a deprecation names several
	}
	return f.Text()
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
