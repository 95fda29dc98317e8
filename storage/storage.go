package storage

import (
	"context"
	"errors"
	"io"
	"iter"
	"time"
)

// ErrNotFound is returned (wrapped) when a key has no blob.
var ErrNotFound = errors.New("storage: not found")

// ErrInvalidKey is returned (wrapped) for a key outside the key grammar (see ValidKey).
var ErrInvalidKey = errors.New("storage: invalid key")

// ErrConflict is returned (wrapped) by Put and Commit when the key cannot hold
// a blob because it is a parent of other keys ("a/b" while "a/b/c" exists) or
// lies below a blob ("a/b/c" while "a/b" exists). A filesystem cannot hold
// both, so every driver refuses it, keeping tests on memory honest.
var ErrConflict = errors.New("storage: key conflicts with an existing key")

// ErrExists is returned (wrapped) by a create-only Commit when the key
// already holds a blob, which stays as it was.
var ErrExists = errors.New("storage: key already holds a blob")

// ErrUnavailable is returned (wrapped) when the store cannot be reached or
// does not answer: a network store that refuses connections, times out or
// answers with a server error. Nothing about the request was wrong; it may
// succeed later, so protocols answer 503.
var ErrUnavailable = errors.New("storage: the store is unavailable")

// ErrNoSpace is returned (wrapped) when the store has no room for a blob: a
// full disk (ENOSPC), an exhausted quota (EDQUOT, an object store's
// QuotaExceeded) or an object store that refuses the size. The blob is fine;
// the store must make room first, so protocols answer 507.
var ErrNoSpace = errors.New("storage: no space left in the store")

// Info describes a stored blob.
type Info struct {
	Key     string
	Size    int64
	ModTime time.Time
}

// Store is a flat key/value blob store. Keys are slash-separated paths (see ValidKey).
// Implementations are safe for concurrent use.
type Store interface {
	// Put stores all of r under key atomically: readers see the old blob or the
	// new one, never a prefix. It overwrites an existing blob. A key that is
	// the parent of another key, or lies below one, fails with ErrConflict.
	Put(ctx context.Context, key string, r io.Reader) (Info, error)
	// Open returns the blob at key; the caller closes it.
	Open(ctx context.Context, key string) (Blob, error)
	// Stat describes the blob at key.
	Stat(ctx context.Context, key string) (Info, error)
	// Delete removes key; deleting a missing key is not an error.
	Delete(ctx context.Context, key string) error
	// List yields every blob whose key starts with prefix, in lexical (byte) order of keys.
	// A prefix is a whole path: "a/b" lists "a/b/..." and "a/b" itself, never "a/bc".
	List(ctx context.Context, prefix string) iter.Seq2[Info, error]

	// Stage starts a blob whose key is not known yet: a push is written
	// while it arrives, read back to learn what it is, and then committed
	// under the key that follows, or aborted. ctx bounds the writing and the
	// reading back (a remote driver's requests); Commit takes its own.
	Stage(ctx context.Context) (Staged, error)
	// SweepTemp removes what interrupted writes (Put, and stages never
	// committed or aborted, as a crash leaves them) left behind, last
	// written more than olderThan ago; 0 removes them all. Run it at start-up,
	// before any write starts. It returns how many it removed.
	SweepTemp(ctx context.Context, olderThan time.Duration) (int, error)
}

// Staged is a blob being written before it has a key. No reader of the store
// sees it until Commit, and nothing of it stays after Abort (or after the next
// SweepTemp, if the process dies first).
//
// The life of a stage: Write, as often as needed; Finish; then any number of
// ReadAt and Size; then Commit or Abort. Write and Finish are called by one
// goroutine at a time; ReadAt may be called concurrently after Finish.
// Abort may be called at any point, also after Commit or a failed Commit
// (where it does nothing), so `defer staged.Abort()` is the idiom.
//
// The contract fits more than a local disk: an object store's driver streams
// the writes as a multipart upload (or into a local scratch file), serves
// ReadAt with ranged GETs (or from that file), and Commit completes the
// upload or copies it under the key, with If-None-Match: * when create-only.
// A driver may keep a small stage in memory, so a stage aborted after reading
// it back (a duplicate push) costs the backend nothing.
type Staged interface {
	// Write appends p. It never retains p. A failed Write fails the stage:
	// the caller aborts it.
	io.Writer
	// Finish ends the writing, after which ReadAt, Size, Commit and Abort
	// are all that may be called.
	Finish() error
	// ReadAt reads the staged bytes, as io.ReaderAt says, after Finish.
	io.ReaderAt
	// Size is the number of bytes written.
	Size() int64
	// Commit installs the staged bytes under key, atomically and durably as
	// Put does, and ends the stage whatever the outcome: on an error nothing
	// more is stored than before, or, if the failure came after the blob
	// became visible (syncing it), the whole new blob. A key that conflicts
	// with others fails with ErrConflict, a create-only commit of a key that
	// holds a blob with ErrExists. It calls Finish if the caller did not.
	Commit(ctx context.Context, key string, opts CommitOptions) (Info, error)
	// Abort discards the stage and everything it wrote.
	Abort() error
}

// CommitOptions says how Commit installs a stage.
type CommitOptions struct {
	// CreateOnly refuses a key that already holds a blob (ErrExists), where
	// the default overwrites it. A store decides it atomically (an object
	// store's If-None-Match: *, a filesystem's rename that does not replace),
	// so of several commits of one key exactly one succeeds.
	CreateOnly bool
}

// Blob is an open stored blob; ReadSeeker lets HTTP serve ranges.
type Blob interface {
	io.ReadSeekCloser
	Info() Info
}
