// Package v3 is the consumption half of the NuGet v3 protocol: the
// registration hives (package metadata: index, pages, leaves), search and
// autocomplete, and the service-index entries that advertise them
// (Resources). Push and the flat container are protocol/nugetapi's; this
// package borrows its read-permission check and its one error table, so the
// NuGet family answers errors one way.
//
// Two registration hives, as nuget.org has: /v3/registration/ hides SemVer2
// packages (for the RegistrationsBaseUrl aliases that pre-4.3 clients use)
// and /v3/registration-semver2/ shows everything (3.6.0 and /Versioned).
//
// Rendered registration indexes (and, when the feed has a change counter,
// search answers) are cached; see cache.go for why they never go stale.
//
// # Imports
//
// protocol/nugetapi for the NuGet family's read check and error table;
// index only for the types feed hands out (index.Entry, index.Query). Never
// another protocol package, never storage.
//
//	may import: std, feed, index, nuget, protocol/document, protocol/httpx, protocol/nugetapi
package v3
