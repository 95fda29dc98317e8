// Package storage defines the blob store that holds every package file: the
// Store interface, its errors (ErrNotFound, ErrInvalidKey, ErrConflict,
// ErrExists, and the store's own troubles: ErrUnavailable, ErrNoSpace) and
// the key grammar (ValidKey, ValidPrefix) that every driver enforces.
//
// A push does not know its key until it has read the package, so a Store
// also stages: Stage returns a Staged blob that the caller writes (hashing
// the bytes itself as they pass), reads back through io.ReaderAt, and then
// commits under a key, optionally create-only, or aborts. Nothing in the
// interface is a local path: where the staged bytes live (memory, a spool
// file, a multipart upload) is the driver's business, and so are fsync,
// O_DIRECT and the like. SweepTemp clears what a crash left staged.
//
// A key is a slash-separated relative path such as
// "packages/newtonsoft.json/13.0.3/newtonsoft.json.13.0.3.nupkg". The grammar is
// deliberately narrow so that a key is always a safe file path: no traversal,
// no absolute paths, no hidden names (a leading dot is reserved for the
// drivers' temporary files), plain ASCII only.
//
// Drivers live in subpackages: storage/filesystem (the default, one
// folder), storage/s3 (a bucket of an S3-compatible object store, for more
// than one machine) and storage/memory (tests). storage/storagetest is the
// conformance suite that every driver runs, staging included.
//
// # Imports
//
// The standard library only, and no os, syscall or unsafe: the interface
// carries no local path, so that any driver can implement it.
//
//	may import:    std
//	must not:      net/http/..., os/..., syscall, unsafe
//	never reaches: net/http
package storage
