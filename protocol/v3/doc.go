// Package v3 is the NuGet v3 protocol, every resource a restore or a browse
// asks for: the service index (/v3/index.json, serviceindex.go), the flat
// container (PackageBaseAddress/3.0.0: a package's versions, its .nupkg and
// nuspec; flatcontainer.go), the registration hives (package metadata:
// index, pages, leaves; registration.go), search and autocomplete
// (search.go), and the symbol server that hands debuggers the PDBs of
// pushed symbol packages by Simple Symbol Query Protocol key (symbols.go).
// Push, delete and relist, of symbol packages too, are protocol/publish's;
// the service index advertises them. Handlers return their errors, which the NuGet
// family's Read adapter answers (protocol/nugethttp, with the family's read
// check, cache policy and package serving).
//
// Two registration hives, as nuget.org has: /v3/registration/ hides SemVer2
// packages (for the RegistrationsBaseUrl aliases that pre-4.3 clients use)
// and /v3/registration-semver2/ shows everything (3.6.0 and /Versioned).
//
// Rendered documents (the flat container's index.json, registration indexes
// and, when the feed has a change counter, search answers) are cached; see
// cache.go and flatcontainer.go for why they never go stale.
//
// # Imports
//
// protocol/nugethttp for the NuGet family's read check, cache policy and
// error table; index only for the types feed hands out (index.Entry,
// index.Query). Never another protocol package, never storage.
//
//	may import: std, feed, index, nuget, protocol/document, protocol/httpx, protocol/nugethttp
package v3
