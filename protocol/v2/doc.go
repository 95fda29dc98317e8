// Package v2 is the NuGet v2 OData (Atom) feed at /api/v2/ (and /nuget/):
// the service document, $metadata, Packages and Packages(Id='…',Version='…'),
// FindPackagesById(), Search() and GetUpdates(), each collection with /$count
// and next-page links, plus the v2 autocomplete (package-ids,
// package-versions) and the download URL its entries link to
// (GET /api/v2/package/{id}/{version}). NuGet.exe and dotnet restore use FindPackagesById() on a
// v2 source; nuget list, Visual Studio, NuGet 2.x, Chocolatey and
// PowerShellGet use the rest.
//
// Query options are parsed by a small tokenizer and recursive-descent parser
// into an expression tree evaluated per package version ($filter, $orderby);
// what it does not support is a 400 naming the construct, never ignored.
// Feeds are written by hand, not with encoding/xml, for speed and for the
// self-closing <content/> some clients need.
//
// Handlers return their errors, which the NuGet family's adapter answers
// (protocol/nugethttp); an unsupported query is one of them, a 400.
//
// # Imports
//
// protocol/nugethttp for the NuGet family's read check, cache policy and
// error table; index only for the types feed hands out (index.Entry,
// index.Query). Never another protocol package.
//
//	may import: std, feed, index, nuget, protocol/httpx, protocol/nugethttp, github.com/gorilla/mux
package v2
