// Package nugettest builds small .nupkg files in memory for tests of the
// packages above nuget, and what goes with them: portable PDBs and symbol
// packages (.snupkg), and the push body of NuGet 2.8.7. It imports only the
// standard library.
package nugettest
