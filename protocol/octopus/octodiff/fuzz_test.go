package octodiff

import (
	"bytes"
	"crypto/sha1"
	"errors"
	"io"
	"testing"
)

func FuzzReadSignature(f *testing.F) {
	cert := certData(f, -1)
	for _, in := range [][]byte{nil, cert, certData(f, 10*kib), randomBytes(1, 5000)} {
		for _, size := range []int{DefaultChunkSize, MinChunkSize} {
			for _, sum := range []string{checksumAdler32, checksumAdler32V2} {
				var buf bytes.Buffer
				if err := buildSignature(bytes.NewReader(in), &buf, size, sum); err != nil {
					f.Fatal(err)
				}
				f.Add(buf.Bytes())
				f.Add(buf.Bytes()[:buf.Len()/2])
			}
		}
	}
	f.Add([]byte("OCTOSIG\x01\x04SHA1\x07Adler32>>>\xff\xff"))

	f.Fuzz(func(t *testing.T, in []byte) {
		sig, err := readSignature(bytes.NewReader(in), 1000)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("error %v does not wrap ErrCorrupt", err)
			}
			return
		}
		if len(sig.Chunks) > len(in)/chunkEntryLen {
			t.Fatalf("%d chunks from %d bytes", len(sig.Chunks), len(in))
		}
		// Parsing is strict, so writing back gives the very same bytes.
		var out bytes.Buffer
		if _, err := sig.WriteTo(&out); err != nil {
			t.Fatalf("WriteTo of a parsed signature: %v", err)
		}
		if !bytes.Equal(out.Bytes(), in) {
			t.Fatalf("WriteTo gave %x, read %x", out.Bytes(), in)
		}
	})
}

// fuzzBasis is the fixed basis file FuzzApplyDelta patches.
func fuzzBasis(t testing.TB) []byte {
	return join(certData(t, 3*kib), randomBytes(20, 3*kib))
}

func FuzzApplyDelta(f *testing.F) {
	basis := fuzzBasis(f)
	newFiles := [][]byte{
		basis,
		nil,
		basis[:100],
		join(basis[:1000], []byte("inserted"), basis[1000:]),
		join(basis[3*kib:], basis[:3*kib]),
		join(basis[:5000], randomBytes(21, 700), basis[4000:]),
	}
	for _, nf := range newFiles {
		for _, size := range []int{DefaultChunkSize, MinChunkSize} {
			var sig bytes.Buffer
			if err := buildSignature(bytes.NewReader(basis), &sig, size, checksumAdler32); err != nil {
				f.Fatal(err)
			}
			s, err := ReadSignature(&sig)
			if err != nil {
				f.Fatal(err)
			}
			var delta bytes.Buffer
			if err := BuildDelta(bytes.NewReader(nf), s, &delta); err != nil {
				f.Fatal(err)
			}
			f.Add(delta.Bytes())
		}
	}

	const limit = 1 << 20
	f.Fuzz(func(t *testing.T, delta []byte) {
		var out bytes.Buffer
		err := applyDeltaLimit(bytes.NewReader(basis), bytes.NewReader(delta), &out, limit)
		if out.Len() > limit {
			t.Fatalf("wrote %d bytes past the limit of %d", out.Len(), limit)
		}
		if err != nil {
			if !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrHashMismatch) && !errors.Is(err, ErrTooLarge) {
				t.Fatalf("error %v is not one of the sentinels", err)
			}
			return
		}
		d, err := readDelta(bytes.NewReader(delta))
		if err != nil {
			t.Fatalf("ApplyDelta accepted a delta readDelta refuses: %v", err)
		}
		if got, want := sha1.Sum(out.Bytes()), d.ExpectedHash(); got != want {
			t.Fatalf("accepted output has SHA-1 %x, delta says %x", got, want)
		}
	})
}

// FuzzRoundTrip checks the builder: whatever the two files, the delta must
// rebuild the new file exactly.
func FuzzRoundTrip(f *testing.F) {
	basis := fuzzBasis(f)
	f.Add(basis, join(basis[:700], []byte("x"), basis[700:]), uint8(0))
	f.Add(basis[:300], basis[100:], uint8(3))
	f.Add([]byte{}, []byte("new"), uint8(1))
	f.Add(bytes.Repeat([]byte{0}, 1000), bytes.Repeat([]byte{0}, 1500), uint8(0))

	f.Fuzz(func(t *testing.T, basis, newFile []byte, sizeSel uint8) {
		size := MinChunkSize + int(sizeSel%8)*16 // small chunks so fuzz inputs span many
		var sigBuf bytes.Buffer
		if err := buildSignature(bytes.NewReader(basis), &sigBuf, size, checksumAdler32); err != nil {
			t.Fatal(err)
		}
		sig, err := ReadSignature(&sigBuf)
		if err != nil {
			t.Fatal(err)
		}
		var delta bytes.Buffer
		if err := BuildDelta(struct{ io.Reader }{bytes.NewReader(newFile)}, sig, &delta); err != nil {
			t.Fatal(err)
		}
		got, err := apply(basis, delta.Bytes())
		if err != nil {
			t.Fatalf("ApplyDelta: %v", err)
		}
		if !bytes.Equal(got, newFile) {
			t.Fatalf("round trip gave %x, want %x", got, newFile)
		}
	})
}
