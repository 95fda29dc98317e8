// Package nugettest builds small .nupkg files in memory for tests of the
// packages above nuget, and what goes with them: portable PDBs and symbol
// packages (.snupkg), and the push body of NuGet 2.8.7.
//
// # Imports
//
// The standard library only. Besides tests, the fixture generators use it
// for the portable PDBs and symbol packages they write.
//
//	may import:  std
//	imported by: tests, scripts/make-fixtures-bad, scripts/make-fixture-pdb
package nugettest
