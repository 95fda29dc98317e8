package filesystem

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"iter"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/feedserver/feedserver/storage"
)

const (
	// tempPrefix starts the name of a file being written by Put or a stage.
	// Keys never start with '.', so these names are never keys.
	tempPrefix = ".tmp-"
	// spoolDir is the directory under the root that holds every unfinished write.
	spoolDir = ".tmp"

	dirPerm  = 0o755
	filePerm = 0o644
)

// Store keeps blobs as files under one directory. Use New to create one.
// It is safe for concurrent use: concurrent Puts of one key each install a
// complete file and the last rename wins.
type Store struct {
	dir   string // absolute path of the root directory
	root  *os.Root
	spool *os.Root // the spool directory, so a temporary file costs one openat
	fast  *dirFDs  // Linux: descriptors for one-call commits; nil elsewhere or when unsupported

	// durable holds the directories (relative to the root) whose own entries
	// this process has made durable, so a directory's parent is fsynced once,
	// not on every push into it. A directory is added only after that fsync,
	// so a push into a folder another push has just made cannot be answered
	// before the folder's name is on disk.
	durable sync.Map

	// tree guards the shape of the directory tree. A commit (of Put or a
	// stage) holds it for reading while it creates a directory and fills
	// it; Delete and a failed commit's clean-up hold it for writing while
	// they remove files and empty directories, so a directory is never
	// removed between its creation and its first file.
	tree sync.RWMutex
}

// Check that Store implements the interfaces it promises.
var (
	_ storage.Store  = (*Store)(nil)
	_ storage.Staged = (*stage)(nil)
)

// New opens the store rooted at dir, creating dir and its spool directory if
// they are missing. Call Close when done.
func New(dir string) (*Store, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("filesystem: %w", err)
	}
	if err := os.MkdirAll(abs, dirPerm); err != nil {
		return nil, fmt.Errorf("filesystem: create root: %w", err)
	}
	root, err := os.OpenRoot(abs)
	if err != nil {
		return nil, fmt.Errorf("filesystem: open root: %w", err)
	}
	if err := root.Mkdir(spoolDir, dirPerm); err != nil && !errors.Is(err, fs.ErrExist) {
		root.Close()
		return nil, fmt.Errorf("filesystem: create spool directory: %w", err)
	}
	if fi, err := root.Lstat(spoolDir); err != nil || !fi.IsDir() {
		root.Close()
		return nil, fmt.Errorf("filesystem: %s is not a directory (%v)", filepath.Join(abs, spoolDir), err)
	}
	spool, err := root.OpenRoot(spoolDir)
	if err != nil {
		root.Close()
		return nil, fmt.Errorf("filesystem: open spool directory: %w", err)
	}
	return &Store{dir: abs, root: root, spool: spool, fast: openDirFDs(abs)}, nil
}

// Close releases the directory handles. Open blobs stay readable.
func (s *Store) Close() error {
	return errors.Join(s.fast.close(), s.spool.Close(), s.root.Close())
}

// Root returns the absolute path of the root directory.
func (s *Store) Root() string {
	return s.dir
}

// createTemp makes an empty temporary file in the spool directory, open for
// reading and writing, and returns it with its name there: every unfinished
// write lives there, so the start-up sweep reads one directory, not the
// whole tree. It is on the same filesystem, so the rename is atomic.
func (s *Store) createTemp() (*os.File, string, error) {
	base := tempPrefix + rand.Text()
	f, err := s.fast.createTemp(base)
	if errors.Is(err, errors.ErrUnsupported) {
		f, err = s.spool.OpenFile(base, os.O_RDWR|os.O_CREATE|os.O_EXCL, filePerm)
	}
	if err != nil {
		return nil, "", err
	}
	return f, base, nil
}

