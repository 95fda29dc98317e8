package nuget

import (
	"archive/zip"
	"bytes"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// writeBigPackage writes a nupkg holding a small nuspec and an incompressible,
// stored lib/ payload of payloadSize bytes, and returns its path.
func writeBigPackage(tb testing.TB, dir string, payloadSize int64) string {
	tb.Helper()
	path := filepath.Join(dir, "Big.Package.1.0.0.nupkg")
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	zw := zip.NewWriter(f)
	w, err := zw.Create("Big.Package.nuspec")
	if err != nil {
		tb.Fatal(err)
	}
	io.WriteString(w, nuspec(`<id>Big.Package</id><version>1.0.0</version><authors>A</authors><description>D</description>`))
	w, err = zw.CreateHeader(&zip.FileHeader{Name: "lib/net8.0/Big.Package.dll", Method: zip.Store})
	if err != nil {
		tb.Fatal(err)
	}
	rng := rand.NewChaCha8([32]byte{1})
	if _, err := io.CopyN(w, rng, payloadSize); err != nil {
		tb.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		tb.Fatal(err)
	}
	return path
}

func TestReadPackageDoesNotReadPayload(t *testing.T) {
	const payload = 24 << 20
	path := writeBigPackage(t, t.TempDir(), payload)
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, _ := f.Stat()

	cr := &countingReaderAt{r: f}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	p, err := ReadPackage(cr, st.Size(), Limits{})
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatalf("ReadPackage: %v", err)
	}
	if p.Manifest.ID != "Big.Package" {
		t.Errorf("id = %q", p.Manifest.ID)
	}
	if n := cr.n.Load(); n > 256<<10 {
		t.Errorf("ReadPackage read %d bytes of a %d-byte package; it should read the directory and the nuspec only", n, st.Size())
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 2<<20 {
		t.Errorf("ReadPackage allocated %d bytes for a %d-byte payload", alloc, payload)
	}
}

// BenchmarkReadPackage100MiB reads the manifest of a 100 MiB package from an
// *os.File. The MB/s figure is package size over time: since the payload is
// never read, it shows how cheap opening a big upload is.
func BenchmarkReadPackage100MiB(b *testing.B) {
	path := writeBigPackage(b, b.TempDir(), 100<<20)
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	st, _ := f.Stat()
	b.SetBytes(st.Size())
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := ReadPackage(f, st.Size(), Limits{}); err != nil {
			b.Fatal(err)
		}
	}
}

var benchVersions = []string{"1.0.0", "2.1.0-rc.1+build.42", "1.0.0009.01-1.1+A", "10.20.30.40-beta-2", "4.5"}

func BenchmarkParseVersion(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		for _, s := range benchVersions {
			if _, err := ParseVersion(s); err != nil {
				b.Fatal(err)
			}
		}
	}
}

func BenchmarkCompareVersions(b *testing.B) {
	vs := make([]Version, len(benchVersions))
	for i, s := range benchVersions {
		vs[i] = MustParseVersion(s)
	}
	vs = append(vs, MustParseVersion("2.1.0-rc.2"), MustParseVersion("2.1.0-RC.1"))
	b.ReportAllocs()
	for b.Loop() {
		for i := range vs {
			for j := range vs {
				CompareVersions(vs[i], vs[j])
			}
		}
	}
}

// BenchmarkReadPackageSmall reads a package of under 1 KiB from memory, as a
// push of a small package does for every upload.
func BenchmarkReadPackageSmall(b *testing.B) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range []struct{ name, body string }{
		{"Small.Package.nuspec", nuspec(`<id>Small.Package</id><version>1.0.7</version><authors>A</authors><description>D</description><tags>bench load</tags>`)},
		{"[Content_Types].xml", `<?xml version="1.0" encoding="utf-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="nuspec" ContentType="application/octet" /></Types>`},
		{"lib/netstandard2.0/Small.Package.dll", "payload"},
	} {
		w, err := zw.Create(f.name)
		if err != nil {
			b.Fatal(err)
		}
		io.WriteString(w, f.body)
	}
	if err := zw.Close(); err != nil {
		b.Fatal(err)
	}
	pkg := buf.Bytes()
	b.SetBytes(int64(len(pkg)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ReadPackage(bytes.NewReader(pkg), int64(len(pkg)), Limits{}); err != nil {
			b.Fatal(err)
		}
	}
}
