// Package feedtest opens what a feed.Feed is built from — the package
// directory, the catalogue and the search index — on a test's folder, for the
// tests and benchmarks of the packages above feed, and fills them with
// synthetic packages (Fill); and it opens a feed as one of several replicas
// on a PostgreSQL database would run it (OpenReplica). It imports nuget,
// storage, index and their drivers (storage/filesystem, index/sqlite,
// index/postgres), feed and cluster only; it is imported by tests, never by
// the server.
package feedtest
