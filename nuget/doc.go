// Package nuget is the vocabulary every other package speaks: package ids,
// NuGet versions (parse, normalise, compare, SemVer2), version ranges, the
// .nuspec manifest, reading a .nupkg without inflating its payload, the
// readme, icon and licence file a nuspec names (ReadEmbeddedFiles), symbol
// packages (.snupkg) and the Portable PDBs in them with their symbol server
// keys and checksums, deprecations, and Octopus-style archive file names
// (MyApp.Web.1.0.0.zip).
//
// The rules follow NuGet.Client (NuGet.Versioning, NuGet.Packaging) and
// nuget.org; each quirk names the client or server it copies.
//
// Every refusal wraps ErrInvalidPackage and reads as a sentence a user can
// act on; field-level refusals are *FieldError. The one parser of a request
// rather than a package, ParseSymbolChecksumHeader, wraps ErrSymbolChecksum.
//
// # Imports
//
// The standard library and etree only: it parses untrusted bytes handed to
// it as an io.ReaderAt, so it opens no file and uses no unsafe, and it
// knows nothing of HTTP, storage, the catalogue or the feed.
//
//	may import:    std, github.com/beevik/etree
//	must not:      net/http/..., os/..., syscall, unsafe
//	never reaches: net/http
package nuget
