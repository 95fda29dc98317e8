// Package upstream is the client of an upstream NuGet v3 feed that a space
// mirrors (nuget.org, another feedserver, any v3 source): it reads the
// upstream's service index, the registration of a package id (versions,
// listing and dependency groups, as NuGet.exe's install reads them) and
// streams a .nupkg from its flat container.
//
// What it promises the feed (feed.Upstream):
//
//   - Every request is bounded: answer headers within Config.Timeout, a
//     metadata document within MaxDocument bytes, a package within
//     Config.MaxPackageSize; a package body that stalls for Timeout fails.
//   - Metadata is cached per id for Config.MetadataTTL, "not found" too, in
//     a bounded map. When a refresh fails, the last good answer is served
//     (stale) and the upstream is not asked again for a short back-off, so
//     a down upstream costs a request one failed attempt at most, not one
//     timeout each.
//   - Concurrent requests for one id share one upstream request.
//   - Credentials (Basic, or an API key sent as X-NuGet-ApiKey) are sent only
//     to the upstream's host and never appear in an error or a log line.
//
// # Imports
//
// It speaks HTTP to the upstream, so it may use net/http; it gives the feed
// catalogue entries (index.Entry with a nuget.Manifest), so it imports index
// and nuget; nothing of the feed, the protocols or the store: feed holds it
// behind its own interface, and cmd/feedserver wires one per space.
//
//	may import: std, index, nuget, golang.org/x/sync/singleflight,
//	            github.com/prometheus/client_golang/prometheus
package upstream