// mkdirAll creates dir and its parents; the caller holds s.tree. A parent
// that is a blob makes key a conflict.
func (s *Store) mkdirAll(key, dir string) error {
	if dir == "." {
		return nil
	}
	err := s.root.MkdirAll(dir, dirPerm)
	if err == nil {
		return nil
	}
	for d := dir; d != "."; d = filepath.Dir(d) {
		if fi, lerr := s.root.Lstat(d); lerr == nil && !fi.IsDir() {
			return fmt.Errorf("filesystem: %q: %w: %q is a blob", key, storage.ErrConflict, filepath.ToSlash(d))
		}
	}
	return fmt.Errorf("filesystem: %q: %w", key, err)
}

// discard removes a temporary file after a failed Put, and the directories
// the Put may have created for it if they are now empty.
func (s *Store) discard(tmp, dir string) {
	s.tree.Lock()
	defer s.tree.Unlock()
	s.root.Remove(tmp)
	s.prune(dir)
}

// syncDir fsyncs a directory so a rename or removal in it survives a crash.
func (s *Store) syncDir(dir string) error {
	d, err := s.root.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

// commit renames the spool file tmp to name and makes the new name durable;
// createOnly refuses a name that exists (ErrExists). installed reports
// whether the rename happened: if not, tmp is still there for the caller to
// discard.
func (s *Store) commit(key, tmp, name string, createOnly bool) (installed bool, err error) {
	dir := filepath.Dir(name)
	if syncDir, ok := s.fast.rename(&s.tree, tmp, name, createOnly); ok {
		return true, s.makeDurable(dir, syncDir)
	}
	// The portable path: it also makes missing parents and names conflicts.
	if err := s.install(key, filepath.Join(spoolDir, tmp), name, createOnly); err != nil {
		return false, err
	}
	return true, s.makeDurable(dir, func() error { return s.syncDir(dir) })
}

// makeDurable runs syncDir, the fsync of dir after a rename into it, and
// meanwhile fsyncs the parents of dir and its ancestors not yet known durable
// (a folder just made, or met for the first time since the store opened).
// The two need no order between them, and two flushes in flight together
// cost less than two in a row: on this project's test machine, a loop of what
// a push that makes its id's folder asks of the kernel ran 1,000-1,280 times a
// second with the folder fsyncs in a row and 1,310-1,370 with them together.
func (s *Store) makeDurable(dir string, syncDir func() error) error {
	if _, known := s.durable.Load(dir); known || dir == "." {
		return syncDir()
	}
	parents := make(chan error, 1)
	go func() {
		s.tree.RLock() // no Delete prunes a directory while its parent is fsynced
		defer s.tree.RUnlock()
		parents <- s.syncParents(dir)
	}()
	err := syncDir()
	if perr := <-parents; err == nil {
		err = perr
	}
	return err
}

// syncParents makes the entries of dir and its ancestors durable, fsyncing
// the parent of each directory not yet known durable, top down. Neither
// MkdirAll nor mkdirat fsyncs anything: a push that made the folders of a new
// id, kind or space could otherwise lose them, and its file, in a crash after
// it was acknowledged. The caller holds s.tree.
func (s *Store) syncParents(dir string) error {
	var unknown []string
	for d := dir; d != "."; d = filepath.Dir(d) {
		if _, ok := s.durable.Load(d); ok {
			break
		}
		unknown = append(unknown, d)
	}
	for i := len(unknown) - 1; i >= 0; i-- {
		d := unknown[i]
		switch err := s.syncDir(filepath.Dir(d)); {
		case notFound(err):
			return nil // pruned since the rename: the file went with it
		case err != nil:
			return err
		}
		s.durable.Store(d, struct{}{})
	}
	return nil
}

// install makes the parents of name and renames src over it, under one lock
// so no concurrent Delete prunes the new directories in between. With
// createOnly it links src to name, which fails if name exists, and removes
// src.
func (s *Store) install(key, src, name string, createOnly bool) error {
	s.tree.RLock()
	defer s.tree.RUnlock()
	dir := filepath.Dir(name)
	if err := s.mkdirAll(key, dir); err != nil {
		return err
	}
	var err error
	if createOnly {
		err = s.root.Link(src, name)
	} else {
		err = s.root.Rename(src, name)
	}
	if err != nil {
		if fi, lerr := s.root.Lstat(name); lerr == nil {
			if fi.IsDir() {
				return fmt.Errorf("%w: keys exist below %q", storage.ErrConflict, key)
			}
			if createOnly {
				return fmt.Errorf("%w: %q", storage.ErrExists, key)
			}
		}
		// Leave the directories mkdirAll made: pruning needs the write
		// lock, and an empty directory is harmless.
		return err
	}
	if createOnly {
		// The blob is in place; a spool name left by a failed remove is
		// swept at the next start.
		s.root.Remove(src)
	}
	return nil
}

// Open opens the blob at key for reading.
func (s *Store) Open(ctx context.Context, key string) (storage.Blob, error) {
	if err := storage.ValidKey(key); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("filesystem: open %q: %w", key, err)
	}
	f, err := s.root.Open(filepath.FromSlash(key))
	if err != nil {
		return nil, classify("open", key, err)
	}
	// Stat the open file, not the path: a concurrent Put may already have
	// renamed a newer version over the path.
	fi, err := f.Stat()
	if err == nil && !fi.Mode().IsRegular() {
		err = fs.ErrNotExist // a directory holds other keys, not a blob
	}
	if err != nil {
		f.Close()
		return nil, classify("open", key, err)
	}
	return &blob{File: f, info: storage.Info{Key: key, Size: fi.Size(), ModTime: fi.ModTime()}}, nil
}

