package nuget

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/url"
	"path"
	"strings"
)

// The readme, icon and licence file a nuspec names inside its package
// (<readme>, <icon>, <license type="file">; NuGet docs, ".nuspec reference").
// Clients fetch them from the server, not from the package: the icon and
// licence through registration's iconUrl and licenseUrl, the readme through
// ReadmeUriTemplate/6.13.0 (docs/protocol/nuget.md §13).

// MaxEmbeddedFileBytes caps each embedded file: nuget.org's limit for the
// readme, the icon and the licence file alike (NuGetGallery
// GalleryConstants.MaxFileLengthBytes, 1 MB; the nuspec reference gives
// 1 MB for the icon).
const MaxEmbeddedFileBytes = 1 << 20

// EmbeddedFile is one file a nuspec names, read from its package.
type EmbeddedFile struct {
	Path        string // the zip entry's name
	ContentType string // from the file's content (icon) or kind (readme, licence)
	Data        []byte // at most MaxEmbeddedFileBytes
}

// EmbeddedFiles are the files a package's nuspec names; nil when it names none.
type EmbeddedFiles struct {
	Readme, Icon, License *EmbeddedFile
}

// Content types of embedded files. Package text is untrusted: the readme is
// Markdown to be rendered through a sanitiser, never served as HTML.
const (
	contentTypeMarkdown = "text/markdown; charset=utf-8"
	contentTypeText     = "text/plain; charset=utf-8"
	contentTypePNG      = "image/png"
	contentTypeJPEG     = "image/jpeg"
)

