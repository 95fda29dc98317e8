// Package feedtest opens what a feed.Feed is built from — the package
// directory, the catalogue and the search index — on a test's folder, for the
// tests and benchmarks of the packages above feed, and fills them with
// synthetic packages (Fill). It imports nuget, storage, index and their
// embedded drivers (storage/filesystem, index/sqlite) only; it is imported by
// tests, never by the server.
package feedtest
