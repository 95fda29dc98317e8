package nugetapi

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"syscall"
	"testing"

	"github.com/feedserver/feedserver/auth"
	"github.com/feedserver/feedserver/feed"
	"github.com/feedserver/feedserver/index"
	"github.com/feedserver/feedserver/nuget"
	"github.com/feedserver/feedserver/protocol/httpx"
)

func TestReplaceRequested(t *testing.T) {
	tests := []struct {
		query string
		want  bool
	}{
		{"", false},
		{"replace=true", true},
		{"replace=true/", true}, // NuGet.exe appends "/" to the source URL
		{"replace=TRUE//", true},
		{"Replace=True", true},
		{"replace=false", false},
		{"replace=false/", false},
		{"replace=", false},
		{"replace=truely", false},
		{"x=%zz&replace=true/", true},
		{"apikey=API-X&replace=true/", true},
	}
	for _, tt := range tests {
		if got := replaceRequested(tt.query); got != tt.want {
			t.Errorf("replaceRequested(%q) = %v, want %v", tt.query, got, tt.want)
		}
	}
}

func TestStatus(t *testing.T) {
	exists := &feed.ExistsError{Entry: index.Entry{ID: "My.Pkg", Version: nuget.MustParseVersion("1.0.0")}}
	tests := []struct {
		name string
		err  error
		want int
	}{
		{"exists", fmt.Errorf("push: %w", exists), http.StatusConflict},
		{"invalid", fmt.Errorf("%w: not a zip", feed.ErrInvalid), http.StatusBadRequest},
		{"bad upload", fmt.Errorf("%w: truncated", httpx.ErrBadUpload), http.StatusBadRequest},
		{"too large", fmt.Errorf("%w: over", feed.ErrTooLarge), http.StatusRequestEntityTooLarge},
		{"max bytes", fmt.Errorf("%w: %w", httpx.ErrBadUpload, &http.MaxBytesError{Limit: 1}), http.StatusRequestEntityTooLarge},
		{"no key", auth.ErrUnauthenticated, http.StatusUnauthorized},
		{"invalid key", fmt.Errorf("%w: unknown", auth.ErrInvalidKey), http.StatusForbidden},
		{"missing permission", &auth.MissingPermissionError{Permission: auth.BuiltInFeedPush}, http.StatusForbidden},
		{"feed forbidden", fmt.Errorf("%w: replace", feed.ErrForbidden), http.StatusForbidden},
		{"not found", fmt.Errorf("%w: x", feed.ErrNotFound), http.StatusNotFound},
		{"disk full", fmt.Errorf("write spool file: %w", &os.PathError{Op: "write", Path: "x", Err: syscall.ENOSPC}), http.StatusInsufficientStorage},
		{"catalogue database down", fmt.Errorf("look up x: %w: dial: refused", feed.ErrUnavailable), http.StatusServiceUnavailable},
		{"key database down", fmt.Errorf("auth: looking up key: %w: dial: refused", auth.ErrUnavailable), http.StatusServiceUnavailable},
		{"store full", fmt.Errorf("store x: %w (QuotaExceeded)", feed.ErrNoSpace), http.StatusInsufficientStorage},
		{"store unavailable", fmt.Errorf("open x: %w: connection refused", feed.ErrStoreUnavailable), http.StatusServiceUnavailable},
		{"anything else", errors.New("disk on fire"), http.StatusInternalServerError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, msg := status(tt.err)
			if got != tt.want || msg == "" {
				t.Errorf("status = %d %q, want %d", got, msg, tt.want)
			}
			if got == http.StatusInternalServerError && strings.Contains(msg, "fire") {
				t.Errorf("a server error's text reached the client: %q", msg)
			}
		})
	}
	if _, msg := status(exists); msg != "A package with ID 'My.Pkg' and version '1.0.0' already exists and cannot be modified." {
		t.Errorf("409 text = %q", msg)
	}
}

func TestHeaderSafe(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain", "plain"},
		{"two\r\nlines", "two  lines"},
		{"ünïcode", "?n?code"},
		{"nul\x00byte", "nulbyte"},
		{strings.Repeat("x", 600), strings.Repeat("x", 500) + "..."},
	}
	for _, tt := range tests {
		if got := headerSafe(tt.in); got != tt.want {
			t.Errorf("headerSafe(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
