package nuget

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"hash"
	"io"
	"os"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/feedserver/feedserver/nuget/nugettest"
)

// specID is the SSQP key conventions' Portable-Pdb-Signature example GUID
// { 0x497B72F6, 0x390A, 0x44FC, { 0x87, 0x8E, 0x5A, 0x2D, 0x63, 0xB6, 0xCC, 0x4B } }
// as .NET stores it, with the stamp 0x04030201.
var specID = PDBID{0xF6, 0x72, 0x7B, 0x49, 0x0A, 0x39, 0xFC, 0x44, 0x87, 0x8E, 0x5A, 0x2D, 0x63, 0xB6, 0xCC, 0x4B, 1, 2, 3, 4}

// readHexFile reads a hand-written hex dump: '#' starts a comment.
func readHexFile(t testing.TB, path string) []byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var digits strings.Builder
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line, _, _ := strings.Cut(sc.Text(), "#")
		digits.WriteString(strings.Join(strings.Fields(line), ""))
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	b, err := hex.DecodeString(digits.String())
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return b
}

// wantRefusal fails the test unless err is a refusal of the package
// (ErrInvalidPackage) whose message contains want.
func wantRefusal(t testing.TB, err error, want string) {
	t.Helper()
	if err == nil || !errors.Is(err, ErrInvalidPackage) || !strings.Contains(err.Error(), want) {
		t.Fatalf("error %v, want a refusal (ErrInvalidPackage) containing %q", err, want)
	}
}

func readPDBBytes(b []byte) (*PortablePDB, error) {
	return ReadPortablePDB(bytes.NewReader(b), int64(len(b)))
}

// The hand-assembled bytes, the generator and the reader agree, and the key
// is the one the SSQP key conventions give for this GUID.
func TestPortablePDBGolden(t *testing.T) {
	golden := readHexFile(t, "testdata/pdb/minimal.hex")
	if gen := nugettest.PortablePDB(specID); !bytes.Equal(gen, golden) {
		t.Fatalf("nugettest.PortablePDB differs from testdata/pdb/minimal.hex:\ngot  %x\nwant %x", gen, golden)
	}
	p, err := readPDBBytes(golden)
	if err != nil {
		t.Fatalf("ReadPortablePDB: %v", err)
	}
	if p.ID != specID || p.Version != "PDB v1.0" || p.IDOffset != 0x7C || p.Size != 192 {
		t.Errorf("ReadPortablePDB = %+v", p)
	}
	if got, want := p.ID.Signature(), "497b72f6390a44fc878e5a2d63b6cc4b"; got != want {
		t.Errorf("Signature = %s, want %s", got, want)
	}
	if got := p.ID.Stamp(); got != 0x04030201 {
		t.Errorf("Stamp = %#x", got)
	}
	if got, want := SymbolKey("Foo.pdb", p.ID), "foo.pdb/497b72f6390a44fc878e5a2d63b6cc4bFFFFFFFF/foo.pdb"; got != want {
		t.Errorf("SymbolKey = %s, want %s", got, want)
	}
}

// The GUID rule keeps leading zeros (the basic-rules example of the SSQP
// key conventions).
func TestPDBIDSignature(t *testing.T) {
	id := PDBID{0xF6, 0x72, 0x7B, 0x09, 0x0A, 0x39, 0xFC, 0x04, 0x87, 0x8E, 0x5A, 0x2D, 0x63, 0xB6, 0xCC, 0x4B}
	if got, want := id.Signature(), "097b72f6390a04fc878e5a2d63b6cc4b"; got != want {
		t.Errorf("Signature = %s, want %s", got, want)
	}
}

