// Package row is the half of a catalogue driver that does not depend on the
// database: how an index.Entry or index.GenericFile becomes the columns of
// its row and back, how caller input becomes the lowercased identity the
// unique indexes compare, the JSON shape of the stored manifest, the SQL
// both dialects share (column lists, the put's SET list), the paging of a
// walk (Pages) and the reading of a driver's migration files. Every SQL
// driver (index/sqlite, index/postgres) shares it, so they lowercase,
// validate and encode alike and a row reads back the same from any of them.
//
// It expects the portable schema of the drivers' migrations: TEXT, BIGINT
// (counters and unix nanoseconds) and BOOLEAN columns, and a Scan method on
// rows that accepts database/sql's Null types (database/sql and pgx both do).
//
// # Imports
//
// database/sql for its Null types, but no database driver.
//
//	may import: std, index, nuget
//	must not:   net/http/...
package row
