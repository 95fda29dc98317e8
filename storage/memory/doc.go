// Package memory is an in-memory storage.Store for tests: a map guarded by a
// RWMutex, with the same semantics as the filesystem driver (copy on Put,
// atomic replace, List in byte order of keys, ErrConflict for a key that is
// both a blob and a parent of other keys, stages that only Commit makes
// visible and that SweepTemp ends).
//
// # Imports
//
// A map touches no file: no os, syscall or unsafe.
//
//	may import:    std, storage
//	must not:      net/http/..., os/..., syscall, unsafe
//	never reaches: net/http
package memory
