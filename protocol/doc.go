// Package protocol is the HTTP face of the server: the one route table
// (routes.go), the server-wide middleware stack and the health endpoints.
// Each wire protocol lives in its own subpackage and exposes a handler type
// whose methods the route table wires to paths:
//
//   - v3: all of NuGet v3: the service index, the flat container,
//     registration, search and autocomplete
//   - v2: the NuGet v2 OData feed and the v2 download URL
//   - publish: NuGet push, delete and relist (PackagePublish/2.0.0)
//   - nugethttp: what the NuGet family (v3, v2, publish) shares: its error
//     adapters (Read, Publish) over one table, its read check, and the one
//     place a package's bytes are served from
//   - octopus, generic: the Octopus built-in repository, generic packages
//   - admin: re-index and retention on demand, for administrators
//   - httpx: what they all share (request state, auth middleware, public
//     URL, upload reader, access log, metrics, and the one error path:
//     handlers return errors, classified once, answered by their family)
//   - document: rendered JSON answers cached in memory and served with gzip
//     and ETags (the flat container's index.json, registration, search)
//   - protocoltest: a whole server on a temporary directory, for tests
//
// # Imports
//
// The route table wires every protocol package and web (the people-facing
// pages); nothing below protocol/ and web/ imports net/http (each lower
// package's rule says so). It does not need nuget or index itself.
//
//	may import: std, auth, feed, web, protocol/admin, protocol/generic,
//	            protocol/httpx, protocol/nugethttp, protocol/octopus,
//	            protocol/publish, protocol/v2, protocol/v3, github.com/gorilla/mux,
//	            github.com/prometheus/client_golang/...
package protocol
