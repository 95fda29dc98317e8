package nuget

import (
	"errors"
	"strings"
	"testing"
)

func TestParseArchiveName(t *testing.T) {
	// docs/protocol/octopus.md §4.2: results of Octopus' lazy id regex, checked against .NET.
	tests := []struct {
		in, id, version, ext string
	}{
		{"MyApp.Website.1.1.0.zip", "MyApp.Website", "1.1.0", ".zip"},
		{"MyApp.1.0.0-beta.1.tar.gz", "MyApp", "1.0.0-beta.1", ".tar.gz"},
		{"MyApp.1.0.0.tar.bz2", "MyApp", "1.0.0", ".tar.bz2"},
		{"MyApp.1.0.0.tgz", "MyApp", "1.0.0", ".tgz"},
		{"MyApp.1.0.0.jar", "MyApp", "1.0.0", ".jar"},
		{"hello-world.1.0.0.zip", "hello-world", "1.0.0", ".zip"},
		// Octopus' SemVerFactory accepts numeric labels with leading zeros; the text is kept.
		{"MyApp.2016.09.01-beta.0001.zip", "MyApp", "2016.09.01-beta.0001", ".zip"},
		{"My_App.1.0.0+build.5.zip", "My_App", "1.0.0+build.5", ".zip"},
		{"Hello.1.0.0-rc.1+sha.abc.war", "Hello", "1.0.0-rc.1+sha.abc", ".war"},
		{"MyApp.1.0.zip", "MyApp", "1.0", ".zip"},
		{"MyApp.1.zip", "MyApp", "1", ".zip"},
		// The lazy id takes the shortest prefix that leaves a valid version.
		{"Acme.Web.1.2.3.4.5.zip", "Acme.Web.1", "2.3.4.5", ".zip"},
		{"MyApp-1.0.0.zip", "MyApp-1", "0.0", ".zip"},
		{"MyApp.v1.0.0.zip", "MyApp.v1", "0.0", ".zip"},
		// Base name on both separators; extensions in any case, kept as written.
		{`C:\builds\out\MyApp.1.0.0.ZIP`, "MyApp", "1.0.0", ".ZIP"},
		{"/tmp/upload/MyApp.1.0.0.nupkg", "MyApp", "1.0.0", ".nupkg"},
		{"MyApp.1.0.0.tar.Z", "MyApp", "1.0.0", ".tar.Z"},
		{"MyApp.1.0.0.tar.bz", "MyApp", "1.0.0", ".tar.bz"},
		{"MyApp.1.0.0.tbz", "MyApp", "1.0.0", ".tbz"},
		{"MyApp.1.0.0.tar", "MyApp", "1.0.0", ".tar"},
		{"MyApp.1.0.0.ear", "MyApp", "1.0.0", ".ear"},
		{"MyApp.1.0.0.rar", "MyApp", "1.0.0", ".rar"},
		{"Café.1.0.0.zip", "Café", "1.0.0", ".zip"}, // .NET \w is Unicode
		{"1.0.0.zip", "1", "0.0", ".zip"},           // digits are \w too
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseArchiveName(tt.in)
			if err != nil {
				t.Fatalf("ParseArchiveName(%q) error: %v", tt.in, err)
			}
			if string(got.ID) != tt.id || got.Version.Original() != tt.version || got.Extension != tt.ext {
				t.Errorf("got %q %q %q, want %q %q %q", got.ID, got.Version.Original(), got.Extension, tt.id, tt.version, tt.ext)
			}
		})
	}
}

func TestParseArchiveNameVersionIdentity(t *testing.T) {
	// Octopus versioning docs: 2016.01.02 == 2016.1.2, 1.0.0.0 == 1.0.0.
	a, err := ParseArchiveName("App.2016.01.02.zip")
	if err != nil {
		t.Fatal(err)
	}
	if !a.Version.Equal(MustParseVersion("2016.1.2")) || a.Version.String() != "2016.1.2" {
		t.Errorf("version %q (%q) is not 2016.1.2", a.Version.Original(), a.Version)
	}
}

func TestParseArchiveNameRefuses(t *testing.T) {
	tests := []struct{ in, want string }{
		{"x.zip", `cannot tell the package id and version from the file name "x.zip": name it <PackageId>.<Version><extension>, for example MyApp.Web.1.0.0.zip`},
		{"MyApp.zip", "cannot tell the package id and version"},
		{"1.zip", "cannot tell the package id and version"},
		{"MyApp.1.0.0-.zip", "cannot tell the package id and version"},
		{"MyApp 1.0.0.zip", "cannot tell the package id and version"},
		{"MyApp.1.0.0.exe", `the file name "MyApp.1.0.0.exe" does not end in a supported extension`},
		{"MyApp.1.0.0", "does not end in a supported extension"},
		{"MyApp.1.0.0.gz", "does not end in a supported extension"},
		{".zip", "does not end in a supported extension"},
		{"", "does not end in a supported extension"},
		{"dir/", "does not end in a supported extension"},
		{strings.Repeat("a", 101) + ".1.0.0.zip", "the package id is 101 characters long"},
		// Parts beyond Int32 match the pattern but are not versions.
		{"MyApp.99999999999.zip", "the number 99999999999 is larger than"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseArchiveName(tt.in)
			if err == nil {
				t.Fatalf("ParseArchiveName(%q) = %+v, want an error", tt.in, got)
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

func TestIsKnownArchiveExtension(t *testing.T) {
	for _, ext := range []string{".nupkg", ".zip", ".ZIP", ".jar", ".war", ".ear", ".rar", ".tar", ".tgz", ".tar.gz", ".TAR.GZ", ".tar.Z", ".tar.bz2", ".tar.bz", ".tbz"} {
		if !IsKnownArchiveExtension(ext) {
			t.Errorf("IsKnownArchiveExtension(%q) = false, want true", ext)
		}
	}
	for _, ext := range []string{"", "zip", ".gz", ".exe", ".7z", ".tar.xz", ".nuspec"} {
		if IsKnownArchiveExtension(ext) {
			t.Errorf("IsKnownArchiveExtension(%q) = true, want false", ext)
		}
	}
}
