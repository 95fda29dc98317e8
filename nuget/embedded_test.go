package nuget

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"testing"
)

func readEmbeddedBytes(t testing.TB, b []byte, m *Manifest) (*EmbeddedFiles, error) {
	t.Helper()
	return ReadEmbeddedFiles(bytes.NewReader(b), int64(len(b)), m)
}

// The packages NuGet.exe packed (and the one derived with a <readme>): the
// files read are the files pack read.
func TestReadEmbeddedFilesFixtures(t *testing.T) {
	for _, tc := range []struct {
		pkg                    string
		readme, icon, license  string // files under fixtures/src, "" for none
		iconType, licenseType  string
		readmeFromPackageEntry string
	}{
		{pkg: "Fixture.LicenseFile.1.0.0.nupkg", icon: "licensefile/icon.png", license: "licensefile/LICENSE.txt", iconType: "image/png", licenseType: "text/plain; charset=utf-8"},
		{pkg: "Fixture.Readme.1.0.0.nupkg", readmeFromPackageEntry: "README.md"},
		{pkg: "Fixture.Plain.1.0.0.nupkg"}, // licence expression, no icon, no readme
	} {
		t.Run(tc.pkg, func(t *testing.T) {
			b, err := os.ReadFile("../fixtures/good/" + tc.pkg)
			if err != nil {
				t.Fatal(err)
			}
			p, err := readPackageBytes(b)
			if err != nil {
				t.Fatal(err)
			}
			got, err := readEmbeddedBytes(t, b, p.Manifest)
			if err != nil {
				t.Fatalf("ReadEmbeddedFiles: %v", err)
			}
			check := func(what string, f *EmbeddedFile, src, contentType string) {
				t.Helper()
				if src == "" {
					if f != nil {
						t.Errorf("%s = %+v, want none", what, f)
					}
					return
				}
				want, err := os.ReadFile("../fixtures/src/" + src)
				if err != nil {
					t.Fatal(err)
				}
				if f == nil || !bytes.Equal(f.Data, want) || f.ContentType != contentType {
					t.Errorf("%s = %+v, want the bytes of %s as %s", what, f, src, contentType)
				}
			}
			check("icon", got.Icon, tc.icon, tc.iconType)
			check("license", got.License, tc.license, tc.licenseType)
			if tc.readmeFromPackageEntry == "" {
				check("readme", got.Readme, "", "")
			} else if got.Readme == nil || got.Readme.Path != tc.readmeFromPackageEntry || got.Readme.ContentType != "text/markdown; charset=utf-8" ||
				!bytes.HasPrefix(got.Readme.Data, []byte("# Fixture.Readme")) {
				t.Errorf("readme = %+v", got.Readme)
			}
		})
	}
}

var (
	png1x1 = append(bytes.Clone(pngSignature), "\x00\x00\x00\rIHDR"...)
	jpeg   = []byte{0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 'J', 'F', 'I', 'F'}
	gif    = []byte("GIF89a\x01\x00\x01\x00")
)

