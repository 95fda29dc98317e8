package filesystem

import (
	"errors"
	"fmt"
	"os"
	"syscall"
	"testing"

	"github.com/feedserver/feedserver/storage"
)

// A full disk or quota is the store's ErrNoSpace (protocols answer 507),
// with the system's error still in the chain; other errors are left alone.
func TestNoSpace(t *testing.T) {
	tests := []struct {
		errno syscall.Errno
		want  bool
	}{
		{syscall.ENOSPC, true},
		{syscall.EDQUOT, true},
		{syscall.EIO, false},
	}
	for _, tt := range tests {
		err := noSpace(fmt.Errorf("write: %w", &os.PathError{Op: "write", Path: ".tmp-x", Err: tt.errno}))
		if got := errors.Is(err, storage.ErrNoSpace); got != tt.want {
			t.Errorf("noSpace(%v) is ErrNoSpace: %v, want %v", tt.errno, got, tt.want)
		}
		if !errors.Is(err, tt.errno) {
			t.Errorf("noSpace(%v) lost the system's error: %v", tt.errno, err)
		}
	}
}
