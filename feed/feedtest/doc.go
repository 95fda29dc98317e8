// Package feedtest opens what a feed.Feed is built from — the package
// directory, the catalogue and the search index — on a test's folder, for the
// tests and benchmarks of the packages above feed, and fills them with
// synthetic packages (Fill).
//
// # Imports
//
// The embedded drivers (storage/filesystem, index/sqlite) and what they
// are opened for, and internal/corpus for the packages it fills; it is imported by tests (and protocoltest, which tests
// use), never by the server.
//
//	may import:  std, index, index/sqlite, nuget, storage/filesystem, internal/corpus
//	imported by: tests, protocol/protocoltest
package feedtest
