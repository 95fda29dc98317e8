package main

import (
	"os"
	"path/filepath"
	"strings"

	"github.com/feedserver/feedserver/nuget/nugettest"
)

// --- broken symbol packages -----------------------------------------------------------
//
// Each is Fixture.Symbols 1.0.0, the id and version of good/Fixture.Symbols.1.0.0.nupkg,
// so that once that package is pushed, each refusal has exactly one cause. They live in
// their own folder: scripts/e2e/30-nuget-push.sh pushes every file of bad/ as a .nupkg.

// symbolsPDBID is the PDB id of make-fixture-pdb's PDB.
var symbolsPDBID = [20]byte{0xF6, 0x72, 0x7B, 0x49, 0x0A, 0x39, 0xFC, 0x44, 0x87, 0x8E, 0x5A, 0x2D, 0x63, 0xB6, 0xCC, 0x4B, 0x01, 0x02, 0x03, 0x04}

const symbolsContentTypes = `<?xml version="1.0" encoding="utf-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml" /><Default Extension="pdb" ContentType="application/octet" /><Default Extension="nuspec" ContentType="application/octet" /></Types>`

const symbolsRels = `<?xml version="1.0" encoding="utf-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Type="http://schemas.microsoft.com/packaging/2010/07/manifest" Target="/Fixture.Symbols.nuspec" Id="R1" /></Relationships>`

// symbolsPkg lays out a symbol package as NuGet.exe 5.8 does, with the given nuspec and
// other entries.
func symbolsPkg(nuspec string, files ...entry) []entry {
	es := []entry{
		{name: "_rels/.rels", data: []byte(symbolsRels)},
		{name: "Fixture.Symbols.nuspec", data: []byte(nuspec)},
	}
	es = append(es, files...)
	return append(es, entry{name: "[Content_Types].xml", data: []byte(symbolsContentTypes)})
}

func writeBadSymbols(dir string) error {
	if err := emptyFolder(dir, "*.snupkg"); err != nil {
		return err
	}

	good := nugettest.SymbolsNuspec("Fixture.Symbols", "1.0.0")
	pdb := nugettest.PortablePDB(symbolsPDBID)
	pdbEntry := entry{name: "lib/net45/Fixture.Symbols.pdb", data: pdb}
	windows := append([]byte("Microsoft C/C++ MSF 7.00\r\n\x1aDS\x00\x00\x00"), make([]byte, 4096)...)
	zips := map[string][]entry{
		// Valid, but for an id and version no package has: nuget.org answers 404.
		"no-such-package.snupkg": {
			{name: "Fixture.NoSuchPackage.nuspec", data: []byte(nugettest.SymbolsNuspec("Fixture.NoSuchPackage", "1.0.0"))},
			{name: "lib/net45/Fixture.NoSuchPackage.pdb", data: pdb},
		},
		"windows-pdb.snupkg":      symbolsPkg(good, entry{name: "lib/net45/Fixture.Symbols.pdb", data: windows}),
		"not-a-pdb.snupkg":        symbolsPkg(good, entry{name: "lib/net45/Fixture.Symbols.pdb", data: []byte("this is text, not a PDB\n")}),
		"truncated-pdb.snupkg":    symbolsPkg(good, entry{name: "lib/net45/Fixture.Symbols.pdb", data: pdb[:150]}),
		"with-dll.snupkg":         symbolsPkg(good, pdbEntry, entry{name: "lib/net45/Fixture.Symbols.dll", data: []byte("not a real assembly\n")}),
		"no-pdb.snupkg":           symbolsPkg(good),
		"no-package-type.snupkg":  symbolsPkg(strings.Replace(good, `<packageTypes><packageType name="SymbolsPackage" /></packageTypes>`, "", 1), pdbEntry),
		"dependency-type.snupkg":  symbolsPkg(strings.Replace(good, `name="SymbolsPackage"`, `name="Dependency"`, 1), pdbEntry),
		"with-authors.snupkg":     symbolsPkg(strings.Replace(good, "<description>", "<authors>someone</authors><description>", 1), pdbEntry),
		"two-pdbs-one-key.snupkg": symbolsPkg(good, pdbEntry, entry{name: "lib/netstandard2.0/Fixture.Symbols.pdb", data: append(pdb[:len(pdb):len(pdb)], 0, 0, 0, 0)}),
		"zip-slip.snupkg":         symbolsPkg(good, pdbEntry, entry{name: "../../evil.pdb", data: pdb}),
	}
	for name, es := range zips {
		if err := writeZip(filepath.Join(dir, name), es); err != nil {
			return err
		}
	}
	return os.WriteFile(filepath.Join(dir, "not-a-zip.snupkg"), []byte("this is plain text, not a zip archive\n"), 0o644)
}
