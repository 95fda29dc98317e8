// Package protocol is the HTTP face of the server: the one route table
// (routes.go), the server-wide middleware stack and the health endpoints.
// Each wire protocol lives in its own subpackage and exposes a handler type
// whose methods the route table wires to paths:
//
//   - nugetapi: NuGet push/delete/relist, the v3 service index, the flat
//     container and the v2 download URL
//   - nugethttp: what the NuGet family shares: its error adapters (Read,
//     Publish) over one table, its read check, and package serving
//   - v3, v2, octopus, generic: NuGet consumption (registration, search),
//     the v2 OData feed, the Octopus built-in repository, generic packages
//   - admin: re-index and retention on demand, for administrators
//   - httpx: what they all share (request state, auth middleware, public
//     URL, upload reader, access log, metrics, and the one error path:
//     handlers return errors, classified once, answered by their family)
//   - document: rendered JSON answers cached in memory and served with gzip
//     and ETags (the flat container's index.json, registration, search)
//   - protocoltest: a whole server on a temporary directory, for tests
//
// It imports feed, auth, nuget, web and its own subpackages; nothing below it
// but web (the people-facing pages) imports net/http.
package protocol
