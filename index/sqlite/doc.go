// Package sqlite is the embedded catalogue: an index.Catalog in one SQLite
// file (github.com/mattn/go-sqlite3) in the data folder, needing no other
// service. It passes index/indextest.
//
// Files by concern:
//
//	open.go      the two connection pools (one writer, eight readers, WAL) and Close
//	migrate.go   the versioned schema in migrations/NNNN_name.sql, applied in order at open
//	stmt.go      the statement cache and keyed, the context that makes a lookup cheap
//	writer.go    the group commit: concurrent Puts share one transaction
//	packages.go  the rows of one package: insert, get, versions, delete, listed, downloads
//	files.go     what the re-index walks: every file in key order, a row by its file
//	listing.go   what background work walks: spaces, ids page by page, counts
//	generic.go, genericpackages.go  generic files and their listing
//	recover.go   OpenChecked: a corrupt file is set aside and a new one started
//
// Rows are encoded by index/internal/row, which every SQL driver shares;
// what is SQLite's own is here: the single writer connection and its group
// commit, the prepared statements, SQLITE_FULL as ENOSPC, the corruption
// check, and the `?N` placeholders and BINARY collation of the queries.
//
// # Imports
//
// Nothing of storage, feed or the protocols: it is a catalogue and nothing
// more.
//
//	may import: std, index, index/internal/row, nuget, github.com/mattn/go-sqlite3
//	must not:   net/http/...
package sqlite
