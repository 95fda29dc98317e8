package nuget

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"crypto/sha512"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/feedserver/feedserver/nuget/nugettest"
)

// Each fuzz target also runs as a normal test over its seeds.

func FuzzParseVersion(f *testing.F) {
	for _, s := range []string{
		"1", "1.0", "1.0.0", "1.0.0.0", "1.2.3.4", "01.02.003", "1.0.0-beta", "1.0.0-Beta.1",
		"1.0.0-rc.1+build.5", "1.0.0+meta", "  1 . 2  ", "1.0.0-0", "0.1.2--B2.-.C.-A0-",
		"2147483647.0", "1.2.3.4.5", "1.0.0-", "1.0.0-01", "$version$", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := ParseVersion(s)
		if err != nil {
			if !errors.Is(err, ErrInvalidPackage) {
				t.Fatalf("ParseVersion(%q) error %v does not match ErrInvalidPackage", s, err)
			}
			return
		}
		for _, form := range []string{v.String(), v.Full(), v.Lower(), v.Original()} {
			back, err := ParseVersion(form)
			if err != nil {
				t.Fatalf("ParseVersion(%q) = %q, but %q does not parse: %v", s, v.Full(), form, err)
			}
			if !back.Equal(v) || CompareVersions(back, v) != 0 || back.String() != v.String() && form != v.Lower() {
				t.Fatalf("ParseVersion(%q) = %q, but %q parses to %q", s, v.Full(), form, back.Full())
			}
		}
		if CompareVersions(v, v) != 0 {
			t.Fatalf("CompareVersions(%q, itself) != 0", v)
		}
	})
}

func FuzzParseVersionRange(f *testing.F) {
	for _, s := range []string{
		"", "1.0", "[1.0]", "(,1.0]", "(,1.0)", "[1.0,2.0)", "(1.0,2.0)", "(1.0,)", "(, )",
		"   [  1 .2   , 2  .3   ]  ", "[1.0.0-beta.1+meta, 2.0.0-rc)", "(1.0)", "[2.0,1.0]", "1.*", "(,)", "[1.0, 1.0)",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseVersionRange(s)
		if err != nil {
			if !errors.Is(err, ErrInvalidPackage) {
				t.Fatalf("ParseVersionRange(%q) error %v does not match ErrInvalidPackage", s, err)
			}
			return
		}
		back, err := ParseVersionRange(r.String())
		if err != nil {
			t.Fatalf("ParseVersionRange(%q) = %q, which does not parse: %v", s, r, err)
		}
		if back.String() != r.String() || back.MinInclusive != r.MinInclusive || back.MaxInclusive != r.MaxInclusive ||
			!sameBound(back.Min, r.Min) || !sameBound(back.Max, r.Max) {
			t.Fatalf("ParseVersionRange(%q) = %q, which reparses as %q", s, r, back)
		}
		if r.Min != nil && r.MinInclusive && !r.Contains(*r.Min) {
			t.Fatalf("%q does not contain its inclusive minimum", r)
		}
		if r.Max != nil && r.MaxInclusive && !r.Contains(*r.Max) {
			t.Fatalf("%q does not contain its inclusive maximum", r)
		}
	})
}

func sameBound(a, b *Version) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Equal(*b)
}

func FuzzParseManifest(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.nuspec")
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(okNuspec))
	f.Add([]byte(`<!DOCTYPE x><package/>`))
	f.Add([]byte(`<package><metadata><dependencies><group/></dependencies></metadata></package>`))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := ParseManifest(bytes.NewReader(b))
		if err != nil {
			if !errors.Is(err, ErrInvalidPackage) {
				t.Fatalf("error %v does not match ErrInvalidPackage", err)
			}
			return
		}
		m.IsSemVer2()
		if err := m.Validate(); err != nil && !errors.Is(err, ErrInvalidPackage) {
			t.Fatalf("Validate error %v does not match ErrInvalidPackage", err)
		}
	})
}