// blob is an open file. Embedding *os.File keeps its ReadAt and WriteTo, so
// serving it can use sendfile.
type blob struct {
	*os.File
	info storage.Info
}

func (b *blob) Info() storage.Info { return b.info }

// Stat describes the blob at key.
func (s *Store) Stat(ctx context.Context, key string) (storage.Info, error) {
	if err := storage.ValidKey(key); err != nil {
		return storage.Info{}, err
	}
	if err := ctx.Err(); err != nil {
		return storage.Info{}, fmt.Errorf("filesystem: stat %q: %w", key, err)
	}
	fi, err := s.root.Stat(filepath.FromSlash(key))
	if err == nil && !fi.Mode().IsRegular() {
		err = fs.ErrNotExist
	}
	if err != nil {
		return storage.Info{}, classify("stat", key, err)
	}
	return storage.Info{Key: key, Size: fi.Size(), ModTime: fi.ModTime()}, nil
}

// Delete removes the blob at key and then its parent directories that are
// left empty, so the tree does not fill with empty folders. Deleting a
// missing key, or a path that is a directory of other keys, does nothing.
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := storage.ValidKey(key); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("filesystem: delete %q: %w", key, err)
	}
	name := filepath.FromSlash(key)

	s.tree.Lock()
	defer s.tree.Unlock()
	fi, err := s.root.Lstat(name)
	if notFound(err) || (err == nil && fi.IsDir()) {
		return nil
	}
	if err == nil {
		err = s.root.Remove(name)
	}
	if err != nil && !notFound(err) {
		return fmt.Errorf("filesystem: delete %q: %w", key, err)
	}
	s.prune(filepath.Dir(name))
	// Best effort: the blob is gone either way, and an fsync error here
	// would only mean the removal might come back after a crash. Sync the
	// nearest directory that pruning left in place.
	for d := filepath.Dir(name); ; d = filepath.Dir(d) {
		if err := s.syncDir(d); !notFound(err) || d == "." {
			break
		}
	}
	return nil
}

// prune removes dir and its parents while they are empty, stopping at the
// first that is not (or that is not a directory). The caller holds s.tree
// for writing, so no Put is filling them and none can turn into a blob.
func (s *Store) prune(dir string) {
	for d := dir; d != "." && d != spoolDir; d = filepath.Dir(d) {
		fi, err := s.root.Lstat(d)
		if err != nil || !fi.IsDir() {
			return
		}
		if err := s.root.Remove(d); err != nil {
			return // not empty (or not removable): its parents are not empty either
		}
		s.durable.Delete(d) // made again, it needs its parent fsynced again
	}
}

