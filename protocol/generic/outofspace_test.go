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

// A database that cannot be reached is the server's trouble for now: 503,
// never a 500 (nor a 4xx), whichever store failed.
func TestStatusUnavailable(t *testing.T) {
	for _, err := range []error{
		fmt.Errorf("look up x: %w: dial tcp: connection refused", feed.ErrUnavailable),
		fmt.Errorf("auth: looking up key: %w: dial tcp: connection refused", auth.ErrUnavailable),
	} {
		if got, _ := status(err); got != http.StatusServiceUnavailable {
			t.Errorf("status(%v) = %d, want %d", err, got, http.StatusServiceUnavailable)
		}
	}
}
