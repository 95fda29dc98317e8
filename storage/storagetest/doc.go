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
// It imports the standard library and storage only; it must not import
// net/http or any driver.
package storagetest