// Image signatures nuget.org checks an icon against (NuGetGallery
// ImageExtensions): PNG's 8-byte signature (PNG specification 5.2), and
// JPEG's start-of-image marker with the first byte of the next marker.
var (
	pngSignature  = []byte{0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'}
	jpegSignature = []byte{0xff, 0xd8, 0xff}
)

// embeddedKind says how to check one kind of embedded file.
type embeddedKind struct {
	field      string          // the nuspec element, for messages
	extensions map[string]bool // lower-case extensions allowed; "" for none
	allowEmpty bool
	text       bool // must look like UTF-8 text
}

// The rules are nuget.org's (NuGetGallery PackageMetadataValidationService):
// extensions compared ignoring case, 1 MB at most, the readme not empty, the
// readme and licence plain text, the icon a PNG or JPEG by its bytes. NuGet
// pack checks the same extensions (NuGet.Client PackageBuilder
// ValidateIconFile NU5045, ValidateLicenseFile NU5031) but lets a readme
// have no extension (NU5038), which nuget.org refuses; so do we.
var (
	readmeKind  = embeddedKind{field: "readme", extensions: map[string]bool{".md": true}, text: true}
	iconKind    = embeddedKind{field: "icon", extensions: map[string]bool{".png": true, ".jpg": true, ".jpeg": true}}
	licenseKind = embeddedKind{field: "license file", extensions: map[string]bool{"": true, ".txt": true, ".md": true}, allowEmpty: true, text: true}
)

// ReadEmbeddedFiles finds and reads the readme, icon and licence file that
// m, the manifest of the .nupkg r of size bytes, names, and checks them by
// nuget.org's rules. A nuspec that names a file the package does not hold,
// or one that breaks the rules, is refused with an error wrapping
// ErrInvalidPackage. When m names none (an icon by URL and a licence by
// expression name none) the zip is not read at all.
//
// A path in the nuspec is matched as NuGet matches it: backslashes read as
// slashes, a leading "./" or "/" dropped, then compared with each entry's
// name (%-escapes in it decoded, as NuGet.Packaging's GetFiles does). An exact
// match wins. Failing that, a single entry equal to it ignoring case is
// taken: NuGet.exe pack on Windows compares these paths ignoring case
// (PathUtility.GetStringComparisonBasedOnOS), so packages it made can differ
// in case; nuget.org, which compares exactly, refuses them. Two entries that
// both match are refused. At most 3 MB are read, whatever the zip declares.
func ReadEmbeddedFiles(r io.ReaderAt, size int64, m *Manifest) (*EmbeddedFiles, error) {
	out := &EmbeddedFiles{}
	type wanted struct {
		kind  embeddedKind
		value string
		dst   **EmbeddedFile
	}
	want := []wanted{{readmeKind, m.Readme, &out.Readme}, {iconKind, m.Icon, &out.Icon}}
	if m.License != nil && strings.EqualFold(m.License.Type, "file") {
		want = append(want, wanted{licenseKind, m.License.Text, &out.License})
	}
	var zr *zip.Reader
	for _, w := range want {
		if w.value == "" {
			continue
		}
		if zr == nil {
			var err error
			if zr, err = zip.NewReader(r, size); err != nil && !errors.Is(err, zip.ErrInsecurePath) {
				return nil, invalidf("the file is not a zip archive (or it is truncated): %w", err)
			}
		}
		f, err := readEmbeddedFile(zr, w.kind, w.value)
		if err != nil {
			return nil, err
		}
		*w.dst = f
	}
	return out, nil
}

// readEmbeddedFile finds the entry value names and checks it as kind says.
func readEmbeddedFile(zr *zip.Reader, kind embeddedKind, value string) (*EmbeddedFile, error) {
	refuse := func(format string, args ...any) error {
		return &FieldError{Field: kind.field, Value: value, Err: fmt.Errorf(format, args...)}
	}
	want := entryPath(value)
	if want == "" || strings.HasSuffix(want, "/") || unsafeEntryName(want) {
		return nil, refuse("it is not the path of a file inside the package")
	}
	if ext := strings.ToLower(path.Ext(path.Base(want))); !kind.extensions[ext] {
		return nil, refuse("the file must be %s", extensionList(kind.extensions))
	}
	f, err := findEntry(zr, want)
	if err != nil {
		return nil, refuse("%w", err)
	}
	if f.UncompressedSize64 > MaxEmbeddedFileBytes {
		return nil, refuse("the file is larger than %s", formatSize(MaxEmbeddedFileBytes))
	}
	rc, err := f.Open()
	if err != nil {
		return nil, refuse("the file cannot be read: %w", err)
	}
	defer rc.Close()
	// The declared size can lie; the cap holds whatever the header says.
	data, err := io.ReadAll(io.LimitReader(rc, MaxEmbeddedFileBytes+1))
	if len(data) > MaxEmbeddedFileBytes {
		return nil, refuse("the file is larger than %s", formatSize(MaxEmbeddedFileBytes))
	}
	if err != nil {
		return nil, refuse("the file is damaged: its data does not match the zip headers (%w)", err)
	}
	if len(data) == 0 && !kind.allowEmpty {
		return nil, refuse("the file is empty")
	}
	file := &EmbeddedFile{Path: f.Name, Data: data}
	switch {
	case kind.field == iconKind.field && bytes.HasPrefix(data, pngSignature):
		file.ContentType = contentTypePNG
	case kind.field == iconKind.field && bytes.HasPrefix(data, jpegSignature):
		file.ContentType = contentTypeJPEG
	case kind.field == iconKind.field:
		return nil, refuse("the file is neither a PNG nor a JPEG image")
	case !looksLikeText(data):
		return nil, refuse("the file is not plain text (it has control characters other than tab, line breaks and form feed)")
	case strings.EqualFold(path.Ext(want), ".md"):
		file.ContentType = contentTypeMarkdown
	default:
		file.ContentType = contentTypeText
	}
	return file, nil
}

// findEntry is the file entry named want (see ReadEmbeddedFiles).
func findEntry(zr *zip.Reader, want string) (*zip.File, error) {
	var exact, folded []*zip.File
	for _, f := range zr.File {
		if strings.HasSuffix(f.Name, "/") {
			continue
		}
		name := f.Name
		if strings.Contains(name, "%") {
			if u, err := url.PathUnescape(name); err == nil {
				name = u
			}
		}
		name = entryPath(name)
		switch {
		case name == want:
			exact = append(exact, f)
		case strings.EqualFold(name, want):
			folded = append(folded, f)
		}
	}
	switch {
	case len(exact) == 1:
		return exact[0], nil
	case len(exact) > 1:
		return nil, errors.New("the package holds that file twice")
	case len(folded) == 1:
		return folded[0], nil
	case len(folded) > 1:
		return nil, fmt.Errorf("the package holds no such file, and %d that differ from it only in case", len(folded))
	}
	return nil, errors.New("the package holds no such file")
}

// looksLikeText is nuget.org's test for plain text (NuGetGallery
// TextHelper.IsUtf8TextByte): no byte below 0x20 but tab, LF, CR and form feed.
func looksLikeText(b []byte) bool {
	for _, c := range b {
		if c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' {
			return false
		}
	}
	return true
}

// extensionList writes allowed extensions for a message: ".png, .jpg or .jpeg".
func extensionList(exts map[string]bool) string {
	var names []string
	for _, e := range []string{".md", ".txt", ".png", ".jpg", ".jpeg"} {
		if exts[e] {
			names = append(names, e)
		}
	}
	list := strings.Join(names, " or ")
	if len(names) > 2 {
		list = strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
	}
	if exts[""] {
		return list + ", or have no extension"
	}
	return list
}
