package nuget

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"errors"
	"hash/crc32"
	"io"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
)

type zipEntry struct {
	name string
	body string
}

// buildZip writes entries with deflate into an in-memory zip.
func buildZip(t testing.TB, entries ...zipEntry) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		w, err := zw.Create(e.name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.WriteString(w, e.body); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func readPackageBytes(b []byte) (*Package, error) {
	return ReadPackage(bytes.NewReader(b), int64(len(b)), Limits{})
}

var okNuspec = nuspec(okMetadata)

func TestReadPackage(t *testing.T) {
	b := buildZip(t,
		zipEntry{"[Content_Types].xml", "<Types/>"},
		zipEntry{"_rels/.rels", "<Relationships/>"},
		zipEntry{"Ok.Package.NUSPEC", okNuspec}, // NuGet matches the extension case-insensitively
		zipEntry{"lib/net8.0/Ok.Package.dll", "MZ"},
		zipEntry{"content/sample.nuspec", "not the manifest"}, // nuspecs in folders do not count
		zipEntry{"package/services/metadata/core-properties/x.psmdcp", "<coreProperties/>"},
	)
	p, err := readPackageBytes(b)
	if err != nil {
		t.Fatalf("ReadPackage: %v", err)
	}
	if p.NuspecName != "Ok.Package.NUSPEC" || p.Manifest.ID != "Ok.Package" || string(p.Nuspec) != okNuspec {
		t.Errorf("got name %q id %q nuspec %q", p.NuspecName, p.Manifest.ID, p.Nuspec)
	}
}

func TestReadPackageRefuses(t *testing.T) {
	okZip := buildZip(t, zipEntry{"a.nuspec", okNuspec}, zipEntry{"lib/a.dll", strings.Repeat("x", 4096)})
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"empty file", nil, "the file is empty"},
		{"not a zip", []byte("this is not a zip archive at all, just text"), "the file is not a zip archive"},
		{"truncated", okZip[:len(okZip)-30], "the file is not a zip archive (or it is truncated)"},
		{"empty zip", buildZip(t), "the package has no .nuspec file at its root"},
		{"two nuspecs", buildZip(t, zipEntry{"b.nuspec", okNuspec}, zipEntry{"a.nuspec", okNuspec}),
			"the package contains two .nuspec files: a.nuspec, b.nuspec"},
		{"nuspec in a folder", buildZip(t, zipEntry{"lib/x.nuspec", okNuspec}),
			"the package has no .nuspec file at its root (found lib/x.nuspec in a folder)"},
		{"nuspec in a backslash folder", buildZip(t, zipEntry{`lib\x.nuspec`, okNuspec}),
			`the package has no .nuspec file at its root (found lib\x.nuspec in a folder)`},
		{"missing id", buildZip(t, zipEntry{"a.nuspec", nuspec(`<version>1.0.0</version><authors>A</authors><description>D</description>`)}),
			"the package id is missing"},
		{"bad version", buildZip(t, zipEntry{"a.nuspec", nuspec(`<id>A</id><version>1.0.0-</version><authors>A</authors><description>D</description>`)}),
			`the version "1.0.0-" is not valid`},
		{"illegal id characters", buildZip(t, zipEntry{"a.nuspec", nuspec(`<id>a b</id><version>1.0.0</version><authors>A</authors><description>D</description>`)}),
			`the package id "a b" is not valid`},
		{"id of 101 characters", buildZip(t, zipEntry{"a.nuspec", nuspec(`<id>` + strings.Repeat("a", 101) + `</id><version>1.0.0</version><authors>A</authors><description>D</description>`)}),
			"the package id is 101 characters long; the limit is 100"},
		{"malformed XML", buildZip(t, zipEntry{"a.nuspec", `<package><metadata><id>A</id></metadata>`}),
			"the nuspec is not well-formed XML"},
		{"entity declaration", buildZip(t, zipEntry{"a.nuspec", `<!DOCTYPE package [<!ENTITY lol "lol">]><package><metadata><id>&lol;</id></metadata></package>`}),
			"the nuspec may not contain a DTD or entity declarations"},
		{"missing description", buildZip(t, zipEntry{"a.nuspec", nuspec(`<id>A</id><version>1.0.0</version><authors>A</authors>`)}),
			"the description is missing"},
		{"path traversal", buildZip(t, zipEntry{"a.nuspec", okNuspec}, zipEntry{"../../etc/passwd", "x"}),
			`the package contains an unsafe path "../../etc/passwd"`},
		{"absolute path", buildZip(t, zipEntry{"a.nuspec", okNuspec}, zipEntry{"/etc/passwd", "x"}),
			"the package contains an unsafe path"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := readPackageBytes(tt.data)
			if err == nil {
				t.Fatalf("ReadPackage succeeded with %+v, want an error", p.Manifest)
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

func TestReadPackageLimits(t *testing.T) {
	big := nuspec(okMetadata + `<summary>` + strings.Repeat("s", 3000) + `</summary>`)
	b := buildZip(t, zipEntry{"a.nuspec", big})
	if _, err := ReadPackage(bytes.NewReader(b), int64(len(b)), Limits{MaxNuspecBytes: 2048}); err == nil ||
		!strings.Contains(err.Error(), "the nuspec is larger than 2 KiB") {
		t.Errorf("2 KiB limit: error = %v", err)
	}
	if _, err := ReadPackage(bytes.NewReader(b), int64(len(b)), Limits{MaxNuspecBytes: 1 << 20}); err != nil {
		t.Errorf("1 MiB limit: error = %v", err)
	}
}

// bombZip is a zip whose root nuspec inflates to n bytes. When lie is set, the
// headers claim 100 bytes, so only the capped reader stands in the way.
func bombZip(t testing.TB, n int64, lie bool) []byte {
	t.Helper()
	var payload bytes.Buffer
	fw, _ := flate.NewWriter(&payload, flate.BestCompression)
	crc := crc32.NewIEEE()
	chunk := bytes.Repeat([]byte("<!-- padding -->"), 4096)
	for written := int64(0); written < n; written += int64(len(chunk)) {
		fw.Write(chunk)
		crc.Write(chunk)
	}
	fw.Close()

	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	h := &zip.FileHeader{Name: "bomb.nuspec", Method: zip.Deflate, CRC32: crc.Sum32(),
		CompressedSize64: uint64(payload.Len()), UncompressedSize64: uint64(n)}
	if lie {
		h.UncompressedSize64 = 100
	}
	w, err := zw.CreateRaw(h)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(payload.Bytes())
	zw.Close()
	return buf.Bytes()
}

func TestReadPackageRefusesNuspecBomb(t *testing.T) {
	const size = 64 << 20
	tests := []struct {
		name string
		lie  bool
		want string
	}{
		{"declared size", false, "the nuspec is larger than 1 MiB"},
		{"lying header", true, "the nuspec bomb.nuspec is damaged: its data does not match the zip headers"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := bombZip(t, size, tt.lie)
			if len(b) > size/100 {
				t.Fatalf("the bomb is %d bytes; it should compress far better", len(b))
			}
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			_, err := readPackageBytes(b)
			runtime.ReadMemStats(&after)
			if err == nil || !errors.Is(err, ErrInvalidPackage) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error = %v, want one containing %q", err, tt.want)
			}
			// Inflating the bomb whole would allocate at least 64 MiB.
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 8<<20 {
				t.Errorf("ReadPackage allocated %d bytes on a %d-byte bomb", alloc, size)
			}
		})
	}
}

// countingReaderAt counts the bytes ReadPackage pulls from the file.
type countingReaderAt struct {
	r io.ReaderAt
	n atomic.Int64
}

func (c *countingReaderAt) ReadAt(p []byte, off int64) (int, error) {
	n, err := c.r.ReadAt(p, off)
	c.n.Add(int64(n))
	return n, err
}
