package filesystem

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"syscall"
	"unsafe"

	"github.com/feedserver/feedserver/storage"
)

// memStage is the most a stage keeps in memory before it makes its file.
// Most NuGet packages are smaller: their push skips creating, re-reading and
// removing a file, and a duplicate push never touches the disk.
const memStage = 256 << 10

// directAlign is what O_DIRECT asks of buffers, offsets and lengths on the
// filesystems we run on (their logical block size).
const directAlign = 4096

// directMin is the smallest first write that turns O_DIRECT on: a large push
// arrives in chunks of 1 MiB (see package feed), a small file is not worth
// the two fcntl calls.
const directMin = 1 << 20

var (
	errFinished = errors.New("filesystem: stage: write after Finish")
	errEnded    = errors.New("filesystem: stage: already committed or aborted")
	errNotReady = errors.New("filesystem: stage: read before Finish")
)

// stage is a storage.Staged: the bytes in memory while they fit memStage,
// then in a ".tmp-<random>" file in the spool directory, which Commit
// fsyncs and renames to the key. A stage is used by one goroutine at a time
// (ReadAt excepted), so it needs no lock.
type stage struct {
	s    *Store
	mem  []byte   // the bytes while there is no file
	file *os.File // opened read-write, so the stage can be read back
	name string   // file's name in the spool directory
	size int64

	direct bool // the file is in O_DIRECT mode

	finished, ended bool
}

// Stage starts a staged blob. It makes no file until the bytes outgrow
// memStage.
func (s *Store) Stage(ctx context.Context) (storage.Staged, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("filesystem: stage: %w", err)
	}
	return &stage{s: s}, nil
}

func (st *stage) Write(p []byte) (int, error) {
	switch {
	case st.ended:
		return 0, errEnded
	case st.finished:
		return 0, errFinished
	}
	if st.file == nil {
		if len(st.mem)+len(p) <= memStage {
			st.mem = append(st.mem, p...)
			st.size += int64(len(p))
			return len(p), nil
		}
		if err := st.createFile(); err != nil {
			return 0, err
		}
		if len(st.mem) > 0 {
			if _, err := st.writeFile(st.mem, 0); err != nil {
				return 0, err
			}
			st.mem = nil
		}
	}
	n, err := st.writeFile(p, st.size)
	st.size += int64(n)
	return n, err
}

// createFile makes the stage's spool file. It is made with the stored files'
// mode, which spares Commit a chmod.
func (st *stage) createFile() error {
	f, name, err := st.s.createTemp()
	if err != nil {
		return fmt.Errorf("filesystem: stage: %w", noSpace(err))
	}
	st.file, st.name = f, name
	return nil
}

// writeFile writes p at off, the end of the file. A write of whole aligned
// blocks at offset 0 switches the file to O_DIRECT, and it stays direct
// while the writes are whole blocks; the first that is not (the tail) goes
// through the page cache, as everything after it.
func (st *stage) writeFile(p []byte, off int64) (int, error) {
	blocks := len(p)%directAlign == 0 && aligned(p)
	if off == 0 && len(p) >= directMin && blocks {
		st.direct = setDirectIO(st.file, true) == nil
	}
	if st.direct && !blocks {
		if err := st.stopDirect(); err != nil {
			return 0, err
		}
	}
	n, err := st.file.Write(p)
	if n == 0 && st.direct && errors.Is(err, syscall.EINVAL) {
		// The filesystem took the flag but refuses the write: go buffered.
		if err := st.stopDirect(); err != nil {
			return 0, err
		}
		n, err = st.file.Write(p)
	}
	if err != nil {
		return n, fmt.Errorf("filesystem: stage: write: %w", noSpace(err))
	}
	return n, nil
}

func (st *stage) stopDirect() error {
	if err := setDirectIO(st.file, false); err != nil {
		return fmt.Errorf("filesystem: stage: %w", err)
	}
	st.direct = false
	return nil
}

// aligned reports whether p starts on a directAlign boundary. Buffers of
// 1 MiB are large allocations, which Go places on page boundaries, but
// nothing promises it, so it is checked.
func aligned(p []byte) bool {
	return len(p) == 0 || uintptr(unsafe.Pointer(&p[0]))%directAlign == 0
}

// Finish ends the writing. A file still in O_DIRECT mode leaves it: reading
// the stage back uses small unaligned reads, which O_DIRECT refuses.
func (st *stage) Finish() error {
	if st.ended {
		return errEnded
	}
	if st.finished {
		return nil
	}
	st.finished = true
	if st.direct {
		return st.stopDirect()
	}
	return nil
}

