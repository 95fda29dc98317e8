// Package nugetapi is the NuGet wire protocol's push and package-content half:
// push, delete and relist on the publish URLs (/api/v2/package,
// /nuget/packages, /{spaceId}/nuget/packages), the v3 service index, the flat
// container (PackageBaseAddress/3.0.0) and the v2 package download. Handlers
// are methods of Handler; protocol's route table wires them to paths.
//
// Errors are mapped to NuGet's status codes in one table (status in
// errors.go): 201 pushed, 409 duplicate (what -SkipDuplicate skips), 400 bad
// package with the reason in the body and in X-NuGet-Warning (which NuGet
// clients print), 401 no key, 403 wrong key or missing permission, 413 too
// large; never a 500 for a client's mistake.
//
// # Imports
//
// index only for the types feed hands out (index.Entry, index.Kind) — the
// protocol packages read the catalogue through feed, never a driver — and
// never another protocol package.
//
//	may import: std, auth, feed, index, nuget, protocol/document, protocol/httpx
package nugetapi
