// Package feed is the protocol-agnostic package service: push, open, list,
// search, delete, unlist and the re-index that brings the catalogue in line
// with the package directory. It imports nuget, storage and index, never
// net/http: the protocol packages translate HTTP into these calls.
//
// # The package directory
//
// The blob store under the data folder is the truth; the catalogue (SQLite)
// and the search index (bleve) are caches rebuilt from it. Every key says
// what its file is:
//
//	{space}/nuget/{lower id}/{lower version}/{lower id}.{lower version}.nupkg
//	{space}/raw/{lower id}/{lower version}/{original file name}
//
// {space} is the lowercased space id ("spaces-1" for the default space
// "Spaces-1"). {lower version} is the normalised version (no build metadata),
// lowercased, so "1.0", "1.0.0" and "1.0.0.0" share one folder and
// case-insensitive ids never produce two folders. A .nupkg is identified by
// its nuspec, so the re-index needs nothing but the file; a raw archive
// ("MyApp.Web.1.0.0.zip") is identified by its original file name, which keeps
// the casing of the id and the version as pushed.
//
// A .nupkg or archive dropped by hand anywhere below {space}/nuget/ or
// {space}/raw/ is moved to its canonical key by the next re-index.
//
// What only the catalogue knows is lost when it is deleted: download counts
// and unlisted flags (and the publish date becomes the file's modification
// time). API keys live in a separate database.
package feed
