// Command make-fixture-pdb writes the Portable PDB that fixtures/src/symbols packs into
// Fixture.Symbols.1.0.0.snupkg: no compiler installable here writes portable PDBs, so it
// is the smallest one the specification allows, from nuget/nugettest.PortablePDB.
//
// Its PDB id is the GUID of the SSQP key conventions' Portable-Pdb-Signature example
// (dotnet/symstore docs/specs/SSQP_Key_Conventions.md) and the stamp 0x04030201, so the
// file's symbol server key is
// fixture.symbols.pdb/497b72f6390a44fc878e5a2d63b6cc4bFFFFFFFF/fixture.symbols.pdb.
// The bytes are the same on every run. scripts/make-fixtures runs it before packing.
//
// # Imports
//
//	may import: std, nuget/nugettest
package main
