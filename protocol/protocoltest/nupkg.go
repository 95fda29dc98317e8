package protocoltest

import (
	"archive/zip"
	"bytes"
	"fmt"
	"math/rand/v2"
	"testing"
)

// Nupkg builds a minimal valid package; its nuspec is named "{id}.nuspec".
func Nupkg(t testing.TB, id, version string) []byte {
	t.Helper()
	return NupkgPadded(t, id, version, 0)
}

// NupkgPadded builds a package with a stored (uncompressed) payload of pad
// random bytes, for downloads of a given size.
func NupkgPadded(t testing.TB, id, version string, pad int) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.Create(id + ".nuspec")
	must(t, err)
	fmt.Fprintf(w, `<?xml version="1.0" encoding="utf-8"?>
<package xmlns="http://schemas.microsoft.com/packaging/2013/05/nuspec.xsd">
  <metadata>
    <id>%s</id>
    <version>%s</version>
    <authors>feedserver tests</authors>
    <description>A package made by protocoltest.</description>
  </metadata>
</package>
`, id, version)
	if pad > 0 {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: "content/payload.bin", Method: zip.Store})
		must(t, err)
		data := make([]byte, pad)
		r := rand.NewChaCha8([32]byte{1})
		_, _ = r.Read(data)
		_, err = w.Write(data)
		must(t, err)
	}
	must(t, zw.Close())
	return buf.Bytes()
}
