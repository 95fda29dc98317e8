package httpx

import (
	"context"
	"errors"
	"net/http"
	"syscall"

	"github.com/feedserver/feedserver/auth"
	"github.com/feedserver/feedserver/feed"
)

// Class is what kind of failure an error is, whatever the protocol: it is
// found once (classify, from the sentinels of the layers below) when a
// Family answers an error, and Status gives its one status code. Each
// family's table (a Family's Write) only words it for its own clients.
type Class uint8

// The classes, with the status every family answers them with.
const (
	Internal        Class = iota // anything not below: the server's fault (500)
	Invalid                      // the request, its body or its package is malformed (400)
	Unauthenticated              // a key is needed and none came (401)
	InvalidKey                   // the key is unknown, revoked or expired (401)
	Forbidden                    // the key may not do this here (403)
	NotFound                     // nothing by that name (404)
	Conflict                     // it exists already, or the server is busy with it (409)
	TooLarge                     // over the size limit (413)
	Unprocessable                // well-formed but not applicable (422): a delta that does not fit its base
	Canceled                     // the client went away (400; nobody reads it)
	Unavailable                  // a backend cannot be reached (503): try again later
	NoSpace                      // the disk or the quota is full (507): the request was fine
)

var classStatus = [...]int{
	Internal:        http.StatusInternalServerError,
	Invalid:         http.StatusBadRequest,
	Unauthenticated: http.StatusUnauthorized,
	InvalidKey:      http.StatusUnauthorized,
	Forbidden:       http.StatusForbidden,
	NotFound:        http.StatusNotFound,
	Conflict:        http.StatusConflict,
	TooLarge:        http.StatusRequestEntityTooLarge,
	Unprocessable:   http.StatusUnprocessableEntity,
	Canceled:        http.StatusBadRequest,
	Unavailable:     http.StatusServiceUnavailable,
	NoSpace:         http.StatusInsufficientStorage,
}

var classNames = [...]string{
	Internal: "Internal", Invalid: "Invalid", Unauthenticated: "Unauthenticated", InvalidKey: "InvalidKey",
	Forbidden: "Forbidden", NotFound: "NotFound", Conflict: "Conflict", TooLarge: "TooLarge",
	Unprocessable: "Unprocessable", Canceled: "Canceled", Unavailable: "Unavailable", NoSpace: "NoSpace",
}

// Status is the status code of the class, the same in every family (a
// family may answer another only for a client that needs it: Family.Statuses).
func (c Class) Status() int {
	if int(c) < len(classStatus) {
		return classStatus[c]
	}
	return http.StatusInternalServerError
}

func (c Class) String() string {
	if int(c) < len(classNames) {
		return classNames[c]
	}
	return "Class(?)"
}

// classes is THE table from sentinel to class, tried top to bottom: the first
// class any error in the chain belongs to wins. The order matters where one
// error carries two: a body cut off by the size limit is TooLarge although
// the upload reader also marked it Invalid, and a full disk is NoSpace
// whatever the push was doing.
//
// A backend that cannot be reached is Unavailable: the catalogue's database
// (feed.ErrUnavailable, index's), the keys' (auth.ErrUnavailable) and the
// blob store (feed.ErrStoreUnavailable, storage's). A store without room is
// NoSpace: the store's own ErrNoSpace (an object store's quota), and ENOSPC
// or EDQUOT from anything else on the disk (the catalogue, a spool file).
var classes = []struct {
	class     Class
	sentinels []error
}{
	{Unavailable, []error{feed.ErrUnavailable, auth.ErrUnavailable, feed.ErrStoreUnavailable}},
	{NoSpace, []error{feed.ErrNoSpace, syscall.ENOSPC, syscall.EDQUOT}},
	{TooLarge, []error{feed.ErrTooLarge}}, // and *http.MaxBytesError, below
	{Conflict, []error{feed.ErrExists, auth.ErrExists, feed.ErrBusy}},
	{Unprocessable, nil},
	{Invalid, []error{feed.ErrInvalid, feed.ErrInvalidPolicy, auth.ErrInvalidOwner, auth.ErrInvalidSpec}},
	{Unauthenticated, []error{auth.ErrUnauthenticated}},
	{InvalidKey, []error{auth.ErrInvalidKey}},
	{Forbidden, []error{auth.ErrForbidden, feed.ErrForbidden}},
	{NotFound, []error{feed.ErrNotFound, auth.ErrNotFound}},
	{Canceled, []error{context.Canceled}},
}

// classify is the class of err (Internal for nil or anything unknown). A
// protocol's own errors take part through WithClass and NewError.
func classify(err error) Class {
	if err == nil {
		return Internal
	}
	for _, row := range classes {
		if marked(err, row.class) {
			return row.class
		}
		for _, s := range row.sentinels {
			if errors.Is(err, s) {
				return row.class
			}
		}
		if row.class == TooLarge {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				return TooLarge
			}
		}
	}
	return Internal
}

// WithClass gives err the class c, its text and chain unchanged: for an
// error of a package below the protocols that knows nothing of HTTP (an
// Octodiff error, say), at the one place a protocol meets it.
func WithClass(c Class, err error) error {
	if err == nil {
		return nil
	}
	return &classError{err: err, class: c}
}

// NewError is errors.New(text) of class c: a protocol's own sentinel.
func NewError(c Class, text string) error { return WithClass(c, errors.New(text)) }

type classError struct {
	err   error
	class Class
}

func (e *classError) Error() string { return e.err.Error() }
func (e *classError) Unwrap() error { return e.err }

// marked reports whether an error in err's chain was given class c.
func marked(err error, c Class) bool {
	found := false
	walk(err, func(e error) {
		if ce, ok := e.(*classError); ok && ce.class == c {
			found = true
		}
		if r, ok := e.(*refusal); ok && r.class == c {
			found = true
		}
	})
	return found
}

// Refuse returns a failure of class c worded where it happens: every family
// answers it with text as is (Failure.Refused), under the class's status.
// It is for the few refusals only the refusing code can word (a space that
// does not exist, on a route of another protocol); the rest are worded by
// each family's table.
func Refuse(c Class, text string) error { return &refusal{class: c, text: text} }

type refusal struct {
	class Class
	text  string
}

func (r *refusal) Error() string { return r.text }