// List yields the blobs under prefix in byte order of keys. It skips names
// starting with '.', names outside the key grammar and anything that is not a
// regular file. A directory that cannot be read yields an error item and the
// walk goes on.
func (s *Store) List(ctx context.Context, prefix string) iter.Seq2[storage.Info, error] {
	return func(yield func(storage.Info, error) bool) {
		if err := storage.ValidPrefix(prefix); err != nil {
			yield(storage.Info{}, err)
			return
		}
		p := strings.TrimSuffix(prefix, "/")
		if p == "" {
			s.walk(ctx, "", yield)
			return
		}
		fi, err := s.root.Lstat(filepath.FromSlash(p))
		switch {
		case notFound(err):
		case err != nil:
			yield(storage.Info{Key: p}, fmt.Errorf("filesystem: list %q: %w", prefix, err))
		case fi.Mode().IsRegular() && p == prefix:
			yield(storage.Info{Key: p, Size: fi.Size(), ModTime: fi.ModTime()}, nil)
		case fi.IsDir():
			s.walk(ctx, p, yield)
		}
	}
}

// walk yields the blobs below the directory dir ("" for the root, otherwise a
// key-shaped path) in byte order of keys. It returns false once yield does.
func (s *Store) walk(ctx context.Context, dir string, yield func(storage.Info, error) bool) bool {
	r := s.root
	if dir != "" {
		sub, err := s.root.OpenRoot(filepath.FromSlash(dir))
		if notFound(err) {
			return true // removed by a concurrent Delete
		}
		if err != nil {
			return yield(storage.Info{Key: dir}, fmt.Errorf("filesystem: list %q: %w", dir, err))
		}
		defer sub.Close()
		r = sub
	}
	return s.walkRoot(ctx, r, dir, yield)
}

// walkRoot walks the directory r is opened on.
func (s *Store) walkRoot(ctx context.Context, r *os.Root, dir string, yield func(storage.Info, error) bool) bool {
	entries, err := readRootDir(r)
	if notFound(err) {
		return true // removed by a concurrent Delete
	}
	if err != nil {
		return yield(storage.Info{Key: dir}, fmt.Errorf("filesystem: list %q: %w", dir, err))
	}
	return s.walkEntries(ctx, r, dir, entries, yield)
}

// walkEntries yields the blobs among a directory's entries and below them.
// r is the directory's parent when the directory is a leaf (it holds only
// files, like a version folder): its files are stat'ed through their entries,
// so a leaf costs one open and no os.Root of its own, and a deep tree costs
// about one openat per directory. Otherwise r is the directory itself.
func (s *Store) walkEntries(ctx context.Context, r *os.Root, dir string, entries []fs.DirEntry, yield func(storage.Info, error) bool) bool {
	if err := ctx.Err(); err != nil {
		yield(storage.Info{}, err)
		return false
	}
	keyPrefix := dir + "/"
	if dir == "" {
		keyPrefix = ""
	}

	// Sort a directory as "name/" so that its keys take their place among
	// the files: "a-b" < "a.b" < "a/x" < "a0" in bytes, while a plain name
	// sort would put directory "a" first.
	type entry struct {
		name, sortKey string
		de            fs.DirEntry
	}
	var list []entry
	for _, e := range entries {
		name := e.Name()
		if strings.HasPrefix(name, ".") || storage.ValidKey(keyPrefix+name) != nil {
			continue
		}
		switch {
		case e.IsDir():
			list = append(list, entry{name, name + "/", e})
		case e.Type().IsRegular():
			list = append(list, entry{name, name, e})
		}
	}
	sort.Slice(list, func(i, j int) bool { return list[i].sortKey < list[j].sortKey })

	for _, e := range list {
		key := keyPrefix + e.name
		if err := ctx.Err(); err != nil {
			yield(storage.Info{}, err)
			return false
		}
		if e.de.IsDir() {
			if !s.walkChild(ctx, r, key, e.name, yield) {
				return false
			}
			continue
		}
		fi, err := e.de.Info() // an lstat of this very entry
		if notFound(err) || (err == nil && !fi.Mode().IsRegular()) {
			continue
		}
		if err != nil {
			if !yield(storage.Info{Key: key}, fmt.Errorf("filesystem: list %q: %w", key, err)) {
				return false
			}
			continue
		}
		if !yield(storage.Info{Key: key, Size: fi.Size(), ModTime: fi.ModTime()}, nil) {
			return false
		}
	}
	return true
}

