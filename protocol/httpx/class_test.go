package httpx

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"syscall"
	"testing"

	"github.com/feedserver/feedserver/auth"
	"github.com/feedserver/feedserver/feed"
	"github.com/feedserver/feedserver/index"
	"github.com/feedserver/feedserver/nuget"
)

func TestClassify(t *testing.T) {
	exists := &feed.ExistsError{Entry: index.Entry{ID: "My.Pkg", Version: nuget.MustParseVersion("1.0.0")}}
	tests := []struct {
		name string
		err  error
		want Class
	}{
		{"nil", nil, Internal},
		{"anything else", errors.New("disk on fire"), Internal},
		{"catalogue down", fmt.Errorf("look up: %w: dial tcp: refused", feed.ErrUnavailable), Unavailable},
		{"key database down", fmt.Errorf("%w: dial tcp: refused", auth.ErrUnavailable), Unavailable},
		{"full disk", fmt.Errorf("write spool: %w", &os.PathError{Op: "write", Path: "/data/x", Err: syscall.ENOSPC}), NoSpace},
		{"quota", syscall.EDQUOT, NoSpace},
		{"package store down", fmt.Errorf("open x: s3: %w: connection refused", feed.ErrStoreUnavailable), Unavailable},
		{"package store full", fmt.Errorf("store x: s3: %w (QuotaExceeded)", feed.ErrNoSpace), NoSpace},
		{"feed too large", fmt.Errorf("%w: over", feed.ErrTooLarge), TooLarge},
		{"body over the limit", &http.MaxBytesError{Limit: 1}, TooLarge},
		// The upload reader marks a read that failed at the limit Invalid too: the limit wins.
		{"limit inside a bad upload", fmt.Errorf("%w: %w", ErrBadUpload, &http.MaxBytesError{Limit: 1}), TooLarge},
		{"package exists", fmt.Errorf("push: %w", exists), Conflict},
		{"key exists", fmt.Errorf("%w: name", auth.ErrExists), Conflict},
		{"busy", feed.ErrBusy, Conflict},
		{"invalid package", fmt.Errorf("%w: not a zip", feed.ErrInvalid), Invalid},
		{"bad upload", fmt.Errorf("%w: truncated", ErrBadUpload), Invalid},
		{"invalid policy", feed.ErrInvalidPolicy, Invalid},
		{"invalid owner", auth.ErrInvalidOwner, Invalid},
		{"invalid key spec", auth.ErrInvalidSpec, Invalid},
		{"no key", fmt.Errorf("x: %w", auth.ErrUnauthenticated), Unauthenticated},
		{"wrong key", fmt.Errorf("%w: unknown", auth.ErrInvalidKey), InvalidKey},
		{"missing permission", &auth.MissingPermissionError{Permission: auth.BuiltInFeedPush}, Forbidden},
		{"out of scope", &auth.OutOfScopeError{Target: auth.Target{Space: "Spaces-2"}}, Forbidden},
		{"feed forbidden", fmt.Errorf("%w: replace", feed.ErrForbidden), Forbidden},
		{"not found", fmt.Errorf("%w: x", feed.ErrNotFound), NotFound},
		{"key not found", fmt.Errorf("%w: x", auth.ErrNotFound), NotFound},
		{"cancelled", fmt.Errorf("read: %w", context.Canceled), Canceled},
		{"marked", WithClass(Unprocessable, errors.New("delta does not fit")), Unprocessable},
		{"marked under a wrap", fmt.Errorf("apply: %w", WithClass(Unprocessable, errors.New("x"))), Unprocessable},
		{"own sentinel", fmt.Errorf("%w: skip", NewError(Invalid, "bad request")), Invalid},
		{"refusal", Refuse(NotFound, "The space Spaces-9 does not exist on this server."), NotFound},
		// The first class in the table wins: a full disk while pushing a duplicate is still NoSpace.
		{"two classes", fmt.Errorf("%w: %w", exists, syscall.ENOSPC), NoSpace},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := classify(tt.err); got != tt.want {
				t.Errorf("classify(%v) = %v, want %v", tt.err, got, tt.want)
			}
		})
	}
}

// WithClass and NewError change no text, and errors.Is still finds what they wrap.
func TestWithClassKeepsTheChain(t *testing.T) {
	inner := fmt.Errorf("read: %w", feed.ErrNotFound)
	err := WithClass(Invalid, inner)
	if err.Error() != inner.Error() || !errors.Is(err, feed.ErrNotFound) {
		t.Errorf("WithClass = %q (Is ErrNotFound: %v), want the text and chain of %q", err, errors.Is(err, feed.ErrNotFound), inner)
	}
	if WithClass(Invalid, nil) != nil {
		t.Error("WithClass(nil) is not nil")
	}
	s := NewError(Conflict, "busy")
	if s.Error() != "busy" || !errors.Is(fmt.Errorf("%w: x", s), s) {
		t.Errorf("NewError = %q, not found under a wrap", s)
	}
}

func TestClassStatus(t *testing.T) {
	want := map[Class]int{Internal: 500, Invalid: 400, Unauthenticated: 401, InvalidKey: 401, Forbidden: 403,
		NotFound: 404, Conflict: 409, TooLarge: 413, Unprocessable: 422, Canceled: 400, Unavailable: 503, NoSpace: 507}
	for c := Internal; c <= NoSpace; c++ {
		if got := c.Status(); got != want[c] {
			t.Errorf("%v.Status() = %d, want %d", c, got, want[c])
		}
	}
	if len(want) != int(NoSpace)+1 {
		t.Errorf("the test knows %d classes, the package %d", len(want), NoSpace+1)
	}
}
