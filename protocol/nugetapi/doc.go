// Package nugetapi is the NuGet wire protocol's push and package-content half:
// push, delete and relist on the publish URLs (/api/v2/package,
// /nuget/packages, /{spaceId}/nuget/packages), the v3 service index, the flat
// container (PackageBaseAddress/3.0.0) and the v2 package download. Handlers
// are methods of Handler that return their errors; protocol's route table
// wires them to paths through the NuGet family's adapters (protocol/nugethttp),
// which answer the errors.
//
// It imports feed, auth, index, nuget, protocol/httpx, protocol/document and
// protocol/nugethttp; never another protocol package.
package nugetapi