func TestSymbolKey(t *testing.T) {
	for _, tc := range []struct{ name, want string }{
		{"Foo.pdb", "foo.pdb/497b72f6390a44fc878e5a2d63b6cc4bFFFFFFFF/foo.pdb"},
		{"lib/net45/My.Lib.PDB", "my.lib.pdb/497b72f6390a44fc878e5a2d63b6cc4bFFFFFFFF/my.lib.pdb"},
		{`lib\netstandard2.0\Ünï.pdb`, "ünï.pdb/497b72f6390a44fc878e5a2d63b6cc4bFFFFFFFF/ünï.pdb"},
	} {
		if got := SymbolKey(tc.name, specID); got != tc.want {
			t.Errorf("SymbolKey(%q) = %s, want %s", tc.name, got, tc.want)
		}
	}
}

// Every id the generator writes is the id read back.
func TestPortablePDBRoundTrip(t *testing.T) {
	for i := range 50 {
		var id PDBID
		for j := range id {
			id[j] = byte(i*31 + j*7)
		}
		p, err := readPDBBytes(nugettest.PortablePDB(id))
		if err != nil {
			t.Fatalf("id %x: %v", id, err)
		}
		if p.ID != id {
			t.Fatalf("read id %x, wrote %x", p.ID, id)
		}
	}
}

// checksumByHand zeroes the id in a copy and hashes it, as PE-COFF.md says.
func checksumByHand(b []byte, at int64, h hash.Hash) []byte {
	c := bytes.Clone(b)
	clear(c[at : at+PDBIDSize])
	h.Write(c)
	return h.Sum(nil)
}

func TestPDBChecksum(t *testing.T) {
	b := nugettest.PortablePDB(specID)
	p, err := readPDBBytes(b)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		alg string
		h   hash.Hash
	}{{"SHA256", sha256.New()}, {"SHA384", sha512.New384()}, {"SHA512", sha512.New()}} {
		got, err := p.Checksum(bytes.NewReader(b), tc.alg)
		if err != nil {
			t.Fatalf("%s: %v", tc.alg, err)
		}
		if want := checksumByHand(b, p.IDOffset, tc.h); !bytes.Equal(got, want) {
			t.Errorf("%s checksum %x, want %x", tc.alg, got, want)
		}
	}
	// The checksum does not depend on the id, which is the point of zeroing it.
	other := nugettest.PortablePDB(PDBID{9, 9, 9})
	a, _ := p.Checksum(bytes.NewReader(b), "SHA256")
	q, _ := readPDBBytes(other)
	o, _ := q.Checksum(bytes.NewReader(other), "SHA256")
	if !bytes.Equal(a, o) {
		t.Error("two PDBs that differ only in their id have different checksums")
	}
	if _, err := p.Checksum(bytes.NewReader(b), "sha256"); err == nil {
		t.Error("lower-case algorithm accepted; PE-COFF.md says the name is case-sensitive")
	}
	if _, err := p.Checksum(bytes.NewReader(b[:100]), "SHA256"); err == nil {
		t.Error("Checksum of a truncated file succeeded")
	}
}

// The streaming reader used for symbol packages finds the same id and
// checksum, whatever the read sizes.
func TestReadPDBStream(t *testing.T) {
	b := nugettest.PortablePDB(specID)
	b = append(b, bytes.Repeat([]byte{0xAB}, 70000)...) // data past the header, read in several chunks
	want := checksumByHand(b, 0x7C, sha256.New())
	for _, tc := range []struct {
		name string
		r    io.Reader
	}{
		{"plain", bytes.NewReader(b)},
		{"one byte at a time", iotest.OneByteReader(bytes.NewReader(b))},
		{"half reads", iotest.HalfReader(bytes.NewReader(b))},
	} {
		p, sum, err := readPDBStreamSHA256(tc.r, int64(len(b)))
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if p.ID != specID || !bytes.Equal(sum[:], want) {
			t.Errorf("%s: id %x sum %x, want %x %x", tc.name, p.ID, sum, specID, want)
		}
	}
	if _, _, err := readPDBStreamSHA256(bytes.NewReader(b), int64(len(b))+1); err == nil {
		t.Error("a stream shorter than its declared size was accepted")
	}
	if _, _, err := readPDBStreamSHA256(bytes.NewReader(b), int64(len(b))-1); err == nil {
		t.Error("a stream longer than its declared size was accepted")
	}
}

