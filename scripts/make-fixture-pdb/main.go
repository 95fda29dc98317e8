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
