package nuget

import (
	"errors"
	"strings"
	"testing"
)

// nuspec builds a small nuspec with the given <metadata> body.
func nuspec(metadata string) string {
	return `<?xml version="1.0" encoding="utf-8"?>
<package xmlns="http://schemas.microsoft.com/packaging/2013/05/nuspec.xsd">
  <metadata>` + metadata + `</metadata>
</package>`
}

const okMetadata = `<id>Ok.Package</id><version>1.0.0</version><authors>A</authors><description>D</description>`

func TestParseManifestNamespaces(t *testing.T) {
	// ManifestSchemaUtility and NuspecCoreReaderBase: every schema URI reads the same.
	uris := []string{
		"",
		"http://schemas.microsoft.com/packaging/2010/07/nuspec.xsd",
		"http://schemas.microsoft.com/packaging/2011/08/nuspec.xsd",
		"http://schemas.microsoft.com/packaging/2011/10/nuspec.xsd",
		"http://schemas.microsoft.com/packaging/2012/06/nuspec.xsd",
		"http://schemas.microsoft.com/packaging/2013/01/nuspec.xsd",
		"http://schemas.microsoft.com/packaging/2013/05/nuspec.xsd",
		"http://schemas.microsoft.com/packaging/2016/06/nuspec.xsd",
		"urn:something-else",
	}
	for _, uri := range uris {
		t.Run(uri, func(t *testing.T) {
			ns := ""
			if uri != "" {
				ns = ` xmlns="` + uri + `"`
			}
			doc := `<package` + ns + `><metadata>` + okMetadata + `</metadata></package>`
			m, err := ParseManifest(strings.NewReader(doc))
			if err != nil {
				t.Fatalf("ParseManifest: %v", err)
			}
			if m.ID != "Ok.Package" || m.Version.String() != "1.0.0" {
				t.Errorf("got id %q version %q", m.ID, m.Version)
			}
			if err := m.Validate(); err != nil {
				t.Errorf("Validate: %v", err)
			}
		})
	}
}

func TestParseManifestRefuses(t *testing.T) {
	tests := []struct {
		name, doc, want string
	}{
		{"empty", "", "the nuspec is empty"},
		{"BOM only", "\xef\xbb\xbf \n", "the nuspec is empty"},
		{"malformed XML", `<package><metadata><id>x</id></package>`, "the nuspec is not well-formed XML"},
		{"unclosed", `<package><metadata>`, "the nuspec is not well-formed XML"},
		{"not XML", `{"id":"x"}`, "the nuspec has no <package> root element"},
		{"wrong root", `<project><metadata/></project>`, "the nuspec has no <package> root element"},
		{"no metadata", `<package><files/></package>`, "the nuspec has no <metadata> element"},
		{"doctype", `<?xml version="1.0"?><!DOCTYPE package [<!ENTITY a "aaaa">]><package><metadata>` + okMetadata + `</metadata></package>`,
			"the nuspec may not contain a DTD or entity declarations"},
		{"entity only", `<!ENTITY x "y"><package/>`, "may not contain a DTD or entity declarations"},
		{"lower-case doctype", `<!doctype package><package/>`, "may not contain a DTD"},
		{"undefined entity", nuspec(`<id>&bomb;</id>`), "not well-formed XML"},
		{"bad id", nuspec(`<id>a b</id><version>1.0</version>`), `the package id "a b" is not valid`},
		{"long id", nuspec(`<id>` + strings.Repeat("x", 101) + `</id>`), "the package id is 101 characters long; the limit is 100"},
		{"bad version", nuspec(`<id>A</id><version>1.0.0.0.0</version>`), `the version "1.0.0.0.0" is not valid: it has 5 numeric parts`},
		{"token version", nuspec(`<id>A</id><version>$version$</version>`), `the version "$version$" is not valid`},
		{"bad dependency id", nuspec(okMetadata + `<dependencies><dependency id="bad id" version="1.0"/></dependencies>`),
			`the dependency id "bad id" is not valid`},
		{"missing dependency id", nuspec(okMetadata + `<dependencies><group><dependency version="1.0"/></group></dependencies>`),
			"the dependency id is missing"},
		{"bad dependency range", nuspec(okMetadata + `<dependencies><dependency id="Dep" version="(1.0)"/></dependencies>`),
			`the version range of dependency Dep "(1.0)" is not valid: an exact version is written [1.0]`},
		{"floating dependency", nuspec(okMetadata + `<dependencies><group targetFramework="net8.0"><dependency id="Dep" version="1.*"/></group></dependencies>`),
			"floating versions such as 1.* are not allowed"},
		{"too large", nuspec(okMetadata + `<description>` + strings.Repeat("x", DefaultMaxNuspecBytes) + `</description>`),
			"the nuspec is larger than 1 MiB"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := ParseManifest(strings.NewReader(tt.doc))
			if err == nil {
				t.Fatalf("ParseManifest succeeded with %+v, want an error", m)
			}
			if !errors.Is(err, ErrInvalidPackage) {
				t.Errorf("error %v does not match ErrInvalidPackage", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not contain %q", err, tt.want)
			}
		})
	}
}

