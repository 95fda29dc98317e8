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

// ErrConflict is returned (wrapped) by Put and Move when the key cannot hold a
// blob because it is a parent of other keys ("a/b" while "a/b/c" exists) or
// lies below a blob ("a/b/c" while "a/b" exists). A filesystem cannot hold
// both, so every driver refuses it, keeping tests on memory honest.
var ErrConflict = errors.New("storage: key conflicts with an existing key")

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
}

// Blob is an open stored blob; ReadSeeker lets HTTP serve ranges.
type Blob interface {
	io.ReadSeekCloser
	Info() Info
}

// Mover is implemented by stores that can take ownership of a finished local file
// without copying it (the filesystem driver renames). feed uses it so a pushed
// package is written to disk once.
type Mover interface {
	// TempDir is a directory on the same filesystem as the store, for spooling.
	TempDir() string
	// Move atomically installs the local file at path under key (rename + fsync).
	Move(ctx context.Context, key, path string) (Info, error)
}