// walkChild walks the subdirectory name of the directory r is opened on.
func (s *Store) walkChild(ctx context.Context, r *os.Root, key, name string, yield func(storage.Info, error) bool) bool {
	entries, err := readDirIn(r, name)
	if notFound(err) {
		return true
	}
	if err != nil {
		return yield(storage.Info{Key: key}, fmt.Errorf("filesystem: list %q: %w", key, err))
	}
	if !slices.ContainsFunc(entries, fs.DirEntry.IsDir) {
		return s.walkEntries(ctx, r, key, entries, yield)
	}
	sub, err := r.OpenRoot(name)
	if notFound(err) {
		return true
	}
	if err != nil {
		return yield(storage.Info{Key: key}, fmt.Errorf("filesystem: list %q: %w", key, err))
	}
	defer sub.Close()
	return s.walkEntries(ctx, sub, key, entries, yield)
}

// readDirIn reads the entries of the directory name inside r.
func readDirIn(r *os.Root, name string) ([]fs.DirEntry, error) {
	d, err := r.Open(name)
	if err != nil {
		return nil, err
	}
	defer d.Close()
	return d.ReadDir(-1)
}

// readRootDir reads the entries of the directory r is opened on.
func readRootDir(r *os.Root) ([]fs.DirEntry, error) {
	d, err := r.Open(".")
	if err != nil {
		return nil, err
	}
	defer d.Close()
	return d.ReadDir(-1)
}

// SweepTemp removes what interrupted writes left behind: the files in the
// spool directory last modified more than olderThan ago (0 removes them all;
// run it at startup, before any write starts). Every unfinished Put and
// stage lives there, so the sweep reads one directory however large the
// store is. It returns how many files it removed. A stage still in memory
// has no file: it leaves nothing to sweep.
func (s *Store) SweepTemp(ctx context.Context, olderThan time.Duration) (int, error) {
	cutoff := time.Now().Add(-olderThan)
	spool, err := s.root.OpenRoot(spoolDir)
	if notFound(err) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("filesystem: sweep temp: %w", err)
	}
	defer spool.Close()
	entries, err := readRootDir(spool)
	if err != nil {
		return 0, fmt.Errorf("filesystem: sweep temp: %w", err)
	}
	removed := 0
	var errs []error
	for _, e := range entries {
		if err := ctx.Err(); err != nil {
			errs = append(errs, err)
			break
		}
		fi, err := spool.Lstat(e.Name())
		if err != nil || !fi.Mode().IsRegular() || (olderThan > 0 && !fi.ModTime().Before(cutoff)) {
			continue
		}
		if err := spool.Remove(e.Name()); err != nil && !notFound(err) {
			errs = append(errs, err)
			continue
		}
		removed++
	}
	if err := errors.Join(errs...); err != nil {
		return removed, fmt.Errorf("filesystem: sweep temp: %w", err)
	}
	return removed, nil
}

// notFound reports whether err means there is nothing at the path, including
// a path that runs through a file ("a/b/c" where "a/b" is a blob).
func notFound(err error) bool {
	return errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR)
}

// classify wraps err, turning "nothing there" into storage.ErrNotFound.
func classify(op, key string, err error) error {
	if notFound(err) {
		return fmt.Errorf("filesystem: %s %q: %w", op, key, storage.ErrNotFound)
	}
	return fmt.Errorf("filesystem: %s %q: %w", op, key, err)
}