func TestManifestValidate(t *testing.T) {
	tests := []struct {
		name, metadata, want string // want "" means valid
	}{
		{"complete", okMetadata, ""},
		// NuGet.exe pack (PackageBuilder) requires id, version, description and authors.
		{"no id", `<version>1.0.0</version><authors>A</authors><description>D</description>`, "the package id is missing"},
		{"no version", `<id>A</id><authors>A</authors><description>D</description>`, "the version is missing"},
		{"no description", `<id>A</id><version>1.0.0</version><authors>A</authors>`, "the description is missing"},
		{"blank description", `<id>A</id><version>1.0.0</version><authors>A</authors><description>  </description>`, "the description is missing"},
		{"no authors", `<id>A</id><version>1.0.0</version><description>D</description>`, "the authors are missing"},
		{"only commas in authors", `<id>A</id><version>1.0.0</version><authors> , ,</authors><description>D</description>`, "the authors are missing"},
		// nuget.org caps the version string at 64 characters.
		{"long version", `<id>A</id><version>1.0.0-` + strings.Repeat("a", 60) + `</version><authors>A</authors><description>D</description>`,
			"the version is 66 characters long; the limit is 64"},
		// NuspecReader.GetMinClientVersion parses it as a NuGetVersion.
		{"bad minClientVersion", `<id>A</id><version>1.0.0</version><authors>A</authors><description>D</description>`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := ParseManifest(strings.NewReader(nuspec(tt.metadata)))
			if err != nil {
				t.Fatalf("ParseManifest: %v", err)
			}
			err = m.Validate()
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("Validate() = %v, want nil", err)
			case tt.want != "" && err == nil:
				t.Errorf("Validate() = nil, want an error containing %q", tt.want)
			case tt.want != "" && !strings.Contains(err.Error(), tt.want):
				t.Errorf("Validate() = %q, want it to contain %q", err, tt.want)
			case err != nil && !errors.Is(err, ErrInvalidPackage):
				t.Errorf("Validate() error %v does not match ErrInvalidPackage", err)
			}
		})
	}

	doc := `<package><metadata minClientVersion="five">` + okMetadata + `</metadata></package>`
	m, err := ParseManifest(strings.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Validate(); err == nil || !strings.Contains(err.Error(), `the minClientVersion "five" is not valid`) {
		t.Errorf("Validate() with minClientVersion=five = %v", err)
	}
}

func TestParseManifestDetails(t *testing.T) {
	doc := nuspec(`<id> Spaced.Id </id><version> 1.0.0 </version><authors>A</authors><description>D</description>
		<requireLicenseAcceptance>yes</requireLicenseAcceptance>
		<serviceable>True</serviceable>
		<dependencies><dependency id="Flat" version="1.0"/><group targetFramework="net8.0"/></dependencies>`)
	m, err := ParseManifest(strings.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	if m.ID != "Spaced.Id" || m.Version.Original() != "1.0.0" {
		t.Errorf("values are not trimmed: id %q version %q", m.ID, m.Version.Original())
	}
	// NuspecReader: only "true" (any case) is true.
	if m.RequireLicenseAcceptance || !m.Serviceable {
		t.Errorf("booleans: requireLicenseAcceptance=%v serviceable=%v", m.RequireLicenseAcceptance, m.Serviceable)
	}
	// NuspecReader.GetDependencyGroups: groups win over flat dependencies, empty groups kept.
	if len(m.DependencyGroups) != 1 || m.DependencyGroups[0].TargetFramework != "net8.0" || len(m.DependencyGroups[0].Dependencies) != 0 {
		t.Errorf("dependency groups = %+v, want one empty net8.0 group", m.DependencyGroups)
	}

	// An empty <dependencies/> gives no group at all.
	m, err = ParseManifest(strings.NewReader(nuspec(okMetadata + `<dependencies/>`)))
	if err != nil {
		t.Fatal(err)
	}
	if m.DependencyGroups != nil {
		t.Errorf("empty <dependencies/> gave groups %+v", m.DependencyGroups)
	}
}

func TestManifestIsSemVer2(t *testing.T) {
	tests := []struct {
		name, metadata string
		want           bool
	}{
		{"plain", okMetadata, false},
		{"prerelease", `<id>A</id><version>1.0.0-beta</version>`, false},
		{"dotted prerelease", `<id>A</id><version>1.0.0-beta.1</version>`, true},
		{"metadata", `<id>A</id><version>1.0.0+sha.1</version>`, true},
		// docs/concepts/Package-Versioning.md: a SemVer2 dependency bound makes the package SemVer2.
		{"semver2 dependency", okMetadata + `<dependencies><group><dependency id="B" version="[1.0.0-rc.1, )"/></group></dependencies>`, true},
		{"semver1 dependency", okMetadata + `<dependencies><dependency id="B" version="1.0.0-rc1"/></dependencies>`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := ParseManifest(strings.NewReader(nuspec(tt.metadata)))
			if err != nil {
				t.Fatal(err)
			}
			if got := m.IsSemVer2(); got != tt.want {
				t.Errorf("IsSemVer2() = %v, want %v", got, tt.want)
			}
		})
	}
}
