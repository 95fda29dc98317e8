package feed

import (
	"fmt"
	"os"
	"syscall"
)

// setDirectIO switches O_DIRECT on or off for an open file. Large spooled
// uploads are written with it: copying them into the page cache cost more
// CPU than SHA-512 on this kind of VM, and the data then needs no write-back
// at the commit's fsync. A filesystem that refuses O_DIRECT (tmpfs on older
// kernels) makes it fail; the caller then stays buffered.
func setDirectIO(f *os.File, on bool) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var errno syscall.Errno
	cerr := rc.Control(func(fd uintptr) {
		var flags uintptr
		flags, _, errno = syscall.Syscall(syscall.SYS_FCNTL, fd, syscall.F_GETFL, 0)
		if errno != 0 {
			return
		}
		if on {
			flags |= syscall.O_DIRECT
		} else {
			flags &^= syscall.O_DIRECT
		}
		_, _, errno = syscall.Syscall(syscall.SYS_FCNTL, fd, syscall.F_SETFL, flags)
	})
	if cerr != nil {
		return cerr
	}
	if errno != 0 {
		return fmt.Errorf("set O_DIRECT=%v: %w", on, errno)
	}
	return nil
}
