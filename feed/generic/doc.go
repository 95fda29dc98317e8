// Package generic is the generic package registry (Gitea's generic
// registry): files under owner / package name / version / file name, put,
// opened, listed and deleted through a Registry, whatever protocol carries
// them (protocol/generic is its HTTP side, web shows it). It owns the
// registry's part of the package directory, its catalogue rows (through the
// index.Catalog's Generic* methods), its re-index, the rules for names, and
// the rule for owners: an administrator's first push to an owner creates it
// (EnsureOwner; the owners themselves are stored by auth.Owners, with the
// keys).
//
// feed.New builds the Registry over the feed's store and catalogue and
// shares with it what both need: the spool that stages and hashes uploads
// (feed/internal/spool), the metrics, and the error vocabulary
// (feed/internal/fault): errors wrap feed.ErrNotFound, feed.ErrExists,
// feed.ErrInvalid and feed.ErrTooLarge, so every protocol classifies them as
// it classifies a package's. feed's re-index and retention call into it.
//
// # The package directory
//
// Each file's bytes are kept once per content, and each file's identity in
// a small JSON reference file:
//
//	generic/blobs/sha256/{ab}/{sha256}
//	generic/owners/{owner}/{name}/{version}/{file name}.ref.json
//
// {ab} is the first two hex digits of the SHA-256. The reference records the
// owner, package name, version and file name as pushed, the SHA-256, size and
// creation time; the re-index rebuilds the catalogue's generic rows from
// these files alone. Path segments are the lowercased names (file names are
// unique per version ignoring case), escaped reversibly into the key grammar:
// a byte outside [a-z0-9._+-], and a leading '.', becomes 'Z' and two
// uppercase hex digits ("1.0 beta" is stored as "1.0Z20beta"); lowercased text
// holds no uppercase letter, so 'Z' is always an escape. A blob is committed
// create-only, and deleted with its last reference once a complete re-index
// has filled the catalogue (before that, the re-index sweeps unreferenced
// blobs).
//
// # Imports
//
// auth for the owners and the permission rule, and what it shares with feed
// in feed/internal; never feed itself (feed builds it), net/http, or os,
// syscall or unsafe: files are the storage driver's.
//
//	may import: std, auth, index, storage, feed/internal/fault, feed/internal/keylock,
//	            feed/internal/spool
//	must not:   net/http/..., os/..., syscall, unsafe, database/sql/...
package generic
