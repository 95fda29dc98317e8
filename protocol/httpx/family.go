package httpx

import (
	"errors"
	"log/slog"
	"net/http"

	"github.com/feedserver/feedserver/auth"
	"github.com/feedserver/feedserver/feed"
)

// HandlerFunc is a handler that returns its failure instead of answering
// it: the Family that serves it answers. A handler that has begun its answer
// returns nil.
type HandlerFunc func(w http.ResponseWriter, r *http.Request) error

// Family is how one protocol family answers failures: the status is the
// class's (Class.Status, or an exception in Statuses), the wording and the
// body's shape are the family's (Write). It is the one adapter between a
// family's handlers and net/http, as pkgsite's handlers are.
type Family struct {
	// Name names the family in the log line of a server fault.
	Name string
	Log  *slog.Logger
	// Statuses are the classes this family answers with another status
	// than their own, each for a client that needs it. Keep it short: the
	// protocol tests hold every family to Class.Status otherwise.
	Statuses map[Class]int
	// Write writes the failure in the family's shape, with f.Status. The
	// headers a handler set for the answer it meant to give are gone by then.
	Write func(w http.ResponseWriter, r *http.Request, f *Failure)
}

// Failure is an error as a family answers it.
type Failure struct {
	Class  Class
	Status int
	// Err is what the client may read of the error (Quiet): no socket
	// addresses or file paths. errors.Is and errors.As see the whole chain.
	Err error
	// Refused is the text of a Refusal in the chain, for the client as is; "" when none.
	Refused string
	// RequestID names the request, for the text of a server fault.
	RequestID string
}

// Fault is text with the request id appended, for a server fault: the
// operator finds the logged error by it.
func (f *Failure) Fault(text string) string {
	return text + " Request id " + f.RequestID + "."
}

// Text is the wording every family shares, for the failures its own table
// does not word: a Refusal's text as is; a backend that is down named (the
// package store or the database, never its address: the client can only
// try again), or a protocol's own Unavailable error (a server shutting
// down) as is; the missing permission of a Forbidden failure; the error
// itself for a request that is Invalid or in Conflict; a fixed line for a
// client that went away, and for a server fault with the request id. Else
// the status's text.
func (f *Failure) Text() string {
	if f.Refused != "" {
		return f.Refused
	}
	err := f.Err
	switch f.Class {
	case Unavailable:
		switch {
		case errors.Is(err, feed.ErrStoreUnavailable):
			return "The package store is unavailable; try again later."
		case errors.Is(err, feed.ErrUnavailable), errors.Is(err, auth.ErrUnavailable):
			return "The feed's database is unavailable; try again shortly."
		}
		return err.Error()
	case Forbidden:
		var missing *auth.MissingPermissionError
		if errors.As(err, &missing) {
			return missing.Error()
		}
		return err.Error()
	case Invalid, Conflict:
		return err.Error()
	case Canceled:
		return "The request was cancelled."
	case Internal:
		return f.Fault("Internal server error.")
	}
	return http.StatusText(f.Status) + "."
}

// staleHeaders are headers a handler may have set for a success it then did
// not give; none of them may describe an error body.
var staleHeaders = []string{"ETag", "Cache-Control", "Content-Disposition", "Last-Modified",
	"X-Checksum-SHA256", "Content-Encoding"}

// Serve adapts h to net/http: a returned error is answered by Fail.
func (fam *Family) Serve(h HandlerFunc) http.Handler { return served{fam, h} }

type served struct {
	fam *Family
	h   HandlerFunc
}

func (s served) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if err := s.h(w, r); err != nil {
		s.fam.Fail(w, r, err)
	}
}

// Fail answers a request with err: it records the error for the access log,
// reads what is left of the body (a client still sending an upload then
// reads the status, not a reset), logs a server fault with the request id,
// and writes the failure in the family's shape.
func (fam *Family) Fail(w http.ResponseWriter, r *http.Request, err error) {
	ctx := r.Context()
	SetError(ctx, err)
	if r.Body != nil {
		drain(r.Body)
	}
	f := &Failure{Class: classify(err), Err: Quiet(err), RequestID: RequestID(ctx)}
	f.Status = f.Class.Status()
	if s, ok := fam.Statuses[f.Class]; ok {
		f.Status = s
	}
	var r2 *refusal
	if errors.As(err, &r2) {
		f.Refused = r2.text
	}
	if f.Class == Internal {
		fam.Log.Error(fam.Name+" request failed", "id", f.RequestID, "err", err)
	}
	hdr := w.Header()
	for _, k := range staleHeaders {
		hdr.Del(k)
	}
	fam.Write(w, r, f)
}