// readPDBStreamSHA256 is readPDBStream with the SHA-256 hash symbol packages keep.
func readPDBStreamSHA256(r io.Reader, size int64) (*PortablePDB, []byte, error) {
	h := sha256.New()
	p, err := readPDBStream(r, size, h)
	return p, h.Sum(nil), err
}

// StreamPDBChecksum gives PortablePDB.Checksum's answer for every algorithm.
func TestStreamPDBChecksum(t *testing.T) {
	b := append(nugettest.PortablePDB(specID), bytes.Repeat([]byte{0xCD}, 5000)...)
	p, err := ReadPortablePDB(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	for _, alg := range []string{"SHA256", "SHA384", "SHA512"} {
		want, err := p.Checksum(bytes.NewReader(b), alg)
		if err != nil {
			t.Fatal(err)
		}
		got, err := StreamPDBChecksum(iotest.HalfReader(bytes.NewReader(b)), int64(len(b)), alg)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s: StreamPDBChecksum = %x, %v; want %x", alg, got, err, want)
		}
	}
	if _, err := StreamPDBChecksum(bytes.NewReader(b), int64(len(b)), "MD5"); err == nil {
		t.Error("MD5 accepted")
	}
	if _, err := StreamPDBChecksum(bytes.NewReader([]byte("not a pdb at all")), 16, "SHA256"); !errors.Is(err, ErrInvalidPackage) {
		t.Errorf("a file that is not a PDB: %v, want ErrInvalidPackage", err)
	}
}

func TestReadPortablePDBRefusals(t *testing.T) {
	golden := nugettest.PortablePDB(specID)
	edit := func(f func(b []byte) []byte) []byte { return f(bytes.Clone(golden)) }
	put32 := func(off int, v uint32) []byte {
		return edit(func(b []byte) []byte { binary.LittleEndian.PutUint32(b[off:], v); return b })
	}
	put16 := func(off int, v uint16) []byte {
		return edit(func(b []byte) []byte { binary.LittleEndian.PutUint16(b[off:], v); return b })
	}
	rename := func(off int, name string) []byte {
		return edit(func(b []byte) []byte { copy(b[off:], name); return b })
	}
	for _, tc := range []struct {
		name string
		in   []byte
		want string
	}{
		{"empty", nil, `signature "BSJB"`},
		{"text", []byte("hello, this is not a PDB at all"), `signature "BSJB"`},
		{"windows PDB", append([]byte(windowsPDBMagic), make([]byte, 64)...), "Windows PDB"},
		{"signature only", golden[:4], "ends inside its metadata header"},
		{"version length 0", put32(12, 0), "version string length 0"},
		{"version length 13", put32(12, 13), "version string length 13"},
		{"version length 260", put32(12, 260), "version string length 260"},
		{"version length past the end", put32(12, 256), "ends inside"},
		{"version without NUL", edit(func(b []byte) []byte { copy(b[16:28], "PDB v1.0abcd"); return b }), "NUL-terminated"},
		{"no streams", put16(30, 0), "declares 0 streams"},
		{"too many streams", put16(30, 33), "declares 33 streams"},
		{"more streams than headers", put16(30, 9), `stream`},
		{"truncated headers", golden[:40], "ends inside its stream headers"},
		{"stream past the end", put32(0x24, 1000), `"#Pdb" stream lies outside the file`},
		{"stream offset past the end", put32(0x20, 0xFFFFFFF0), `"#Pdb" stream lies outside the file`},
		{"no #Pdb", rename(0x28, "#Pdx"), `no "#Pdb" stream`},
		{"small #Pdb", put32(0x24, 20), `"#Pdb" stream is 20 bytes`},
		{"no #~", rename(0x38, "#-"), `no "#~" stream`},
		{"two #Pdb", rename(0x64, "#Pdb\x00"), `two "#Pdb" streams`},
		{"name not terminated", rename(0x44, "#Strings"+strings.Repeat("X", 25)), "not NUL-terminated within 32 bytes"},
		{"name not ASCII", rename(0x38, "#\x01"), "not printable ASCII"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := readPDBBytes(tc.in)
			wantRefusal(t, err, tc.want)
		})
	}
}

