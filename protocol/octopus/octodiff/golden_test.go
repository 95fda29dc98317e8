package octodiff

import (
	"bytes"
	"encoding/hex"
	"path/filepath"
	"testing"

	"github.com/feedserver/feedserver/internal/golden"
)

// goldenInputs are the small fixed files behind the golden signature and
// delta: a 5000-byte basis (chunks of 2048, 2048 and 904 bytes) and a new
// file that keeps chunk 0, replaces the start of chunk 1 and keeps chunk 2,
// so the delta has a COPY, a DATA and a COPY of the short last chunk.
func goldenInputs() (basis, newFile []byte) {
	basis = randomBytes(42, 5000)
	newFile = join(basis[:2048], []byte("feedserver"), basis[2048+50:])
	return basis, newFile
}

// checkGolden compares got with testdata/name, kept as a hex dump so a
// format change shows up in review as a readable diff.
func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	golden.Check(t, filepath.Join("testdata", name), []byte(hex.Dump(got)))
}

func TestGoldenSignature(t *testing.T) {
	basis, _ := goldenInputs()
	var sig bytes.Buffer
	if err := BuildSignature(bytes.NewReader(basis), &sig); err != nil {
		t.Fatal(err)
	}
	checkGolden(t, "signature.hexdump", sig.Bytes())

	// Cross-check against the byte-by-byte description (docs/protocol/octopus.md §5.3):
	// the 24-byte default header, then 26 bytes per chunk.
	b := sig.Bytes()
	wantHeader := mustHex(t, "4f43544f5349470104534841310741646c657233323e3e3e")
	if !bytes.Equal(b[:24], wantHeader) {
		t.Errorf("header = %x, want %x", b[:24], wantHeader)
	}
	if got, want := len(b), 24+3*26; got != want {
		t.Errorf("length = %d, want %d", got, want)
	}
	// Chunk lengths are int16 little-endian: 2048, 2048, 904.
	for i, want := range []string{"0008", "0008", "8803"} {
		if got := hex.EncodeToString(b[24+i*26 : 24+i*26+2]); got != want {
			t.Errorf("chunk %d length bytes = %s, want %s", i, got, want)
		}
	}
}

func TestGoldenDelta(t *testing.T) {
	basis, newFile := goldenInputs()
	delta := deltaOf(t, basis, newFile)
	checkGolden(t, "delta.hexdump", delta)

	// Cross-check against the byte-by-byte description (docs/protocol/octopus.md §5.3).
	wantPrefix := mustHex(t, "4f43544f44454c544101045348413114000000")
	if !bytes.Equal(delta[:19], wantPrefix) {
		t.Errorf("header prefix = %x, want %x", delta[:19], wantPrefix)
	}
	if string(delta[39:42]) != ">>>" {
		t.Errorf("header ends with %q, want \">>>\"", delta[39:42])
	}
	got := commands(t, delta)
	want := []deltaCommand{
		{Op: cmdCopy, Offset: 0, Length: 2048},
		{Op: cmdData, Length: 10 + 2048 - 50},
		{Op: cmdCopy, Offset: 4096, Length: 904},
	}
	if len(got) != len(want) {
		t.Fatalf("commands = %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("command %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	out, err := apply(basis, delta)
	if err != nil || !bytes.Equal(out, newFile) {
		t.Errorf("the golden delta does not give the new file back: %v", err)
	}
}
