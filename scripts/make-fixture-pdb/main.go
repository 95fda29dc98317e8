// Command make-fixture-pdb writes the Portable PDB that fixtures/src/symbols packs into
// Fixture.Symbols.1.0.0.snupkg: no compiler installable here writes portable PDBs, so it
// is the smallest one the specification allows, from nuget/nugettest.PortablePDB.
//
// Its PDB id is the GUID of the SSQP key conventions' Portable-Pdb-Signature example
// (dotnet/symstore docs/specs/SSQP_Key_Conventions.md) and the stamp 0x04030201, so the
// file's symbol server key is
// fixture.symbols.pdb/497b72f6390a44fc878e5a2d63b6cc4bFFFFFFFF/fixture.symbols.pdb.
// The bytes are the same on every run. scripts/make-fixtures runs it before packing.
package main

import (
	"flag"
	"log"
	"os"
	"path/filepath"

	"github.com/feedserver/feedserver/nuget/nugettest"
)

// FixtureID is the PDB id written, as stored in the file.
var FixtureID = [20]byte{0xF6, 0x72, 0x7B, 0x49, 0x0A, 0x39, 0xFC, 0x44, 0x87, 0x8E, 0x5A, 0x2D, 0x63, 0xB6, 0xCC, 0x4B, 0x01, 0x02, 0x03, 0x04}

func main() {
	out := flag.String("o", "fixtures/src/symbols/lib/net45/Fixture.Symbols.pdb", "where to write the PDB")
	flag.Parse()
	if err := os.MkdirAll(filepath.Dir(*out), 0o755); err != nil {
		log.Fatalf("make-fixture-pdb: %v", err)
	}
	if err := os.WriteFile(*out, nugettest.PortablePDB(FixtureID), 0o644); err != nil {
		log.Fatalf("make-fixture-pdb: %v", err)
	}
}
