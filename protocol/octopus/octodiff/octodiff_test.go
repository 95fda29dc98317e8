package octodiff

import (
	"bytes"
	"crypto/sha1"
	"encoding/binary"
	"errors"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
)

const (
	kib = 1 << 10
	mib = 1 << 20
)

// randomBytes returns n reproducible pseudo-random bytes.
func randomBytes(seed byte, n int) []byte {
	var key [32]byte
	key[0] = seed
	b := make([]byte, n)
	rand.NewChaCha8(key).Read(b)
	return b
}

func join(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

func signatureOf(t testing.TB, basis []byte) *Signature {
	t.Helper()
	var buf bytes.Buffer
	if err := BuildSignature(bytes.NewReader(basis), &buf); err != nil {
		t.Fatalf("BuildSignature: %v", err)
	}
	sig, err := ReadSignature(&buf)
	if err != nil {
		t.Fatalf("ReadSignature: %v", err)
	}
	return sig
}

func deltaOf(t testing.TB, basis, newFile []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := BuildDelta(bytes.NewReader(newFile), signatureOf(t, basis), &buf); err != nil {
		t.Fatalf("BuildDelta: %v", err)
	}
	return buf.Bytes()
}

func apply(basis, delta []byte) ([]byte, error) {
	var out bytes.Buffer
	err := ApplyDelta(bytes.NewReader(basis), bytes.NewReader(delta), &out)
	return out.Bytes(), err
}

// commands lists a delta's commands (Data contents are skipped).
func commands(t *testing.T, delta []byte) []deltaCommand {
	t.Helper()
	d, err := readDelta(bytes.NewReader(delta))
	if err != nil {
		t.Fatal(err)
	}
	var cmds []deltaCommand
	for {
		c, err := d.Next()
		if errors.Is(err, io.EOF) {
			return cmds
		}
		if err != nil {
			t.Fatal(err)
		}
		c.Data = nil
		cmds = append(cmds, c)
	}
}

// deltaHeaderLen is the size of a SHA1 delta header (docs/protocol/octopus.md §5.3).
const deltaHeaderLen = 42

func TestRoundTrip(t *testing.T) {
	basis := randomBytes(1, 3*mib)
	fresh := randomBytes(2, mib)
	odd := randomBytes(3, 3*mib+123)
	zeros := make([]byte, mib)

	tests := []struct {
		name     string
		basis    []byte
		newFile  []byte
		maxDelta int // the delta must be at most this long
	}{
		{"1 MiB changed in the middle", basis, join(basis[:mib], fresh, basis[2*mib:]), mib + 2*DefaultChunkSize},
		{"1 MiB inserted in the middle", basis, join(basis[:3*mib/2], fresh, basis[3*mib/2:]), mib + 2*DefaultChunkSize},
		{"1 MiB deleted from the middle", basis, join(basis[:mib+5], basis[2*mib+5:]), 2 * DefaultChunkSize},
		{"identical", basis, basis, deltaHeaderLen + 17},
		{"empty basis", nil, fresh, mib + 100},
		{"empty new file", basis, nil, deltaHeaderLen},
		{"both empty", nil, nil, deltaHeaderLen},
		{"new file length not a multiple of 2048", basis, join(basis[:2*mib+77], []byte("tail")), DefaultChunkSize + 100},
		{"basis length not a multiple of 2048, identical", odd, odd, deltaHeaderLen + 17},
		{"basis length not a multiple of 2048, prefix added", odd, join([]byte("prefix"), odd), deltaHeaderLen + 50},
		{"new file shorter than one chunk", basis, basis[:1000], 1100},
		// Around the size up to which a file is scanned in a buffer of its own.
		{"new file one byte under the small-file size", basis, basis[:smallFileSize-1], DefaultChunkSize + 100},
		{"new file of the small-file size", basis, basis[:smallFileSize], deltaHeaderLen + 17},
		{"new file one byte over the small-file size", basis, join(basis[:smallFileSize], []byte{1}), deltaHeaderLen + 50},
		{"repetitive content", zeros, join(zeros, zeros[:5]), 200},
		{"one byte changed", basis, join(basis[:mib], []byte{^basis[mib]}, basis[mib+1:]), DefaultChunkSize + 100},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			delta := deltaOf(t, tt.basis, tt.newFile)
			if len(delta) > tt.maxDelta {
				t.Errorf("delta is %d bytes, want at most %d (new file %d bytes)", len(delta), tt.maxDelta, len(tt.newFile))
			}
			got, err := apply(tt.basis, delta)
			if err != nil {
				t.Fatalf("ApplyDelta: %v", err)
			}
			if !bytes.Equal(got, tt.newFile) {
				t.Fatalf("ApplyDelta gave %d bytes that differ from the %d-byte new file", len(got), len(tt.newFile))
			}

			// A new file that cannot seek takes the other path; same bytes.
			var buf bytes.Buffer
			onlyReader := struct{ io.Reader }{bytes.NewReader(tt.newFile)}
			if err := BuildDelta(onlyReader, signatureOf(t, tt.basis), &buf); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(buf.Bytes(), delta) {
				t.Errorf("delta from a plain io.Reader differs from the one from an io.ReadSeeker")
			}
		})
	}
}

