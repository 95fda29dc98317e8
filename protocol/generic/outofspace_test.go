package generic

import (
	"fmt"
	"net/http"
	"os"
	"syscall"
	"testing"

	"github.com/feedserver/feedserver/auth"
	"github.com/feedserver/feedserver/feed"
)

// A full disk while the upload is written is the server's trouble, not the
// client's: 507, never a 4xx that says the package is bad.
func TestStatusOutOfSpace(t *testing.T) {
	for _, errno := range []syscall.Errno{syscall.ENOSPC, syscall.EDQUOT} {
		err := fmt.Errorf("write spool file: %w", &os.PathError{Op: "write", Path: ".push-1", Err: errno})
		if got, _ := status(err); got != http.StatusInsufficientStorage {
			t.Errorf("status(%v) = %d, want %d", err, got, http.StatusInsufficientStorage)
		}
	}
}

// The backends' own failures are the server's trouble for now: a database or
// a blob store that cannot be reached is 503, a store without room (an object
// store's quota) 507 like a full disk; never a 500, nor a 4xx.
func TestStatusBackends(t *testing.T) {
	tests := []struct {
		err  error
		want int
	}{
		{fmt.Errorf("look up x: %w: dial tcp: connection refused", feed.ErrUnavailable), http.StatusServiceUnavailable},
		{fmt.Errorf("auth: looking up key: %w: dial tcp: connection refused", auth.ErrUnavailable), http.StatusServiceUnavailable},
		{fmt.Errorf("store x: s3: commit %q: %w (QuotaExceeded)", "x", feed.ErrNoSpace), http.StatusInsufficientStorage},
		{fmt.Errorf("open x: s3: %w: connection refused", feed.ErrStoreUnavailable), http.StatusServiceUnavailable},
	}
	for _, tt := range tests {
		if got, _ := status(tt.err); got != tt.want {
			t.Errorf("status(%v) = %d, want %d", tt.err, got, tt.want)
		}
	}
}
