// Package feedtest opens what a feed.Feed is built from — the package
// directory, the catalogue and the search index — on a test's folder, for the
// tests and benchmarks of the packages above feed, and fills them with
// synthetic packages (Fill); and it opens a feed as one of several replicas
// on a PostgreSQL database would run it (OpenReplica).
//
// # Imports
//
// The embedded drivers (storage/filesystem, index/sqlite) and what they
// are opened for, and for a replica the PostgreSQL catalogue, the cluster
// and the feed itself; it is imported by tests (and protocoltest, which
// tests use), never by the server.
//
//	may import:  std, cluster, feed, index, index/postgres, index/sqlite, nuget,
//	             storage, storage/filesystem
//	imported by: tests, protocol/protocoltest
package feedtest
