// Package migration moves a feed to other backends: `feedserver migrate`
// copies what one set of backends holds (typically the data folder's
// packages/ and its SQLite files) into another (an S3 bucket, a PostgreSQL
// database), and checks that the copy is whole.
//
// What moves, and how it is checked:
//
//   - blobs: every key of the source store (NuGet, Octopus and generic
//     files of every space, generic references), streamed through a
//     create-only stage, then read back from the target and compared by
//     SHA-512;
//   - catalogue rows: every package row with its unlisted flag and download
//     count, the symbol rows of its symbol package (the PDBs a symbol
//     server finds by key), and every generic file row; a row's file time becomes its
//     blob's in the target store, so the first re-index there reads nothing
//     again;
//   - the key database: API keys as digests (a key never passes through in
//     clear), spaces, owners and the stored settings (the installation id).
//
// Either target may be absent: with no target store the blobs stay where
// they are; with no target database the rows stay in the source catalogue,
// whose file times then follow the blobs to the new store.
//
// A run is safe to repeat, after an interruption or not: what the target
// already holds and is identical is left alone (and counted as such), what
// differs in the mutable columns of a row (listed, downloads) is brought in
// line with the source, and a target that holds a different blob, row, key
// or space under the same name is refused with an error wrapping
// ErrMismatch that names it. Nothing in the target is ever overwritten or
// deleted. Progress (counts and rates) goes to Options.Progress.
//
// It holds the plug points' interfaces only (storage.Store, index.Catalog
// and the auth stores); which drivers are behind them is cmd's business.
//
// # Imports
//
//	may import: std, auth, index, storage
//	must not:   net/http/..., os/..., database/sql/...
package migration
