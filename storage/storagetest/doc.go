// Package storagetest is the conformance suite for storage.Store drivers.
// Every driver's test file runs it in one line:
//
//	func TestConformance(t *testing.T) {
//		storagetest.Run(t, func(t *testing.T) storage.Store { return memory.New() })
//	}
//
// Run checks behaviour only through the storage.Store interface, so a driver
// that passes it can replace another: blobs (Put, Open, List, Delete) and
// stages (write, read back with ReadAt, commit, create-only commit, abort,
// concurrent commits, sweeping what was abandoned, large stages).
// Driver-specific checks (which files are on disk when) stay in the
// driver's own tests. Bench gives the same benchmarks to every driver.
//
// # Imports
//
// It checks through the interface only, so it names no driver.
//
//	may import:  std, storage
//	must not:    net/http/...
//	imported by: tests
package storagetest
