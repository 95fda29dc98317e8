// Package v3 is the consumption half of the NuGet v3 protocol: the
// registration hives (package metadata: index, pages, leaves), search and
// autocomplete, and the service-index entries that advertise them
// (Resources). Push and the flat container are protocol/nugetapi's. Its
// handlers return their errors, which the NuGet family's adapter answers
// (protocol/nugethttp, with the family's read check and cache policy).
//
// Two registration hives, as nuget.org has: /v3/registration/ hides SemVer2
// packages (for the RegistrationsBaseUrl aliases that pre-4.3 clients use)
// and /v3/registration-semver2/ shows everything (3.6.0 and /Versioned).
//
// Rendered registration indexes (and, when the feed has a change counter,
// search answers) are cached; see cache.go for why they never go stale.
//
// It imports feed, index, nuget, protocol/httpx, protocol/document,
// protocol/nugethttp and protocol/nugetapi; never another protocol package,
// never storage.
package v3
