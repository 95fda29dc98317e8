package admin

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"

	"github.com/feedserver/feedserver/auth"
	"github.com/feedserver/feedserver/feed"
	"github.com/feedserver/feedserver/protocol/httpx"
)

// Sentinels of this package, classified in status below.
var (
	errBadRequest = errors.New("bad request")                   // a malformed query parameter: 400
	errRunning    = errors.New("a re-index is already running") // 409
	errClosed     = errors.New("the server is shutting down")   // 503
)

// apiError is the Octopus error body the rest of /api answers with, so a
// script reads every /api error the same way.
type apiError struct {
	ErrorMessage string   `json:"ErrorMessage"`
	Errors       []string `json:"Errors"`
}

// status is the admin family's one error table. A client mistake is never a 500.
func status(err error) (int, string) {
	var missing *auth.MissingPermissionError
	switch {
	case errors.Is(err, auth.ErrUnauthenticated):
		return http.StatusUnauthorized, "You must be logged in to perform this action. Please provide a valid API key or log in again."
	case errors.Is(err, auth.ErrInvalidKey):
		return http.StatusUnauthorized, "The API key you provided was not valid."
	case errors.As(err, &missing):
		return http.StatusForbidden, missing.Error()
	case errors.Is(err, auth.ErrForbidden):
		return http.StatusForbidden, err.Error()
	case errors.Is(err, errBadRequest), errors.Is(err, feed.ErrInvalidPolicy):
		return http.StatusBadRequest, err.Error()
	case errors.Is(err, errRunning), errors.Is(err, feed.ErrBusy):
		return http.StatusConflict, err.Error()
	case errors.Is(err, feed.ErrUnavailable), errors.Is(err, auth.ErrUnavailable):
		return http.StatusServiceUnavailable, "The feed's database is unavailable; try again shortly."
	case errors.Is(err, errClosed):
		return http.StatusServiceUnavailable, err.Error()
	case errors.Is(err, feed.ErrStoreUnavailable):
		return http.StatusServiceUnavailable, "The package store is unavailable; try again later."
	case errors.Is(err, context.Canceled):
		return http.StatusBadRequest, "The request was cancelled."
	}
	return http.StatusInternalServerError, "Internal server error."
}

// fail answers a request with err as an Octopus error body.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	httpx.SetError(r.Context(), err)
	code, msg := status(httpx.Quiet(err))
	if code == http.StatusInternalServerError {
		h.log.Error("admin request failed", "id", httpx.RequestID(r.Context()), "err", err)
		msg += " Request id " + httpx.RequestID(r.Context()) + "."
	}
	writeJSON(w, code, apiError{ErrorMessage: msg, Errors: []string{}})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		http.Error(w, "encode response", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_, _ = w.Write(append(data, '\n'))
}