func TestReadEmbeddedFiles(t *testing.T) {
	readme := "# Title\n\nSome *text*.\r\n\tIndented.\f\n"
	for _, tc := range []struct {
		name    string
		m       Manifest
		entries []zipEntry
		want    string // "<kind>:<entry path>:<content type>" of each file found, in readme, icon, licence order
		wantErr string
	}{
		{name: "readme in a folder, with backslashes", m: Manifest{Readme: `docs\README.md`},
			entries: []zipEntry{{"docs/README.md", readme}}, want: "readme:docs/README.md:text/markdown; charset=utf-8"},
		{name: "leading ./", m: Manifest{Readme: "./README.md"}, entries: []zipEntry{{"README.md", readme}}, want: "readme:README.md:text/markdown; charset=utf-8"},
		{name: "leading slash", m: Manifest{Readme: "/README.md"}, entries: []zipEntry{{"README.md", readme}}, want: "readme:README.md:text/markdown; charset=utf-8"},
		{name: "entry with an escaped name", m: Manifest{Readme: "docs/read me.md"}, entries: []zipEntry{{"docs/read%20me.md", readme}}, want: "readme:docs/read%20me.md:text/markdown; charset=utf-8"},
		{name: "case differs: the one such entry", m: Manifest{Readme: "readme.md"}, entries: []zipEntry{{"README.md", readme}}, want: "readme:README.md:text/markdown; charset=utf-8"},
		{name: "case differs: the exact entry wins", m: Manifest{Readme: "readme.md"}, entries: []zipEntry{{"README.md", readme}, {"readme.md", readme}}, want: "readme:readme.md:text/markdown; charset=utf-8"},
		{name: "case differs: two entries", m: Manifest{Readme: "readme.md"}, entries: []zipEntry{{"README.md", readme}, {"Readme.md", readme}}, wantErr: "2 that differ from it only in case"},
		{name: "the same entry twice", m: Manifest{Readme: "README.md"}, entries: []zipEntry{{"README.md", readme}, {"README.md", readme}}, wantErr: "holds that file twice"},
		{name: "missing readme", m: Manifest{Readme: "docs/README.md"}, entries: []zipEntry{{"README.md", readme}}, wantErr: `the readme "docs/README.md" is not valid: the package holds no such file`},
		{name: "readme not Markdown", m: Manifest{Readme: "README.txt"}, entries: []zipEntry{{"README.txt", readme}}, wantErr: "the file must be .md"},
		{name: "readme without extension", m: Manifest{Readme: "README"}, entries: []zipEntry{{"README", readme}}, wantErr: "the file must be .md"},
		{name: "readme in upper case", m: Manifest{Readme: "README.MD"}, entries: []zipEntry{{"README.MD", readme}}, want: "readme:README.MD:text/markdown; charset=utf-8"},
		{name: "empty readme", m: Manifest{Readme: "README.md"}, entries: []zipEntry{{"README.md", ""}}, wantErr: "the file is empty"},
		{name: "binary readme", m: Manifest{Readme: "README.md"}, entries: []zipEntry{{"README.md", "MZ\x00\x01"}}, wantErr: "not plain text"},
		{name: "readme outside the package", m: Manifest{Readme: "../README.md"}, entries: []zipEntry{{"README.md", readme}}, wantErr: "not the path of a file inside the package"},
		{name: "readme a folder", m: Manifest{Readme: "docs/"}, entries: []zipEntry{{"docs/README.md", readme}}, wantErr: "not the path of a file"},
		{name: "readme a folder entry", m: Manifest{Readme: "docs.md"}, entries: []zipEntry{{"docs.md/", ""}}, wantErr: "holds no such file"},
		{name: "readme on a drive", m: Manifest{Readme: `C:\README.md`}, entries: []zipEntry{{"README.md", readme}}, wantErr: "not the path of a file"},
		{name: "PNG icon", m: Manifest{Icon: "images/icon.png"}, entries: []zipEntry{{"images/icon.png", string(png1x1)}}, want: "icon:images/icon.png:image/png"},
		{name: "JPEG icon", m: Manifest{Icon: "icon.JPEG"}, entries: []zipEntry{{"icon.JPEG", string(jpeg)}}, want: "icon:icon.JPEG:image/jpeg"},
		{name: "JPEG bytes named .png", m: Manifest{Icon: "icon.png"}, entries: []zipEntry{{"icon.png", string(jpeg)}}, want: "icon:icon.png:image/jpeg"},
		{name: "GIF icon", m: Manifest{Icon: "icon.gif"}, entries: []zipEntry{{"icon.gif", string(gif)}}, wantErr: "the file must be .png, .jpg or .jpeg"},
		{name: "GIF bytes named .png", m: Manifest{Icon: "icon.png"}, entries: []zipEntry{{"icon.png", string(gif)}}, wantErr: "neither a PNG nor a JPEG"},
		{name: "empty icon", m: Manifest{Icon: "icon.png"}, entries: []zipEntry{{"icon.png", ""}}, wantErr: "the file is empty"},
		{name: "icon of 1 MiB", m: Manifest{Icon: "icon.png"}, entries: []zipEntry{{"icon.png", string(png1x1) + strings.Repeat("x", MaxEmbeddedFileBytes-len(png1x1))}}, want: "icon:icon.png:image/png"},
		{name: "icon over 1 MiB", m: Manifest{Icon: "icon.png"}, entries: []zipEntry{{"icon.png", string(png1x1) + strings.Repeat("x", MaxEmbeddedFileBytes)}}, wantErr: "larger than 1 MiB"},
		{name: "licence file", m: Manifest{License: &License{Type: "file", Text: "LICENSE.txt"}}, entries: []zipEntry{{"LICENSE.txt", "MIT\n"}}, want: "license:LICENSE.txt:text/plain; charset=utf-8"},
		{name: "licence without extension", m: Manifest{License: &License{Type: "File", Text: "LICENSE"}}, entries: []zipEntry{{"LICENSE", "MIT\n"}}, want: "license:LICENSE:text/plain; charset=utf-8"},
		{name: "licence in Markdown", m: Manifest{License: &License{Type: "file", Text: "docs/LICENSE.md"}}, entries: []zipEntry{{"docs/LICENSE.md", "# MIT\n"}}, want: "license:docs/LICENSE.md:text/markdown; charset=utf-8"},
		{name: "empty licence", m: Manifest{License: &License{Type: "file", Text: "LICENSE.txt"}}, entries: []zipEntry{{"LICENSE.txt", ""}}, want: "license:LICENSE.txt:text/plain; charset=utf-8"},
		{name: "licence as HTML", m: Manifest{License: &License{Type: "file", Text: "LICENSE.html"}}, entries: []zipEntry{{"LICENSE.html", "<b>MIT</b>"}}, wantErr: "the file must be .md or .txt, or have no extension"},
		{name: "missing licence", m: Manifest{License: &License{Type: "file", Text: "LICENSE.txt"}}, entries: []zipEntry{{"README.md", readme}}, wantErr: `the license file "LICENSE.txt" is not valid: the package holds no such file`},
		{name: "licence expression reads no file", m: Manifest{License: &License{Type: "expression", Text: "MIT"}}, entries: nil, want: ""},
		{name: "all three", m: Manifest{Readme: "README.md", Icon: "icon.png", License: &License{Type: "file", Text: "LICENSE.txt"}},
			entries: []zipEntry{{"README.md", readme}, {"icon.png", string(png1x1)}, {"LICENSE.txt", "MIT\n"}},
			want:    "readme:README.md:text/markdown; charset=utf-8,icon:icon.png:image/png,license:LICENSE.txt:text/plain; charset=utf-8"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			entries := append([]zipEntry{{"My.Lib.nuspec", okNuspec}}, tc.entries...)
			got, err := readEmbeddedBytes(t, buildZip(t, entries...), &tc.m)
			if tc.wantErr != "" {
				wantRefusal(t, err, tc.wantErr)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var found []string
			for _, f := range []struct {
				kind string
				f    *EmbeddedFile
			}{{"readme", got.Readme}, {"icon", got.Icon}, {"license", got.License}} {
				if f.f != nil {
					found = append(found, f.kind+":"+f.f.Path+":"+f.f.ContentType)
				}
			}
			if strings.Join(found, ",") != tc.want {
				t.Errorf("found %v, want %s", found, tc.want)
			}
		})
	}
}

// failingReaderAt fails every read.
type failingReaderAt struct{}

func (failingReaderAt) ReadAt([]byte, int64) (int, error) { return 0, errors.New("read") }

// A manifest that names no file costs no read of the package.
func TestReadEmbeddedFilesReadsNothingWhenNoneNamed(t *testing.T) {
	m := &Manifest{IconURL: "https://example.com/icon.png", License: &License{Type: "expression", Text: "MIT"}}
	got, err := ReadEmbeddedFiles(failingReaderAt{}, 1000, m)
	if err != nil || got.Readme != nil || got.Icon != nil || got.License != nil {
		t.Fatalf("ReadEmbeddedFiles = %+v, %v", got, err)
	}
	if _, err := ReadEmbeddedFiles(failingReaderAt{}, 1000, &Manifest{Icon: "icon.png"}); !errors.Is(err, ErrInvalidPackage) {
		t.Fatalf("a package that cannot be read: error %v, want a refusal", err)
	}
}