// A reader shorter than the size it is given is refused, not read as zeros.
func TestReadPortablePDBShortReader(t *testing.T) {
	b := nugettest.PortablePDB(specID)
	if _, err := ReadPortablePDB(bytes.NewReader(b[:150]), int64(len(b))); err == nil || !errors.Is(err, ErrInvalidPackage) {
		t.Fatalf("error %v, want a refusal", err)
	}
}

func TestParseSymbolChecksumHeader(t *testing.T) {
	sum := strings.Repeat("ab", 32)
	for _, tc := range []struct {
		in      string
		want    []string // "ALG:hex"
		wantErr string
	}{
		{in: "", want: nil},
		{in: "SHA256:" + sum, want: []string{"SHA256:" + sum}},
		{in: "sha256:" + strings.ToUpper(sum), want: []string{"SHA256:" + sum}},
		{in: " SHA256:" + sum + " ; SHA384:" + strings.Repeat("01", 48) + ";", want: []string{"SHA256:" + sum, "SHA384:" + strings.Repeat("01", 48)}},
		{in: "MD5:00112233445566778899aabbccddeeff;SHA512:" + strings.Repeat("02", 64), want: []string{"SHA512:" + strings.Repeat("02", 64)}},
		{in: "test;hello", wantErr: "not <algorithm>:<hex checksum>"},
		{in: "SHA256:xyz", wantErr: "not hex"},
		{in: "SHA256:abcd", wantErr: "SHA256 checksum is 32 bytes, not 2"},
		{in: strings.Repeat("SHA256:"+sum+";", 17), wantErr: "more than 16 entries"},
		{in: strings.Repeat("x", 5000), wantErr: "limit is 4096"},
	} {
		got, err := ParseSymbolChecksumHeader(tc.in)
		if tc.wantErr != "" {
			if err == nil || !errors.Is(err, ErrSymbolChecksum) || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("ParseSymbolChecksumHeader(%.40q) error %v, want %q", tc.in, err, tc.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseSymbolChecksumHeader(%.40q): %v", tc.in, err)
			continue
		}
		var gotS []string
		for _, c := range got {
			gotS = append(gotS, c.Algorithm+":"+hex.EncodeToString(c.Checksum))
		}
		if strings.Join(gotS, ",") != strings.Join(tc.want, ",") {
			t.Errorf("ParseSymbolChecksumHeader(%.40q) = %v, want %v", tc.in, gotS, tc.want)
		}
	}
}

func TestMatchSymbolChecksum(t *testing.T) {
	b := nugettest.PortablePDB(specID)
	p, _ := readPDBBytes(b)
	sum, _ := p.Checksum(bytes.NewReader(b), "SHA256")
	of := func(alg string) ([]byte, error) { return p.Checksum(bytes.NewReader(b), alg) }
	for _, tc := range []struct {
		header string
		want   bool
	}{
		{"SHA256:" + hex.EncodeToString(sum), true},
		{"SHA256:" + strings.ToUpper(hex.EncodeToString(sum)), true},
		{"SHA256:" + strings.Repeat("00", 32) + ";SHA256:" + hex.EncodeToString(sum), true},
		{"SHA256:" + strings.Repeat("00", 32), false},
		{"", false},
		{"MD5:00112233445566778899aabbccddeeff", false},
	} {
		want, err := ParseSymbolChecksumHeader(tc.header)
		if err != nil {
			t.Fatal(err)
		}
		got, err := MatchSymbolChecksum(want, of)
		if err != nil || got != tc.want {
			t.Errorf("MatchSymbolChecksum(%.30q) = %v, %v; want %v", tc.header, got, err, tc.want)
		}
	}
}
