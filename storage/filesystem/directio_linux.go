package filesystem

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// setDirectIO switches O_DIRECT on or off for an open file. Large stages are
// written with it: copying them into the page cache cost more CPU than
// SHA-512 on this kind of VM, and the data then needs no write-back at the
// commit's fsync. A filesystem that refuses O_DIRECT (tmpfs on older
// kernels) makes it fail; the caller then stays buffered.
func setDirectIO(f *os.File, on bool) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var ferr error
	cerr := rc.Control(func(fd uintptr) {
		flags, err := unix.FcntlInt(fd, unix.F_GETFL, 0)
		if err != nil {
			ferr = err
			return
		}
		if on {
			flags |= unix.O_DIRECT
		} else {
			flags &^= unix.O_DIRECT
		}
		_, ferr = unix.FcntlInt(fd, unix.F_SETFL, flags)
	})
	if cerr != nil {
		return cerr
	}
	if ferr != nil {
		return fmt.Errorf("set O_DIRECT=%v: %w", on, ferr)
	}
	return nil
}
