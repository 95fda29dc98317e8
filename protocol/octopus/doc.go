// Package octopus serves the Octopus Deploy built-in package repository API,
// so octo, the octopus CLI, Octopus.Client (.NET), go-octopusdeploy, the
// TypeScript api-client, octopackjs and curl as Octopus' docs show it can push
// to the feed and read back what they pushed:
//
//   - discovery: /api (root document), /api/{spaceId}, /api/spaces[/all|/{id}],
//     /api/users/me and /api/users/{id}/spaces, the built-in feed resource,
//     feeds/stats;
//   - upload: POST [/api/{spaceId}]/api/packages/raw with overwrite modes;
//   - packages: list and search, get, download (raw), delete and bulk delete,
//     the feed's versions endpoint, release notes;
//   - delta compression: delta-signature and delta upload (Octodiff formats,
//     in the subpackage octodiff).
//
// Every wire type and quirk names the client that needs it; the facts come
// from the public sources listed in docs/protocol/octopus.md. Handlers return
// their errors; Handler.Serve answers them with the Octopus JSON body
// {"ErrorMessage", "Errors"}, worded in one table (errors.go), under the
// status of each error's class (protocol/httpx).
//
// # Imports
//
// index only for the types feed hands out (index.Entry, index.Query); no
// storage: packages are read through feed. Never another protocol's
// package.
//
//	may import: std, auth, feed, index, nuget, protocol/httpx, protocol/octopus/octodiff
package octopus
