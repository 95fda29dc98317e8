// Command make-fixtures-bad writes the fixtures that NuGet.exe cannot make:
//
//   - derived good packages in fixtures/good: copies of a NuGet.exe-packed package whose
//     nuspec is rewritten to use a namespace or an element NuGet.exe 5.8 pack never writes
//     (it picks the namespace itself, and it rejects <readme>);
//   - broken packages in fixtures/bad, built from scratch with archive/zip so that the
//     bytes are the same on every run;
//   - broken symbol packages (.snupkg) in fixtures/bad-symbols, likewise.
//
// It is run by scripts/make-fixtures; the output is committed.
//
// # Imports
//
// nuget/nugettest for its portable PDBs and symbol package nuspec.
//
//	may import: std, nuget/nugettest
package main
