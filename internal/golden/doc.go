// Package golden compares what a test produced with a file kept under the
// test's testdata folder, and rewrites that file when the test binary runs
// with -update (go test ./protocol/v3 -update), so every package's wire
// documents are accepted the same way after a deliberate change.
//
// # Imports
//
//	may import:  std
//	imported by: tests
package golden
