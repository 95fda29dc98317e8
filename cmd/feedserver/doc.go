// Command feedserver serves NuGet, Octopus built-in and generic package feeds
// from one data folder, with the catalogue and the keys either in SQLite
// files there (the default) or in a PostgreSQL database (-database,
// database.go), and the packages there or in an S3 bucket (-storage,
// storage.go). See README.md for the configuration table.
//
// It only reads configuration, wires the packages together, serves and shuts
// down gracefully, and runs the sub-commands (apikey, space, owner, reindex,
// retention, migrate); the logic lives in the packages it wires.
//
// # Imports
//
// Whatever it wires: the drivers it names (index/sqlite, index/postgres,
// storage/filesystem, storage/s3 and the SQL drivers), the upstream client
// of a mirrored space, never a test helper.
//
//	may import: std, auth, cluster, feed, index, migration, index/sqlite, index/postgres, protocol, protocol/httpx,
//	            upstream, storage, storage/filesystem, storage/s3, github.com/mattn/go-sqlite3,
//	            github.com/jackc/pgx/v5/..., github.com/prometheus/client_golang/...
package main