func TestIdenticalFilesAreOneCopy(t *testing.T) {
	basis := randomBytes(4, 100*kib+5)
	got := commands(t, deltaOf(t, basis, basis))
	want := []deltaCommand{{Op: cmdCopy, Offset: 0, Length: int64(len(basis))}}
	if len(got) != 1 || got[0] != want[0] {
		t.Errorf("commands = %+v, want %+v", got, want)
	}
}

func TestDeltaCommandsForAChange(t *testing.T) {
	basis := randomBytes(5, 10*DefaultChunkSize)
	newFile := join(basis[:3*DefaultChunkSize], []byte("changed"), basis[4*DefaultChunkSize:])
	got := commands(t, deltaOf(t, basis, newFile))
	want := []deltaCommand{
		{Op: cmdCopy, Offset: 0, Length: 3 * DefaultChunkSize},
		{Op: cmdData, Length: 7},
		{Op: cmdCopy, Offset: 4 * DefaultChunkSize, Length: 6 * DefaultChunkSize},
	}
	if len(got) != len(want) {
		t.Fatalf("commands = %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("command %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}

// A starting offset in the new file (a reader already advanced) is respected.
func TestBuildDeltaFromCurrentOffset(t *testing.T) {
	basis := randomBytes(6, 20*kib)
	r := bytes.NewReader(join([]byte("skip me"), basis))
	if _, err := r.Seek(7, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	var delta bytes.Buffer
	if err := BuildDelta(r, signatureOf(t, basis), &delta); err != nil {
		t.Fatal(err)
	}
	got, err := apply(basis, delta.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, basis) {
		t.Errorf("got %d bytes, want the basis back", len(got))
	}
}

func TestSignatureBase64(t *testing.T) {
	got, err := SignatureBase64(bytes.NewReader(certData(t, -1)))
	if err != nil {
		t.Fatal(err)
	}
	// base64 of the 50-byte signature in TestSignatureKnownVectors.
	if want := "T0NUT1NJRwEEU0hBMQdBZGxlcjMyPj4+CAL3n6LwMwvQaYLTtdvabBpq0WaHoM2wPA0="; got != want {
		t.Errorf("SignatureBase64 = %s, want %s", got, want)
	}
}

func TestReadSignatureRefuses(t *testing.T) {
	header := "OCTOSIG\x01\x04SHA1\x07Adler32>>>"
	entry := func(length uint16) string {
		e := make([]byte, chunkEntryLen)
		binary.LittleEndian.PutUint16(e, length)
		return string(e)
	}
	tests := []struct {
		name  string
		input string
	}{
		{"empty", ""},
		{"bad magic", "OCTOSIX\x01\x04SHA1\x07Adler32>>>"},
		{"delta instead of signature", "OCTODELTA\x01\x04SHA1"},
		{"version 2", "OCTOSIG\x02\x04SHA1\x07Adler32>>>"},
		{"unknown hash", "OCTOSIG\x01\x06SHA256\x07Adler32>>>"},
		{"unknown checksum", "OCTOSIG\x01\x04SHA1\x07Adler64>>>"},
		{"multi-byte name length", "OCTOSIG\x01\x84\x00SHA1\x07Adler32>>>"},
		{"name cut short", "OCTOSIG\x01\x04SH"},
		{"no end marker", "OCTOSIG\x01\x04SHA1\x07Adler32>><"},
		{"header cut short", header[:len(header)-1]},
		{"partial chunk entry", header + entry(2048)[:25]},
		{"chunk then partial entry", header + entry(2048) + "\x00"},
		{"zero-length chunk", header + entry(0)},
		{"negative chunk length", header + entry(0xffff)},
		{"chunk longer than the maximum", header + entry(MaxChunkSize+1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sig, err := ReadSignature(strings.NewReader(tt.input))
			if !errors.Is(err, ErrCorrupt) {
				t.Errorf("ReadSignature = %v, %v; want ErrCorrupt", sig, err)
			}
		})
	}
}

func TestReadSignatureChunkCap(t *testing.T) {
	var buf bytes.Buffer
	if err := BuildSignature(bytes.NewReader(make([]byte, 5*DefaultChunkSize)), &buf); err != nil {
		t.Fatal(err)
	}
	if _, err := readSignature(bytes.NewReader(buf.Bytes()), 5); err != nil {
		t.Errorf("5 chunks with a cap of 5: %v", err)
	}
	if _, err := readSignature(bytes.NewReader(buf.Bytes()), 4); !errors.Is(err, ErrCorrupt) {
		t.Errorf("5 chunks with a cap of 4: got %v, want ErrCorrupt", err)
	}
}

func TestReadSignatureOffsets(t *testing.T) {
	sig := signatureOf(t, randomBytes(7, 2*DefaultChunkSize+10))
	var got []int64
	for _, c := range sig.Chunks {
		got = append(got, c.Offset, int64(c.Length))
	}
	want := []int64{0, 2048, 2048, 2048, 4096, 10}
	if len(got) != len(want) {
		t.Fatalf("offsets/lengths = %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("offsets/lengths = %v, want %v", got, want)
		}
	}
	if got, want := sig.BasisLength(), int64(2*DefaultChunkSize+10); got != want {
		t.Errorf("BasisLength = %d, want %d", got, want)
	}
}

// rawDelta builds a delta by hand: header with hash, then the given body.
func rawDelta(hash [sha1.Size]byte, body ...[]byte) []byte {
	var b bytes.Buffer
	b.WriteString("OCTODELTA\x01\x04SHA1\x14\x00\x00\x00")
	b.Write(hash[:])
	b.WriteString(">>>")
	for _, p := range body {
		b.Write(p)
	}
	return b.Bytes()
}

func copyCmd(offset, length uint64) []byte {
	c := make([]byte, 17)
	c[0] = opCopy
	binary.LittleEndian.PutUint64(c[1:], offset)
	binary.LittleEndian.PutUint64(c[9:], length)
	return c
}

func dataCmd(p []byte) []byte {
	c := make([]byte, 9, 9+len(p))
	c[0] = opData
	binary.LittleEndian.PutUint64(c[1:], uint64(len(p)))
	return append(c, p...)
}

func TestApplyDeltaRefuses(t *testing.T) {
	basis := randomBytes(8, 10*kib)
	newFile := join(basis[:4*kib], []byte("hello"), basis[6*kib:])
	want := sha1.Sum(newFile)
	good := rawDelta(want, copyCmd(0, 4*kib), dataCmd([]byte("hello")), copyCmd(6*kib, 4*kib))
	if got, err := apply(basis, good); err != nil || !bytes.Equal(got, newFile) {
		t.Fatalf("the hand-made delta does not apply: %v", err)
	}

	tests := []struct {
		name  string
		basis []byte
		delta []byte
		want  error
	}{
		{"wrong hash", basis, rawDelta(sha1.Sum(nil), copyCmd(0, 10)), ErrHashMismatch},
		{"different basis", randomBytes(9, 10*kib), good, ErrHashMismatch},
		{"copy past the end of the basis", basis, rawDelta(want, copyCmd(0, 4*kib), copyCmd(10*kib-10, 11)), ErrCorrupt},
		{"copy starting past the end", basis, rawDelta(want, copyCmd(10*kib+1, 0)), ErrCorrupt},
		{"copy whose end overflows", basis, rawDelta(want, copyCmd(1<<62, 1<<62)), ErrCorrupt},
		{"negative copy offset", basis, rawDelta(want, copyCmd(^uint64(0), 1)), ErrCorrupt},
		{"negative copy length", basis, rawDelta(want, copyCmd(0, ^uint64(0))), ErrCorrupt},
		{"negative data length", basis, rawDelta(want, []byte{opData, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}), ErrCorrupt},
		{"data longer than the delta", basis, rawDelta(want, []byte{opData, 100, 0, 0, 0, 0, 0, 0, 0}, []byte("short")), ErrCorrupt},
		{"huge data length", basis, rawDelta(want, []byte{opData, 0, 0, 0, 0, 0, 0, 0, 0x70}), ErrCorrupt},
		{"unknown command", basis, rawDelta(want, copyCmd(0, 4*kib), []byte{0x42}), ErrCorrupt},
		{"bad magic", basis, append([]byte("OCTOSIG"), good[7:]...), ErrCorrupt},
		{"signature instead of delta", basis, []byte("OCTOSIG\x01\x04SHA1\x07Adler32>>>"), ErrCorrupt},
		{"version 2", basis, join(good[:9], []byte{2}, good[10:]), ErrCorrupt},
		{"unknown hash algorithm", basis, join(good[:10], []byte("\x04SHA2"), good[15:]), ErrCorrupt},
		{"hash length 32", basis, join(good[:15], []byte{32, 0, 0, 0}, good[19:]), ErrCorrupt},
		{"no end marker", basis, join(good[:39], []byte("<<<"), good[42:]), ErrCorrupt},
		{"empty", basis, nil, ErrCorrupt},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := apply(tt.basis, tt.delta)
			if !errors.Is(err, tt.want) {
				t.Fatalf("ApplyDelta error = %v, want %v", err, tt.want)
			}
			if tt.want == ErrCorrupt && len(got) >= len(newFile) {
				t.Errorf("wrote %d bytes before refusing, want less than the %d-byte result", len(got), len(newFile))
			}
		})
	}
}

func TestApplyDeltaFlippedHeaderByte(t *testing.T) {
	basis := randomBytes(10, 5*kib)
	newFile := join(basis[:2*kib], []byte("x"), basis[2*kib:])
	delta := deltaOf(t, basis, newFile)
	for i := 0; i < deltaHeaderLen; i++ {
		bad := bytes.Clone(delta)
		bad[i] ^= 0x01
		_, err := apply(basis, bad)
		want := ErrCorrupt
		if i >= 19 && i < 39 { // the expected SHA-1
			want = ErrHashMismatch
		}
		if !errors.Is(err, want) {
			t.Errorf("byte %d flipped: error = %v, want %v", i, err, want)
		}
	}
}

func TestApplyDeltaTruncated(t *testing.T) {
	basis := randomBytes(11, 9*kib)
	newFile := join(basis[:2*kib], []byte("inserted"), basis[2*kib:7*kib], []byte("end"))
	delta := deltaOf(t, basis, newFile)
	if n := len(commands(t, delta)); n < 3 {
		t.Fatalf("the delta has %d commands; the test wants several", n)
	}
	for n := 0; n < len(delta); n++ {
		_, err := apply(basis, delta[:n])
		if !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrHashMismatch) {
			t.Errorf("delta cut to %d of %d bytes: error = %v, want ErrCorrupt or ErrHashMismatch", n, len(delta), err)
		}
	}
}

