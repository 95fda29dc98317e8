// Package postgres is the catalogue for more than one machine: an
// index.Catalog in a PostgreSQL database (github.com/jackc/pgx/v5, a
// pgxpool of connections), which any number of feedserver processes share.
// It passes index/indextest, the same table as index/sqlite.
//
// Files by concern:
//
//	open.go      the pool, Open, Ping, Close, and the contexts of lookups and writes
//	migrate.go   the versioned schema in migrations/NNNN_name.sql, applied at open under an advisory lock
//	packages.go  the rows of one package: insert, put, get, versions, delete, listed, downloads
//	files.go     what the re-index walks: every file in key order, a row by its file
//	listing.go   what background work walks: spaces, ids page by page, counts
//	generic.go   generic files, their listing and the generic catalogue's state
//	errors.go    SQLSTATEs and connection failures as the contract's errors
//	metrics.go   latency and errors per operation, for Prometheus
//
// The database decides: identity is the primary key over Go-lowercased
// columns (index/internal/row), so of concurrent inserts of one identity,
// from any number of processes, one wins and the others get
// index.ErrExists (unique violation 23505). A write of a row first takes a
// transaction-scoped advisory lock on its id, in the same round trip, so
// concurrent first pushes of one id agree on its casing. Keys, ids and
// spaces compare as bytes (COLLATE "C"), as Go and the storage listing do.
// Times are BIGINT unix nanoseconds and the manifest JSON text, both from
// the shared codec. A full disk (53100) wraps syscall.ENOSPC; a server that
// cannot be reached wraps index.ErrUnavailable (Unavailable tells which
// errors those are, for the key store on the same server too).
//
// A write runs detached from its caller's context once started (bounded by
// writeTimeout), so a client that hangs up never leaves its row's fate
// unknown. One thing no networked database can tell: a connection that
// breaks while the commit is under way. Such a write reports
// ErrUnavailable though the row may have been committed; the feed then
// removes a new version's file, and the next re-index drops a row whose
// file is gone.
//
// # Imports
//
// Nothing of storage, feed or the protocols: it is a catalogue and nothing
// more.
//
//	may import: std, index, index/internal/row, nuget, github.com/jackc/pgx/v5/...,
//	            github.com/prometheus/client_golang/prometheus
//	must not:   net/http/...
package postgres
