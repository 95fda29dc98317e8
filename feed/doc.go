// Package feed is the protocol-agnostic package service for NuGet packages
// and raw archives: push, open, list, search, delete, unlist, retention and
// the re-index that brings the catalogue in line with the package directory.
// It builds the generic package registry (feed/generic) over the same store
// and catalogue, hands it out (Feed.Generic), and runs its re-index and
// retention with its own.
//
// # The package directory
//
// The blob store (the data folder's packages/, or a bucket) is the truth;
// the catalogue (an index.Catalog: index/sqlite unless cmd wires another
// driver) and the search index (bleve) are caches rebuilt from it. Every key
// says what its file is:
//
//	{space}/nuget/{lower id}/{lower id}.{lower version}.nupkg
//	{space}/raw/{lower id}/{original file name}
//	{space}/symbols/{lower id}/{lower id}.{lower version}.snupkg
//	{space}/cached/{lower id}/{lower id}.{lower version}.nupkg
//
// cached/ holds a mirrored space's copies of upstream packages, fetched on
// their first download (mirror.go; catalogued as index.KindCached, so pushes
// shadow them and retention of pushed packages leaves them alone).
//
// {space} is the lowercased space id ("spaces-1" for the default space
// "Spaces-1"). {lower version} is the normalised version (no build metadata),
// lowercased, so "1.0", "1.0.0" and "1.0.0.0" share one file name and
// case-insensitive ids never produce two folders. A .nupkg is identified by
// its nuspec, so the re-index needs nothing but the file; a raw archive
// ("MyApp.Web.1.0.0.zip") is identified by its original file name, which keeps
// the casing of the id and the version as pushed.
//
// The versions of an id share its folder: with a folder per version, each
// push also made a directory and fsynced two more directories' metadata,
// which cost a small push about a tenth of its time. Files in that earlier
// layout ({lower id}/{lower version}/{file}) are served and re-indexed
// where they are; a re-push or delete of the version removes them.
//
// A .nupkg or archive dropped by hand anywhere below {space}/nuget/ or
// {space}/raw/ is moved to its canonical key by the next re-index.
//
// A symbol package (.snupkg) belongs to the .nupkg of the same version and
// goes with it: symbols.go says how. The catalogue's symbol rows, the
// lookup a symbol server needs, are written at its push, and by the
// re-index for a symbol package whose version has none.
//
// Generic packages have their own part of the directory, under generic/:
// the registry in feed/generic owns it, and its doc.go describes the layout.
//
// # A push
//
// An upload is staged in the store (storage.Store.Stage) and hashed as it
// arrives (feed/internal/spool): inline when it fits in one 1 MiB chunk,
// else through a pipeline with a goroutine per hash and one for the store's
// write. Only the digests
// a protocol reports are computed: SHA-512 (NuGet's packageHash) for .nupkg
// files, SHA-1 (Octopus' Hash) for every package, SHA-256 for generic
// files, whose blobs it addresses. The package is identified from the
// staged bytes (the nuspec, read through io.ReaderAt), the overwrite rule
// applied, and the stage committed under its key (a generic blob
// create-only) or, for a duplicate, aborted. Then the catalogue row is
// written, together with those of concurrent pushes: a new version's is
// inserted, so the catalogue's database decides whether it is new, across
// processes too (a push that loses the race answers as if the version had
// existed; the in-process lock per version only spares one process the
// race); search documents follow in the background. How the bytes reach the disk (kept in memory
// while small, O_DIRECT, fsyncs) is the filesystem driver's business:
// feed writes no file itself.
//
// What only the catalogue knows is lost when it is deleted: download counts
// and last-download times (cache retention then counts from the cached
// file's time), unlisted flags and deprecations (and the publish date becomes the file's
// modification time). API keys live in a separate database.
//
// # Imports
//
// feed/generic, and the pieces it shares with that registry (feed/internal:
// fault, the error vocabulary; spool, staging and hashing an upload;
// keylock); auth only for auth.ParseSpaceID, the one space-id parser;
// Prometheus for the metrics it emits. No net/http: the protocol packages
// translate HTTP into these calls. No os, syscall or unsafe: files are the
// storage driver's. No database/sql: the catalogue is an index.Catalog.
//
//	may import: std, auth, index, nuget, storage, feed/generic, feed/internal/fault,
//	            feed/internal/keylock, feed/internal/spool,
//	            github.com/prometheus/client_golang/prometheus
//	must not:   net/http/..., os/..., syscall, unsafe, database/sql/...
package feed