func (st *stage) Size() int64 { return st.size }

func (st *stage) ReadAt(p []byte, off int64) (int, error) {
	switch {
	case st.ended:
		return 0, errEnded
	case !st.finished:
		return 0, errNotReady
	case st.file != nil:
		return st.file.ReadAt(p, off)
	}
	return bytes.NewReader(st.mem).ReadAt(p, off)
}

// Abort closes and removes the spool file, if there is one.
func (st *stage) Abort() error {
	if st.ended {
		return nil
	}
	st.ended = true
	st.mem = nil
	if st.file == nil {
		return nil
	}
	err := st.file.Close()
	if rerr := st.s.spool.Remove(st.name); rerr != nil && !notFound(rerr) {
		err = errors.Join(err, rerr)
	}
	if err != nil {
		return fmt.Errorf("filesystem: stage: abort: %w", err)
	}
	return nil
}

func (st *stage) Commit(ctx context.Context, key string, opts storage.CommitOptions) (storage.Info, error) {
	return st.commit(ctx, "commit", key, opts.CreateOnly)
}

// commit is Commit for Put and stages: the bytes reach the spool file (a
// stage still in memory makes it now), which is fsynced and renamed to key.
// op names the operation in errors.
func (st *stage) commit(ctx context.Context, op, key string, createOnly bool) (_ storage.Info, err error) {
	if st.ended {
		return storage.Info{}, fmt.Errorf("filesystem: %s %q: %w", op, key, errEnded)
	}
	installed := false
	defer func() {
		if !installed {
			st.Abort()
		}
		st.ended = true
	}()
	if err := storage.ValidKey(key); err != nil {
		return storage.Info{}, err
	}
	if err := ctx.Err(); err != nil {
		return storage.Info{}, fmt.Errorf("filesystem: %s %q: %w", op, key, err)
	}
	if err := st.Finish(); err != nil {
		return storage.Info{}, err
	}
	if st.file == nil {
		if err := st.createFile(); err != nil {
			return storage.Info{}, err
		}
		if _, err := st.file.Write(st.mem); err != nil {
			return storage.Info{}, fmt.Errorf("filesystem: %s %q: %w", op, key, noSpace(err))
		}
		st.mem = nil
	}
	err = st.file.Sync()
	var fi os.FileInfo
	if err == nil {
		fi, err = st.file.Stat()
	}
	if cerr := st.file.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		installed, err = st.s.commit(key, st.name, filepath.FromSlash(key), createOnly)
	}
	if err != nil {
		if !installed {
			// The rename may have made directories for the key: prune them.
			st.s.discard(filepath.Join(spoolDir, st.name), filepath.Dir(filepath.FromSlash(key)))
			st.file = nil // closed and removed
		}
		return storage.Info{}, fmt.Errorf("filesystem: %s %q: %w", op, key, noSpace(err))
	}
	return storage.Info{Key: key, Size: st.size, ModTime: fi.ModTime()}, nil
}

// Put writes r to a stage and commits it, so readers never see a partial blob.
func (s *Store) Put(ctx context.Context, key string, r io.Reader) (storage.Info, error) {
	if err := storage.ValidKey(key); err != nil {
		return storage.Info{}, err
	}
	st := &stage{s: s}
	if _, err := copyContext(ctx, st, r); err != nil {
		st.Abort()
		return storage.Info{}, fmt.Errorf("filesystem: put %q: %w", key, err)
	}
	return st.commit(ctx, "put", key, false)
}

// copyContext copies src to dst, giving up once ctx is done.
func copyContext(ctx context.Context, dst io.Writer, src io.Reader) (int64, error) {
	if mem, ok := src.(interface {
		io.WriterTo
		Len() int
	}); ok {
		// Bytes in memory (a reference file): one write, no copy buffer.
		return mem.WriteTo(dst)
	}
	buf := make([]byte, 128<<10)
	var written int64
	for {
		if err := ctx.Err(); err != nil {
			return written, err
		}
		n, rerr := src.Read(buf)
		if n > 0 {
			w, werr := dst.Write(buf[:n])
			written += int64(w)
			if werr != nil {
				return written, werr
			}
		}
		if rerr == io.EOF {
			return written, nil
		}
		if rerr != nil {
			return written, rerr
		}
	}
}

// noSpace marks a full disk or an exhausted quota as storage.ErrNoSpace,
// keeping the system's error in the chain.
func noSpace(err error) error {
	if errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT) {
		return fmt.Errorf("%w: %w", storage.ErrNoSpace, err)
	}
	return err
}
