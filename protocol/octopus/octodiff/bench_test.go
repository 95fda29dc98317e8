package octodiff

import (
	"bytes"
	"io"
	"testing"
)

// benchFiles is a 100 MiB basis and a new version with 1 MiB changed in the
// middle: the delta-upload scenario.
func benchFiles(b *testing.B) (basis, newFile []byte) {
	b.Helper()
	basis = randomBytes(30, 100*mib)
	newFile = join(basis[:50*mib], randomBytes(31, mib), basis[51*mib:])
	return basis, newFile
}

func BenchmarkBuildSignature(b *testing.B) {
	basis, _ := benchFiles(b)
	b.SetBytes(int64(len(basis)))
	b.ResetTimer()
	for b.Loop() {
		if err := BuildSignature(bytes.NewReader(basis), io.Discard); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkBuildDelta(b *testing.B) {
	basis, newFile := benchFiles(b)
	sig := signatureOf(b, basis)
	var delta bytes.Buffer
	b.SetBytes(int64(len(newFile)))
	b.ResetTimer()
	for b.Loop() {
		delta.Reset()
		if err := BuildDelta(bytes.NewReader(newFile), sig, &delta); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(delta.Len()), "delta-bytes")
}

func BenchmarkApplyDelta(b *testing.B) {
	basis, newFile := benchFiles(b)
	delta := deltaOf(b, basis, newFile)
	b.SetBytes(int64(len(newFile)))
	b.ResetTimer()
	for b.Loop() {
		if err := ApplyDelta(bytes.NewReader(basis), bytes.NewReader(delta), io.Discard); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(delta)), "delta-bytes")
}
