package filesystem

import (
	"errors"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// dirFDs commits a file with a few fd-relative system calls. os.Root walks
// a path one component at a time, opening and closing each directory, and
// a push paid that walk three times (make the directory, rename, fsync it):
// about twenty system calls that openat2 with RESOLVE_BENEATH does in one,
// with the same guarantee that no symbolic link leads out of the root.
type dirFDs struct {
	root, spool *os.File
	off         atomic.Bool // set when the kernel lacks openat2 (before Linux 5.6, or filtered)
}

// openDirFDs opens the root and spool directories, or returns nil, which
// leaves every commit to the portable path.
func openDirFDs(root string) *dirFDs {
	r, err := os.Open(root)
	if err != nil {
		return nil
	}
	sp, err := os.Open(filepath.Join(root, spoolDir))
	if err != nil {
		r.Close()
		return nil
	}
	return &dirFDs{root: r, spool: sp}
}

func (d *dirFDs) close() error {
	if d == nil {
		return nil
	}
	return errors.Join(d.spool.Close(), d.root.Close())
}

// rename renames the spool file tmp to name, making name's directory when
// its parent exists, and returns that directory for the caller to fsync,
// which closes it. With createOnly the rename fails if name exists
// (RENAME_NOREPLACE). ok is false when it did nothing and the caller must
// take the portable path, which also makes deeper parents and tells a
// conflict or an existing key from other failures.
func (d *dirFDs) rename(tree *sync.RWMutex, tmp, name string, createOnly bool) (syncDir func() error, ok bool) {
	if d == nil || d.off.Load() {
		return nil, false
	}
	tree.RLock() // as install: no Delete prunes the directory before the rename
	defer tree.RUnlock()
	dir, err := d.openDir(filepath.Dir(name))
	if err != nil {
		return nil, false
	}
	var flags uint
	if createOnly {
		flags = unix.RENAME_NOREPLACE
	}
	if err := unix.Renameat2(int(d.spool.Fd()), tmp, dir, filepath.Base(name), flags); err != nil {
		unix.Close(dir)
		return nil, false
	}
	return func() error {
		err := unix.Fsync(dir)
		if cerr := unix.Close(dir); err == nil {
			err = cerr
		}
		if err != nil {
			return &os.PathError{Op: "fsync", Path: filepath.Dir(name), Err: err}
		}
		return nil
	}, true
}

// createTemp creates the spool file name, open for reading and writing.
// os.Root would also try to register the file with the network poller, four
// more system calls that fail for a regular file.
func (d *dirFDs) createTemp(name string) (*os.File, error) {
	if d == nil {
		return nil, errors.ErrUnsupported
	}
	fd, err := unix.Openat(int(d.spool.Fd()), name, unix.O_RDWR|unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_CLOEXEC, filePerm)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: filepath.Join(d.spool.Name(), name), Err: err}
	}
	return os.NewFile(uintptr(fd), filepath.Join(d.spool.Name(), name)), nil
}

// openDir opens dir below the root, making it if only its last component
// is missing (the first push of an id). The new directory's own name is made
// durable by the caller, with every other directory not yet known durable.
func (d *dirFDs) openDir(dir string) (int, error) {
	fd, err := d.beneath(dir)
	if !errors.Is(err, unix.ENOENT) || dir == "." {
		return fd, err
	}
	parent, err := d.beneath(filepath.Dir(dir))
	if err != nil {
		return -1, err
	}
	defer unix.Close(parent)
	base := filepath.Base(dir)
	if err := unix.Mkdirat(parent, base, dirPerm); err != nil && !errors.Is(err, unix.EEXIST) {
		return -1, err
	}
	return unix.Openat(parent, base, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
}

// beneath opens the directory at the relative path p without following a
// symbolic link or leaving the root.
func (d *dirFDs) beneath(p string) (int, error) {
	fd, err := unix.Openat2(int(d.root.Fd()), p, &unix.OpenHow{
		Flags:   unix.O_RDONLY | unix.O_DIRECTORY | unix.O_CLOEXEC,
		Resolve: unix.RESOLVE_BENEATH | unix.RESOLVE_NO_SYMLINKS,
	})
	// ENOSYS: no openat2; EPERM: a seccomp filter (older container runtimes) refuses it.
	if errors.Is(err, unix.ENOSYS) || errors.Is(err, unix.EPERM) {
		d.off.Store(true)
	}
	return fd, err
}
