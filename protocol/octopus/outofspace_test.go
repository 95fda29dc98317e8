package octopus

import (
	"fmt"
	"net/http"
	"os"
	"syscall"
	"testing"
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
