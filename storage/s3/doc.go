// Package s3 is a storage.Store in a bucket of an S3-compatible object store
// (AWS S3, versitygw, MinIO, Ceph, R2, ...), through minio-go. Key k is the
// object PREFIX/k of the bucket, so several feeds can share one bucket. It
// owns the configuration of such a store (ParseURL: an s3://BUCKET/PREFIX
// URL completed by the standard AWS variables and files, credentials never
// in the URL), the mapping of S3's answers to the storage errors (a store
// that does not answer, a 5xx or refused credentials is ErrUnavailable, a
// quota ErrNoSpace), and the request metrics (docs/metrics.md).
//
// # Stages
//
// A stage lives on this machine until Commit: in memory up to 1 MiB (most
// packages; a duplicate push then costs the store nothing), past that in a
// scratch file in a folder of this process alone (the replica's own data
// folder; nothing there is shared). Commit uploads it once: one PUT up to
// the part size (16 MiB by default), a multipart upload past it, parts read
// from the scratch file as they are sent (never a whole part in memory) and
// four at a time. Against the alternative, a multipart upload to a
// temporary key while the push arrives and a server-side copy at Commit:
//
//   - network bytes: the package crosses the network once; the copy would
//     write it a second time inside the store, and reading the nuspec back
//     (several small reads) would be ranged GETs, where here it is a local
//     read;
//   - atomicity: a PUT and a completed multipart upload are atomic in S3, so
//     nothing half-written is ever visible under a key, and If-None-Match: *
//     makes a create-only commit exactly-once (412 is ErrExists); a copy is
//     atomic too but needs the temporary key cleaned up;
//   - leftovers: a crash leaves a scratch file, which SweepTemp removes at
//     the next start, or an incomplete multipart upload (invisible, but
//     billed), which SweepTemp aborts once it is a day old (replicas share
//     the bucket; a younger one may be another's upload in progress), as
//     an AbortIncompleteMultipartUpload lifecycle rule would;
//   - the cost: the push is first written to local disk (page cache; no
//     fsync, it is scratch) and only then sent, so a large push takes its
//     upload time on top of its receive time, and each replica needs local
//     room for the pushes in flight.
//
// Before a commit sends anything it asks, in one round trip, whether the
// key lies below a blob or is a parent of blobs (ErrConflict, as on a
// filesystem; see precheck for why S3 keeps that rule, and why parents of
// keys committed in the last minute are not asked about again) and,
// create-only, whether the key is taken. A PUT's answer carries no time, so Commit asks
// for it (HEAD): the re-index compares size and time with the listing's,
// and times are whole seconds everywhere.
//
// # Reads
//
// Open is one GET of the whole object; a Seek costs nothing until the next
// Read, which then starts a ranged GET, so http.ServeContent serves ranges
// without downloading the object. ReadAt (the nuspec of a stored package)
// fetches ranges of at least 64 KiB. Reads after the first carry If-Match,
// so a blob replaced while it is read fails the read instead of mixing
// versions. List pages through the bucket's listing, in byte order.
//
// # Imports
//
// minio-go, gopkg.in/ini.v1 (minio-go's own reader of the AWS files, for
// the config file's region and endpoint), prometheus/client_golang and
// storage; no other feedserver package.
//
//	may import: std, storage, github.com/minio/minio-go/v7/..., gopkg.in/ini.v1,
//	            github.com/prometheus/client_golang/...
package s3
