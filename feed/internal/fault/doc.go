// Package fault is the error vocabulary of the package services: feed (NuGet
// and raw packages) and its generic registry (feed/generic) wrap these
// sentinels, and feed re-exports them (feed.ErrNotFound, ...) for the
// protocols, which classify with errors.Is and map each to a status code.
// Keeping them here lets both services report the same sentinel without
// the registry importing feed.
//
// # Imports
//
// nuget only, for its invalid-package sentinel.
//
//	may import: std, nuget
//	must not:   net/http/..., os/..., syscall, unsafe
package fault
