// Package nuget is the vocabulary every other package speaks: package ids,
// NuGet versions (parse, normalise, compare, SemVer2), version ranges, the
// .nuspec manifest, reading a .nupkg without inflating its payload, and
// Octopus-style archive file names (MyApp.Web.1.0.0.zip).
//
// The rules follow NuGet.Client (NuGet.Versioning, NuGet.Packaging) and
// nuget.org; each quirk names the client or server it copies.
//
// Every refusal wraps ErrInvalidPackage and reads as a sentence a user can
// act on; field-level refusals are *FieldError.
//
// This package imports only the standard library and github.com/beevik/etree.
// It must not import net/http, storage, index, feed or protocol.
package nuget
