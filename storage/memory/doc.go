// Package memory is an in-memory storage.Store for tests: a map guarded by a
// RWMutex, with the same semantics as the filesystem driver (copy on Put,
// atomic replace, List in byte order of keys, ErrConflict for a key that is
// both a blob and a parent of other keys, stages that only Commit makes
// visible and that SweepTemp ends).
//
// It imports the standard library and storage only; it must not import
// net/http or any other feedserver package.
package memory
