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
// It imports feed, auth, nuget, web and its own subpackages; nothing below it
// but web (the people-facing pages) imports net/http.
package protocol
