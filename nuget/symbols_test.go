package nuget

import (
	"bytes"
	"crypto/sha256"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/feedserver/feedserver/nuget/nugettest"
)

func readSymbolsBytes(b []byte, lim SymbolLimits) (*SymbolPackage, error) {
	return ReadSymbolPackage(bytes.NewReader(b), int64(len(b)), lim)
}

// The .snupkg NuGet.exe 5.8 packed (fixtures/README.md) reads as the key
// the SSQP conventions give for its PDB id.
func TestReadSymbolPackageNuGetExe(t *testing.T) {
	b, err := os.ReadFile("../fixtures/good/Fixture.Symbols.1.0.0.snupkg")
	if err != nil {
		t.Fatal(err)
	}
	s, err := readSymbolsBytes(b, SymbolLimits{})
	if err != nil {
		t.Fatalf("ReadSymbolPackage: %v", err)
	}
	if s.Manifest.ID != "Fixture.Symbols" || s.Manifest.Version.String() != "1.0.0" || s.NuspecName != "Fixture.Symbols.nuspec" {
		t.Errorf("manifest %s %s in %s", s.Manifest.ID, s.Manifest.Version, s.NuspecName)
	}
	if len(s.PDBs) != 1 {
		t.Fatalf("PDBs = %+v, want one", s.PDBs)
	}
	pdb := nugettest.PortablePDB(specID)
	want := SymbolFile{
		Path:     "lib/net45/Fixture.Symbols.pdb",
		Key:      "fixture.symbols.pdb/497b72f6390a44fc878e5a2d63b6cc4bFFFFFFFF/fixture.symbols.pdb",
		ID:       specID,
		Size:     int64(len(pdb)),
		Checksum: [32]byte(checksumByHand(pdb, 0x7C, sha256.New())),
	}
	if s.PDBs[0] != want {
		t.Errorf("PDB = %+v\nwant   %+v", s.PDBs[0], want)
	}
}

// Every broken symbol package is refused with a message naming its fault,
// except the valid one whose package does not exist (the caller's check).
func TestReadSymbolPackageBadFixtures(t *testing.T) {
	want := map[string]string{
		"dependency-type.snupkg":  "must declare the one package type SymbolsPackage",
		"no-package-type.snupkg":  "must declare the one package type SymbolsPackage",
		"no-pdb.snupkg":           "contains no .pdb file",
		"not-a-pdb.snupkg":        `lib/net45/Fixture.Symbols.pdb is not a portable PDB: it does not start with the metadata signature "BSJB"`,
		"not-a-zip.snupkg":        "not a zip archive",
		"truncated-pdb.snupkg":    `"#Pdb" stream lies outside the file`,
		"two-pdbs-one-key.snupkg": "same PDB id and name but different contents",
		"windows-pdb.snupkg":      "is a Windows PDB",
		"with-authors.snupkg":     "may not have <authors>",
		"with-dll.snupkg":         "contains lib/net45/Fixture.Symbols.dll; a symbol package holds .pdb files",
		"zip-slip.snupkg":         "unsafe path",
		"no-such-package.snupkg":  "", // valid: refused by the server for lack of a package
	}
	files, _ := filepath.Glob("../fixtures/bad-symbols/*")
	if len(files) != len(want) {
		t.Fatalf("%d files in fixtures/bad-symbols, %d expected here: %v", len(files), len(want), files)
	}
	for _, file := range files {
		name := filepath.Base(file)
		t.Run(name, func(t *testing.T) {
			b, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			s, err := readSymbolsBytes(b, SymbolLimits{})
			switch {
			case want[name] == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case want[name] == "" && (s.Manifest.ID != "Fixture.NoSuchPackage" || len(s.PDBs) != 1):
				t.Fatalf("read %+v", s)
			case want[name] == "":
			default:
				wantRefusal(t, err, want[name])
			}
		})
	}
}

