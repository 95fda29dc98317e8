// Package admin is the HTTP side of the server's maintenance jobs, for
// administrators only (auth.AdministerSystem: an unrestricted administrator
// key):
//
//	POST /api/admin/retention[?dryRun=true]   run the retention policy now; 200 JSON report
//	POST /api/admin/reindex                   start a re-index in the background; 202 JSON state, 409 if one runs
//	GET  /api/admin/reindex                   the current or last re-index; 200 JSON state
//
// and of what an administrator of a space (auth.BuiltInFeedAdminister there,
// as unlisting needs) says about its NuGet packages:
//
//	PUT    /api/admin/deprecation   deprecate versions; body {"space", "id", "versions": [...], "reasons": [...],
//	                                "message", "alternatePackageId", "alternatePackageVersion"}; 200 JSON
//	DELETE /api/admin/deprecation   clear it; body {"space", "id", "versions": [...]}; 200 JSON
//
// The space defaults to Spaces-1. A deprecation follows nuget.org's rules
// (feed.SetDeprecation): an unknown reason, a missing or too long message, an
// alternate package that is the package itself or not in the space, or a
// malformed body is a 400; a version that does not exist a 404; either way
// nothing changes.
//
// The retention POST applies the server's configured policy; its query
// parameters keepReleases, keepPrereleases, releaseMaxAgeDays,
// prereleaseMaxAgeDays and genericMaxAgeDays replace single fields of the
// default rule for this run (per-space rules stay), so an administrator can
// try other numbers with a dry run first.
//
// Handlers return their errors; Handler.Serve answers them with the Octopus
// error body ({"ErrorMessage": ..., "Errors": [...]}) like the rest of /api,
// worded in one table (message in errors.go) under the status of each
// error's class (protocol/httpx): 400 bad query or body, 401 no or invalid key, 403
// not an administrator, 409 busy (with the running re-index's state), 503
// shutting down or a backend (the database, the package store) down.
//
// # Imports
//
// The jobs are feed's; this package only speaks HTTP for them, and never
// imports another protocol package. nuget parses a deprecation, index names
// the catalogue rows feed answers with.
//
//	may import: std, auth, feed, index, nuget, protocol/httpx
package admin