func TestApplyDeltaLimit(t *testing.T) {
	basis := randomBytes(12, 4*kib)
	delta := deltaOf(t, basis, join(basis, basis, basis))
	var out bytes.Buffer
	if err := applyDeltaLimit(bytes.NewReader(basis), bytes.NewReader(delta), &out, 12*kib); err != nil {
		t.Errorf("limit equal to the output: %v", err)
	}
	out.Reset()
	err := applyDeltaLimit(bytes.NewReader(basis), bytes.NewReader(delta), &out, 12*kib-1)
	if !errors.Is(err, ErrTooLarge) {
		t.Errorf("limit one below the output: error = %v, want ErrTooLarge", err)
	}
	if out.Len() >= 12*kib {
		t.Errorf("wrote %d bytes past a limit of %d", out.Len(), 12*kib-1)
	}
}

// Unread literal bytes are skipped by Next, so a reader may ignore Data.
func TestDeltaReaderSkipsUnreadData(t *testing.T) {
	delta := rawDelta(sha1.Sum(nil), dataCmd([]byte("abc")), copyCmd(5, 6), dataCmd([]byte("de")))
	got := commands(t, delta)
	want := []deltaCommand{{Op: cmdData, Length: 3}, {Op: cmdCopy, Offset: 5, Length: 6}, {Op: cmdData, Length: 2}}
	if len(got) != len(want) {
		t.Fatalf("commands = %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("command %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}

func TestBuildDeltaWithAdler32V2Signature(t *testing.T) {
	basis := randomBytes(13, 50*kib)
	newFile := join(basis[:20*kib], []byte("v2"), basis[20*kib:])
	var sigBuf bytes.Buffer
	if err := buildSignature(bytes.NewReader(basis), &sigBuf, DefaultChunkSize, checksumAdler32V2); err != nil {
		t.Fatal(err)
	}
	sig, err := ReadSignature(&sigBuf)
	if err != nil {
		t.Fatal(err)
	}
	var delta bytes.Buffer
	if err := BuildDelta(bytes.NewReader(newFile), sig, &delta); err != nil {
		t.Fatal(err)
	}
	if delta.Len() > 3*DefaultChunkSize {
		t.Errorf("delta is %d bytes, want at most %d", delta.Len(), 3*DefaultChunkSize)
	}
	got, err := apply(basis, delta.Bytes())
	if err != nil || !bytes.Equal(got, newFile) {
		t.Errorf("round trip with Adler32V2 failed: %v", err)
	}
}
