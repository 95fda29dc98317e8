// Package publish is NuGet's publish resource (PackagePublish/2.0.0 in the
// service index): push, delete and relist on the publish URLs nuget.org and
// Octopus use (/api/v2/package, /nuget/packages, /{spaceId}/nuget/packages),
// and the symbol package push (SymbolPackagePublish/4.9.0, /api/v2/symbolpackage).
// Handlers are methods of Handler that return their errors; protocol's route
// table wires them to paths through the NuGet family's Publish adapter
// (protocol/nugethttp), which answers them.
//
// # Imports
//
// protocol/nugethttp for the NuGet family's error adapter; index only for
// the types feed hands out (index.Kind). Never another protocol package.
//
//	may import: std, auth, feed, index, protocol/httpx, protocol/nugethttp
package publish
