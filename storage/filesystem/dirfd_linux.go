package filesystem

import (
	"crypto/rand"
	"errors"
	"os"
	"path/filepath"
	"strconv"
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
	noTmpfile   atomic.Bool // set when the filesystem refuses O_TMPFILE or /proc is missing
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
	d := &dirFDs{root: r, spool: sp}
	if _, err := os.Stat("/proc/self/fd"); err != nil {
		d.noTmpfile.Store(true) // linkat of an O_TMPFILE file goes through /proc/self/fd
	}
	return d
}

func (d *dirFDs) close() error {
	if d == nil {
		return nil
	}
	return errors.Join(d.spool.Close(), d.root.Close())
}

// commit renames the spool file tmp to name and fsyncs name's directory,
// making that directory when its parent exists. renamed is false when it did
// nothing and the caller must take the portable path, which also makes
// deeper parents and tells a conflict from other failures; err is the fsync's.
func (d *dirFDs) commit(tree *sync.RWMutex, tmp, name string) (renamed bool, err error) {
	if d == nil || d.off.Load() {
		return false, nil
	}
	tree.RLock() // as install: no Delete prunes the directory before the rename
	dir, err := d.openDir(filepath.Dir(name))
	if err == nil {
		err = unix.Renameat(int(d.spool.Fd()), tmp, dir, filepath.Base(name))
		if err != nil {
			unix.Close(dir)
		}
	}
	tree.RUnlock()
	if err != nil {
		return false, nil
	}
	err = unix.Fsync(dir)
	if cerr := unix.Close(dir); err == nil {
		err = cerr
	}
	if err != nil {
		return true, &os.PathError{Op: "fsync", Path: filepath.Dir(name), Err: err}
	}
	return true, nil
}

// createTemp creates the spool file name. os.Root would also try to register
// the file with the network poller, four more system calls that fail for a
// regular file.
func (d *dirFDs) createTemp(name string) (*os.File, error) {
	if d == nil {
		return nil, errors.ErrUnsupported
	}
	fd, err := unix.Openat(int(d.spool.Fd()), name, unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_CLOEXEC, filePerm)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: filepath.Join(d.spool.Name(), name), Err: err}
	}
	return os.NewFile(uintptr(fd), filepath.Join(d.spool.Name(), name)), nil
}

// putTmpfile writes data to a nameless file (O_TMPFILE) in the spool
// directory, fsyncs it and links it in at name, then fsyncs name's directory.
// On ext4 without a journal, fsyncing a newly named file also writes its
// directory, so a named spool file cost an extra directory write per push
// that a nameless one does not. ok is false when nothing was written and the
// caller must take the portable path. Only bytes in memory come here: a
// crash leaves the nameless file to fsck, so its size must stay small.
func (d *dirFDs) putTmpfile(tree *sync.RWMutex, mkdirAll func(dir string) error, name string, data []byte) (info os.FileInfo, ok bool, err error) {
	if d == nil || d.off.Load() || d.noTmpfile.Load() {
		return nil, false, nil
	}
	fd, err := unix.Openat(int(d.spool.Fd()), ".", unix.O_TMPFILE|unix.O_WRONLY|unix.O_CLOEXEC, filePerm)
	if err != nil {
		d.noTmpfile.Store(true) // EOPNOTSUPP, EISDIR: the filesystem has no O_TMPFILE
		return nil, false, nil
	}
	f := os.NewFile(uintptr(fd), filepath.Join(d.spool.Name(), "(nameless)"))
	defer f.Close()
	if _, err := f.Write(data); err != nil {
		return nil, true, err
	}
	if err := f.Sync(); err != nil {
		return nil, true, err
	}
	if info, err = f.Stat(); err != nil {
		return nil, true, err
	}

	tree.RLock() // as install: no Delete prunes the directory before the link
	dirName := filepath.Dir(name)
	dir, err := d.openDir(dirName)
	if err != nil {
		if err = mkdirAll(dirName); err == nil {
			dir, err = d.openDir(dirName)
		}
	}
	if err == nil {
		err = d.link(fd, dir, filepath.Base(name))
		if err != nil {
			unix.Close(dir)
		}
	}
	tree.RUnlock()
	if err != nil {
		return nil, true, err
	}
	err = unix.Fsync(dir)
	if cerr := unix.Close(dir); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, true, &os.PathError{Op: "fsync", Path: dirName, Err: err}
	}
	return info, true, nil
}

// link names the open nameless file fd base in dir. A name that exists is
// replaced atomically, as rename does: the file is linked into the spool
// directory first and renamed over it.
func (d *dirFDs) link(fd, dir int, base string) error {
	proc := "/proc/self/fd/" + strconv.Itoa(fd)
	err := unix.Linkat(unix.AT_FDCWD, proc, dir, base, unix.AT_SYMLINK_FOLLOW)
	if !errors.Is(err, unix.EEXIST) {
		return err
	}
	tmp := tempPrefix + rand.Text()
	if err := unix.Linkat(unix.AT_FDCWD, proc, int(d.spool.Fd()), tmp, unix.AT_SYMLINK_FOLLOW); err != nil {
		return err
	}
	if err := unix.Renameat(int(d.spool.Fd()), tmp, dir, base); err != nil {
		unix.Unlinkat(int(d.spool.Fd()), tmp, 0)
		return err
	}
	return nil
}

// openDir opens dir below the root, making it if only its last component
// is missing (the first push of an id).
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
	switch err := unix.Mkdirat(parent, base, dirPerm); {
	case err == nil:
		// The new directory's own name must survive a crash too.
		if err := unix.Fsync(parent); err != nil {
			return -1, err
		}
	case !errors.Is(err, unix.EEXIST):
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
