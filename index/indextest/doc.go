// Package indextest is the conformance suite for index.Catalog drivers.
// Every driver's test file runs it in one line:
//
//	func TestConformance(t *testing.T) {
//		indextest.Run(t, func(t *testing.T) index.Catalog { return openEmpty(t) })
//	}
//
// The function gives each case a new, empty catalogue and closes it when the
// case ends (a case may close it first: a second Close does nothing). Run
// checks behaviour only through the index.Catalog interface, so a driver that
// passes it can replace another: identity (case-insensitive, one row per
// normalised version, decided by the database under concurrency), listing
// orders, download counts and listed flags, the re-index's file walk, the
// generic files, and the manifest round trip. Driver-specific checks
// (migrations on reopen, corruption handling, disk-full mapping) stay in the
// driver's own tests.
//
// # Imports
//
// It checks through the interface only, so it names no driver.
//
//	may import:  std, index, nuget
//	must not:    net/http/..., database/sql/...
//	imported by: tests
package indextest
