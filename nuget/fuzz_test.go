package nuget

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
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
