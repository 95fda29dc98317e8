// Package index owns the package catalogue and the search index.
//
// The catalogue (Catalog) is one SQLite file: one row per package version per
// space, with the manifest, the hashes and the stored file's size and time, plus
// what only the catalogue knows (download counts, listed flags). Its schema lives
// in migrations/*.sql, applied in order on open. The SQL stays portable so the
// catalogue can move to PostgreSQL.
//
// The search index (Search) is a bleve index with one document per package id,
// built from the catalogue by DocFor and Rebuild; it can always be thrown away and
// rebuilt. Query understands nuget.org's search syntax (id:, packageid:, tags:, ...).
//
// Both are caches of the package directory, which feed owns: this package knows
// nothing of files or HTTP. It imports nuget and the stdlib (plus SQLite,
// bleve, and bbolt's errors to tell a locked index from a broken one) and
// must not import storage, feed, protocol or net/http.
package index
