package httpx

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"strings"
	"syscall"
	"testing"
)

func TestQuiet(t *testing.T) {
	addr := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8080}
	peer := &net.TCPAddr{IP: net.IPv4(10, 1, 2, 3), Port: 51234}
	timeout := &net.OpError{Op: "read", Net: "tcp", Source: addr, Addr: peer, Err: os.ErrDeadlineExceeded}
	reset := &net.OpError{Op: "read", Net: "tcp", Source: addr, Addr: peer, Err: os.NewSyscallError("read", syscall.ECONNRESET)}
	path := &fs.PathError{Op: "open", Path: "/srv/feed/data/packages/spaces-1/x", Err: fs.ErrPermission}
	for _, tc := range []struct {
		err  error
		want string
	}{
		{fmt.Errorf("%w: the body: %w", ErrBadUpload, timeout), "bad upload: the body: read: i/o timeout"},
		{fmt.Errorf("upload: %w", reset), "upload: read: read: connection reset by peer"},
		{fmt.Errorf("spool: %w", path), "spool: open: permission denied"},
		{errors.Join(errors.New("first"), path), "first\nopen: permission denied"},
		{errors.New("plain"), "plain"},
	} {
		q := Quiet(tc.err)
		if got := q.Error(); got != tc.want {
			t.Errorf("Quiet(%q) = %q, want %q", tc.err, got, tc.want)
		}
		for _, leak := range []string{"127.0.0.1", "10.1.2.3", "8080", "/srv"} {
			if strings.Contains(q.Error(), leak) {
				t.Errorf("Quiet(%q) still says %s", tc.err, leak)
			}
		}
		var op *net.OpError
		var pe *fs.PathError
		if errors.As(tc.err, &op) != errors.As(q, &op) || errors.As(tc.err, &pe) != errors.As(q, &pe) ||
			errors.Is(tc.err, ErrBadUpload) != errors.Is(q, ErrBadUpload) {
			t.Errorf("Quiet(%q) changed what errors.Is/As find", tc.err)
		}
	}
	if Quiet(nil) != nil {
		t.Error("Quiet(nil) is not nil")
	}
}
