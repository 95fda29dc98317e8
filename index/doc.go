// Package index owns the package catalogue's contract and the search index.
//
// The catalogue is the Catalog interface (catalog.go): one row per package
// version per space (Entry) and per generic file (GenericFile), with what
// only the catalogue knows (download counts, listed flags), its identity
// rules and its errors (ErrNotFound, ErrExists, ErrUnavailable). It is one of
// the feed's two plug points: drivers live in subpackages (index/sqlite, the
// embedded default; index/postgres, for more than one machine), share the row
// codec in index/internal/row, and all pass the conformance suite in
// index/indextest. Consumers (feed, cmd) hold the
// interface; only cmd, tests and test helpers name a driver.
//
// The search index (Search) is a bleve index with one document per package
// id, built from any Catalog by DocFor and Rebuild; it can always be thrown
// away and rebuilt, and each process keeps its own. Query understands
// nuget.org's search syntax (id:, packageid:, tags:, ...).
//
// Both are caches of the package directory, which feed owns: this package
// knows nothing of the package files or HTTP. Its external tests (package
// index_test) run Rebuild against index/sqlite and the catalogue benchmarks
// against index/sqlite and index/postgres side by side.
//
// # Imports
//
// nuget, bleve and its index interface (bleve_index_api: a page is ranked
// from the hits' doc values), and bbolt's errors, to tell a search index
// another process holds from a broken one. No catalogue driver, nor SQL; no storage, feed
// or protocol; no net/http (bleve itself reaches it).
//
//	may import: std, nuget, github.com/blevesearch/bleve/v2/...,
//	            github.com/blevesearch/bleve_index_api, go.etcd.io/bbolt/errors
//	must not:   net/http/..., database/sql/...
package index
