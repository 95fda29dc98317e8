// Package nugethttp is what the NuGet family's packages share (protocol/v3,
// protocol/v2 and protocol/publish): how they answer errors, who may read,
// how long caches keep an answer, and the one place a package's bytes are
// served from.
//
// Errors are answered through two adapters over one table (errors.go):
// Read, for everything a restore or a browse asks, where a missing or wrong
// credential is a 401 with a Basic challenge (NuGet clients send their read
// credentials only after one); and Publish, for push, delete and relist,
// where a missing key is a 401 with nuget.org's ApiKey challenge and a wrong
// one a 403 (NuGet prompts for credentials on a 403 only when it sent no
// key). Otherwise: 409 duplicate (what -SkipDuplicate skips), 400 with the
// reason in the body and in X-NuGet-Warning (which NuGet clients print), 404,
// 413 too large; never a 500 for a client's mistake.
//
// # Imports
//
// index only for the types feed hands out (index.Entry, index.Kind) — the
// protocol packages read the catalogue through feed, never a driver — and
// never another protocol package.
//
//	may import: std, auth, feed, index, nuget, protocol/httpx
package nugethttp