func TestReadSymbolPackage(t *testing.T) {
	pdbA := nugettest.PortablePDB(specID)
	pdbB := nugettest.PortablePDB(PDBID{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20})
	build := func(files map[string][]byte) []byte {
		return nugettest.SymbolPackage(t, "My.Lib", "2.0.0-beta.1", files)
	}
	// Extra entries a real package may carry, added beside the PDBs.
	withExtra := func(extra map[string][]byte) []byte {
		files := map[string][]byte{"lib/net45/My.Lib.pdb": pdbA}
		for k, v := range extra {
			files[k] = v
		}
		return build(files)
	}
	for _, tc := range []struct {
		name     string
		in       []byte
		lim      SymbolLimits
		wantKeys []string
		wantErr  string
	}{
		{
			name: "two frameworks, two PDBs",
			in:   build(map[string][]byte{"lib/net45/My.Lib.pdb": pdbA, "lib/netstandard2.0/My.Lib.pdb": pdbB}),
			wantKeys: []string{
				"my.lib.pdb/497b72f6390a44fc878e5a2d63b6cc4bFFFFFFFF/my.lib.pdb",
				"my.lib.pdb/0403020106050807090a0b0c0d0e0f10FFFFFFFF/my.lib.pdb",
			},
		},
		{
			name:     "the same PDB in two folders is listed once",
			in:       build(map[string][]byte{"lib/net45/My.Lib.pdb": pdbA, "lib/net46/My.Lib.pdb": pdbA}),
			wantKeys: []string{"my.lib.pdb/497b72f6390a44fc878e5a2d63b6cc4bFFFFFFFF/my.lib.pdb"},
		},
		{
			name:     "a signature and XML docs are allowed",
			in:       withExtra(map[string][]byte{".signature.p7s": []byte("sig"), "lib/net45/My.Lib.xml": []byte("<doc/>")}),
			wantKeys: []string{"my.lib.pdb/497b72f6390a44fc878e5a2d63b6cc4bFFFFFFFF/my.lib.pdb"},
		},
		{
			name: "folder entries are skipped",
			in: buildZip(t, zipEntry{"My.Lib.nuspec", nugettest.SymbolsNuspec("My.Lib", "1.0.0")}, zipEntry{"lib/", ""},
				zipEntry{"lib/net45/", ""}, zipEntry{"lib/net45/My.Lib.pdb", string(pdbA)}),
			wantKeys: []string{"my.lib.pdb/497b72f6390a44fc878e5a2d63b6cc4bFFFFFFFF/my.lib.pdb"},
		},
		{name: "a source file", in: withExtra(map[string][]byte{"src/My.cs": []byte("class C {}")}), wantErr: "contains src/My.cs"},
		{name: "a file without extension", in: withExtra(map[string][]byte{"lib/net45/LICENSE": []byte("MIT")}), wantErr: "has no file extension"},
		{name: "an upper-case extension", in: withExtra(map[string][]byte{"lib/net46/My.Lib.PDB": pdbA}), wantErr: "contains lib/net46/My.Lib.PDB"},
		{name: "paths that differ in case", in: withExtra(map[string][]byte{"LIB/net45/My.Lib.pdb": pdbA}), wantErr: "twice"},
		{name: "paths that differ in slashes", in: withExtra(map[string][]byte{`lib\net45\My.Lib.pdb`: pdbA}), wantErr: "twice"},
		{name: "PDBs over the limit", in: withExtra(map[string][]byte{"lib/net46/My.Lib.pdb": pdbB}), lim: SymbolLimits{MaxPDBBytes: 300}, wantErr: "larger than 300 bytes together"},
		{name: "empty file", in: nil, wantErr: "empty"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := readSymbolsBytes(tc.in, tc.lim)
			if tc.wantErr != "" {
				wantRefusal(t, err, tc.wantErr)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var keys []string
			for _, p := range s.PDBs {
				keys = append(keys, p.Key)
				if p.Key != SymbolKey(p.Path, p.ID) {
					t.Errorf("%s: key %s, id %x", p.Path, p.Key, p.ID)
				}
			}
			if strings.Join(keys, "\n") != strings.Join(tc.wantKeys, "\n") {
				t.Errorf("keys\n%s\nwant\n%s", strings.Join(keys, "\n"), strings.Join(tc.wantKeys, "\n"))
			}
		})
	}
}

// A symbol package's nuspec is read by the same rules as any nuspec, then
// by nuget.org's rules for symbol packages.
func TestValidateSymbolsManifest(t *testing.T) {
	base := nugettest.SymbolsNuspec("My.Lib", "1.0.0")
	for _, tc := range []struct {
		name, nuspec, wantErr string
	}{
		{"as NuGet pack writes it", base, ""},
		{"package type in another case", strings.Replace(base, "SymbolsPackage", "symbolspackage", 1), ""},
		{"two package types", strings.Replace(base, `<packageType name="SymbolsPackage" />`, `<packageType name="SymbolsPackage" /><packageType name="Dependency" />`, 1), "one package type"},
		{"owners", strings.Replace(base, "<description>", "<owners>me</owners><description>", 1), "may not have <owners>"},
		{"authors and owners", strings.Replace(base, "<description>", "<authors>a</authors><owners>me</owners><description>", 1), "<authors> or <owners>"},
		{"no version", strings.Replace(base, "<version>1.0.0</version>", "", 1), "version is missing"},
		{"bad minClientVersion", strings.Replace(base, "<metadata>", `<metadata minClientVersion="x.y">`, 1), "minClientVersion"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := ParseManifest(strings.NewReader(tc.nuspec))
			if err != nil {
				t.Fatal(err)
			}
			err = validateSymbolsManifest(m)
			if tc.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			wantRefusal(t, err, tc.wantErr)
		})
	}
}

func TestEntryPath(t *testing.T) {
	for in, want := range map[string]string{
		"docs/README.md":    "docs/README.md",
		`docs\README.md`:    "docs/README.md",
		"./docs/README.md":  "docs/README.md",
		"/docs/README.md":   "docs/README.md",
		`.\\icon.png`:       "icon.png",
		"README.md":         "README.md",
		"../README.md":      "../README.md",
		"././README.md":     "./README.md", // StripLeadingDirectorySeparators drops one "./"
		"//server/share.md": "server/share.md",
	} {
		if got := entryPath(in); got != want {
			t.Errorf("entryPath(%q) = %q, want %q", in, got, want)
		}
	}
}