func FuzzReadPackage(f *testing.F) {
	f.Add(buildZip(f, zipEntry{"a.nuspec", okNuspec}, zipEntry{"lib/a.dll", "MZ"}))
	f.Add(buildZip(f, zipEntry{"a.nuspec", okNuspec}, zipEntry{"b.nuspec", okNuspec}))
	f.Add(buildZip(f, zipEntry{"lib/a.nuspec", okNuspec}))
	f.Add(buildZip(f))
	f.Add([]byte("PK\x03\x04"))
	// Real packages, good and deliberately broken, when the fixtures exist.
	filepath.WalkDir("../fixtures", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.EqualFold(filepath.Ext(path), ".nupkg") {
			return nil
		}
		if b, err := os.ReadFile(path); err == nil {
			f.Add(b)
		}
		return nil
	})
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := ReadPackage(bytes.NewReader(b), int64(len(b)), Limits{MaxNuspecBytes: 64 << 10})
		if err != nil {
			if !errors.Is(err, ErrInvalidPackage) {
				t.Fatalf("error %v does not match ErrInvalidPackage", err)
			}
			return
		}
		if p.Manifest == nil || len(p.Nuspec) > 64<<10 || strings.ContainsAny(p.NuspecName, `/\`) {
			t.Fatalf("accepted package %+v breaks ReadPackage's promises", p)
		}
		if err := p.Manifest.Validate(); err != nil {
			t.Fatalf("accepted package fails Validate: %v", err)
		}
	})
}

func FuzzParseArchiveName(f *testing.F) {
	for _, s := range []string{
		"MyApp.Website.1.1.0.zip", "MyApp.1.0.0-beta.1.tar.gz", "MyApp.2016.09.01-beta.0001.zip",
		"My_App.1.0.0+build.5.zip", "Acme.Web.1.2.3.4.5.zip", "MyApp-1.0.0.zip", `C:\x\MyApp.1.0.0.ZIP`,
		"Café.1.0.0.tar.Z", "x.zip", "MyApp.1.0.0.exe", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		a, err := ParseArchiveName(name)
		if err != nil {
			if !errors.Is(err, ErrInvalidPackage) {
				t.Fatalf("error %v does not match ErrInvalidPackage", err)
			}
			return
		}
		if _, err := ParseID(string(a.ID)); err != nil {
			t.Fatalf("ParseArchiveName(%q) gave an invalid id: %v", name, err)
		}
		if !IsKnownArchiveExtension(a.Extension) {
			t.Fatalf("ParseArchiveName(%q) gave unknown extension %q", name, a.Extension)
		}
		// The parts put back together are the base name.
		if want := string(a.ID) + "." + a.Version.Original() + a.Extension; !strings.HasSuffix(name, want) {
			t.Fatalf("ParseArchiveName(%q) = %q + %q + %q", name, a.ID, a.Version.Original(), a.Extension)
		}
		if _, err := ParseVersion(a.Version.String()); err != nil && !a.Version.IsPrerelease() {
			t.Fatalf("ParseArchiveName(%q): stable version %q does not parse strictly: %v", name, a.Version, err)
		}
	})
}

func FuzzReadPortablePDB(f *testing.F) {
	good := nugettest.PortablePDB(specID)
	f.Add(good)
	f.Add(good[:150])
	f.Add(append(bytes.Clone(good), make([]byte, 100)...))
	f.Add([]byte(windowsPDBMagic))
	f.Add([]byte("BSJB"))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := readPDBBytes(b)
		if err != nil {
			if !errors.Is(err, ErrInvalidPackage) {
				t.Fatalf("error %v does not match ErrInvalidPackage", err)
			}
			return
		}
		if p.IDOffset < 0 || p.IDOffset+PDBIDSize > int64(len(b)) || !bytes.Equal(p.ID[:], b[p.IDOffset:p.IDOffset+PDBIDSize]) {
			t.Fatalf("id %x at %d does not match the file", p.ID, p.IDOffset)
		}
		sum, err := p.Checksum(bytes.NewReader(b), "SHA256")
		if err != nil {
			t.Fatal(err)
		}
		if want := checksumByHand(b, p.IDOffset, sha256.New()); !bytes.Equal(sum, want) {
			t.Fatalf("checksum %x, want %x", sum, want)
		}
		q, streamed, err := readPDBStreamSHA256(bytes.NewReader(b), int64(len(b)))
		if err != nil || q.ID != p.ID || !bytes.Equal(streamed[:], sum) {
			t.Fatalf("readPDBStream = %+v, %x, %v; ReadPortablePDB found %x, %x", q, streamed, err, p.ID, sum)
		}
		if s384, err := StreamPDBChecksum(bytes.NewReader(b), int64(len(b)), "SHA384"); err != nil || !bytes.Equal(s384, checksumByHand(b, p.IDOffset, sha512.New384())) {
			t.Fatalf("StreamPDBChecksum SHA384 = %x, %v", s384, err)
		}
		if key := SymbolKey("x.pdb", p.ID); len(key) != len("x.pdb/")+32+8+len("/x.pdb") {
			t.Fatalf("SymbolKey = %q", key)
		}
	})
}

// FuzzReadSymbolPackage fuzzes what a symbol package holds: its nuspec and
// two entries, zipped (stored, not deflated) inside the target, so that
// mutations change what the reader sees rather than the zip framing, which
// FuzzReadPackage covers.
func FuzzReadSymbolPackage(f *testing.F) {
	pdb := nugettest.PortablePDB(specID)
	other := nugettest.PortablePDB(PDBID{1, 2, 3})
	nuspec := nugettest.SymbolsNuspec("My.Lib", "1.0.0")
	f.Add(nuspec, "lib/net45/My.Lib.pdb", pdb, "lib/net46/My.Lib.pdb", other)
	f.Add(nuspec, "lib/net45/My.Lib.pdb", pdb, "lib/net46/My.Lib.pdb", pdb)
	f.Add(nuspec, "lib/net45/My.Lib.pdb", pdb, "[Content_Types].xml", []byte("<Types/>"))
	f.Add(nuspec, "lib/net45/My.Lib.pdb", pdb, "lib/net45/My.Lib.dll", []byte("MZ"))
	f.Add(nuspec, "../evil.pdb", pdb, "LIB/net45/My.Lib.pdb", pdb)
	f.Add(strings.Replace(nuspec, "SymbolsPackage", "Dependency", 1), "x.pdb", pdb[:150], "y.pdb", []byte(windowsPDBMagic))
	f.Fuzz(func(t *testing.T, nuspec, name1 string, data1 []byte, name2 string, data2 []byte) {
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		for _, e := range []struct {
			name string
			data []byte
		}{{"My.Lib.nuspec", []byte(nuspec)}, {name1, data1}, {name2, data2}} {
			w, err := zw.CreateHeader(&zip.FileHeader{Name: e.name, Method: zip.Store})
			if err != nil {
				return
			}
			w.Write(e.data)
		}
		if zw.Close() != nil {
			return
		}
		s, err := readSymbolsBytes(buf.Bytes(), SymbolLimits{MaxNuspecBytes: 64 << 10, MaxPDBBytes: 1 << 20})
		if err != nil {
			if !errors.Is(err, ErrInvalidPackage) {
				t.Fatalf("error %v does not match ErrInvalidPackage", err)
			}
			return
		}
		if err := validateSymbolsManifest(s.Manifest); err != nil || len(s.PDBs) == 0 {
			t.Fatalf("accepted %+v: %v", s, err)
		}
		keys := map[string]bool{}
		for _, p := range s.PDBs {
			k := strings.ToLower(p.Key)
			if keys[k] || p.Key != SymbolKey(p.Path, p.ID) || !strings.HasSuffix(p.Path, ".pdb") || unsafeEntryName(p.Path) {
				t.Fatalf("accepted PDB %+v", p)
			}
			keys[k] = true
		}
	})
}

func FuzzParseSymbolChecksumHeader(f *testing.F) {
	for _, s := range []string{
		"", "SHA256:" + strings.Repeat("ab", 32), "sha384:" + strings.Repeat("AB", 48) + ";SHA512:" + strings.Repeat("01", 64),
		"MD5:00", "test;hello", "SHA256:zz", ";;;", "SHA256:" + strings.Repeat("ab", 31),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseSymbolChecksumHeader(s)
		if err != nil {
			if !errors.Is(err, ErrSymbolChecksum) {
				t.Fatalf("error %v does not match ErrSymbolChecksum", err)
			}
			return
		}
		for _, c := range got {
			if pdbChecksumSizes[c.Algorithm] != len(c.Checksum) {
				t.Fatalf("entry %s with %d bytes", c.Algorithm, len(c.Checksum))
			}
		}
	})
}

// FuzzReadEmbeddedFiles fuzzes the paths a nuspec names and two entries of
// the package, zipped inside the target (see FuzzReadSymbolPackage).
func FuzzReadEmbeddedFiles(f *testing.F) {
	f.Add("README.md", "icon.png", "LICENSE.txt", "README.md", []byte("# Hi\n"), "icon.png", png1x1)
	f.Add(`docs\README.md`, "", "LICENSE", "docs/README.md", []byte("text"), "LICENSE", []byte("MIT"))
	f.Add("readme.md", "images/icon.jpg", "", "README.md", []byte("x"), "images/icon.jpg", jpeg)
	f.Add("./a%20b.md", "../icon.png", "C:/LICENSE.md", "a%20b.md", []byte("\x00"), "icon.png", gif)
	f.Fuzz(func(t *testing.T, readme, icon, license, name1 string, data1 []byte, name2 string, data2 []byte) {
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		for _, e := range []struct {
			name string
			data []byte
		}{{name1, data1}, {name2, data2}} {
			w, err := zw.CreateHeader(&zip.FileHeader{Name: e.name, Method: zip.Store})
			if err != nil {
				return
			}
			w.Write(e.data)
		}
		if zw.Close() != nil {
			return
		}
		m := &Manifest{Readme: readme, Icon: icon}
		if license != "" {
			m.License = &License{Type: "file", Text: license}
		}
		got, err := ReadEmbeddedFiles(bytes.NewReader(buf.Bytes()), int64(buf.Len()), m)
		if err != nil {
			if !errors.Is(err, ErrInvalidPackage) {
				t.Fatalf("error %v does not match ErrInvalidPackage", err)
			}
			return
		}
		for _, c := range []struct {
			named string
			f     *EmbeddedFile
		}{{readme, got.Readme}, {icon, got.Icon}, {license, got.License}} {
			switch {
			case c.named == "" && c.f != nil:
				t.Fatalf("found %+v that the nuspec does not name", c.f)
			case c.named == "":
			case c.f == nil || c.f.ContentType == "" || len(c.f.Data) > MaxEmbeddedFileBytes:
				t.Fatalf("%q: found %+v", c.named, c.f)
			case c.f != got.Icon && !looksLikeText(c.f.Data):
				t.Fatalf("%q: text file with control bytes", c.named)
			case c.f == got.Icon && !bytes.HasPrefix(c.f.Data, pngSignature) && !bytes.HasPrefix(c.f.Data, jpegSignature):
				t.Fatalf("%q: icon that is no image", c.named)
			}
		}
	})
}

func FuzzNewDeprecation(f *testing.F) {
	f.Add("Legacy,CriticalBugs", "a message", "New.Lib", "2.0.0")
	f.Add("other", "", "", "")
	f.Add("Other,Obsolete", "x", "Bad Id!", "1.0")
	f.Add("legacy", "\xff", "", "1.0.0")
	f.Fuzz(func(t *testing.T, reasons, message, altID, altVersion string) {
		d, err := NewDeprecation(strings.Split(reasons, ","), message, altID, altVersion)
		if err != nil {
			if !errors.Is(err, ErrInvalidPackage) {
				t.Fatalf("error %v does not match ErrInvalidPackage", err)
			}
			return
		}
		if err := d.Check(); err != nil {
			t.Fatalf("NewDeprecation made %+v, which Check refuses: %v", d, err)
		}
		if a := d.AlternatePackage; a != nil && a.Range() != "*" && !strings.HasPrefix(a.Range(), "[") {
			t.Fatalf("range %q", a.Range())
		}
	})
}
