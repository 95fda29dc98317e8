package octodiff

import (
	"bufio"
	"errors"
	"fmt"
	"io"
)

// Sentinel errors; callers classify with errors.Is.
var (
	// ErrCorrupt: the signature or delta is malformed, truncated, uses an
	// algorithm Octodiff does not define, or asks for bytes the basis lacks.
	ErrCorrupt = errors.New("octodiff: corrupt or unsupported data")
	// ErrHashMismatch: the patched output does not have the SHA-1 the delta
	// promised (a wrong basis file, or a damaged delta).
	ErrHashMismatch = errors.New("octodiff: verification of the patched file failed")
	// ErrTooLarge: applying the delta would write more than the caller allows.
	ErrTooLarge = errors.New("octodiff: output too large")
)

// Chunk sizes of the signature, as Octodiff's SignatureBuilder bounds them.
const (
	DefaultChunkSize = 2048
	MinChunkSize     = 128
	MaxChunkSize     = 31 * 1024
)

// MaxSignatureChunks caps how many chunks ReadSignature accepts (a 4 GiB
// basis at the default chunk size), so a hostile signature cannot make it
// allocate without bound. Memory grows with the bytes actually read.
const MaxSignatureChunks = 1 << 21

// Names written in the headers. Only "SHA1" exists as a hash algorithm.
const (
	hashSHA1          = "SHA1"
	checksumAdler32   = "Adler32"   // Octodiff's default; every Octopus client knows it
	checksumAdler32V2 = "Adler32V2" // newer Octodiff only; older Octopus.Client builds reject it
	sha1Len           = 20
	formatVersion     = 0x01
	endOfMetadata     = ">>>"
	signatureMagic    = "OCTOSIG"
	deltaMagic        = "OCTODELTA"
)

// Delta command bytes.
const (
	opCopy = 0x60
	opData = 0x80
)

func corruptf(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrCorrupt, fmt.Sprintf(format, args...))
}

// readFull reads exactly len(p) bytes; running out of input is corruption
// (the formats never end mid-field), other read errors pass through.
func readFull(r io.Reader, p []byte, what string) error {
	if _, err := io.ReadFull(r, p); err != nil {
		return readErr(err, what)
	}
	return nil
}

// readErr classifies a read error met inside a field.
func readErr(err error, what string) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return corruptf("truncated %s", what)
	}
	return fmt.Errorf("octodiff: reading %s: %w", what, err)
}

// expectLiteral reads len(want) bytes and checks they equal want.
func expectLiteral(r io.Reader, want, what string) error {
	got := make([]byte, len(want))
	if err := readFull(r, got, what); err != nil {
		return err
	}
	if string(got) != want {
		return corruptf("%s is %q, want %q", what, got, want)
	}
	return nil
}

// readName reads a .NET BinaryWriter.Write(string): a 7-bit-encoded length,
// then UTF-8. Every name the formats use is under 128 bytes, so a one-byte
// length is all we accept; that also keeps the encoding canonical.
func readName(r *bufio.Reader, what string) (string, error) {
	n, err := r.ReadByte()
	if err != nil {
		return "", readErr(err, what)
	}
	if n >= 0x80 {
		return "", corruptf("%s is longer than any algorithm name", what)
	}
	b := make([]byte, n)
	if err := readFull(r, b, what); err != nil {
		return "", err
	}
	return string(b), nil
}

// writeName writes a name the way .NET BinaryWriter.Write(string) does.
func writeName(w *bufio.Writer, s string) {
	w.WriteByte(byte(len(s))) // names are constants under 128 bytes
	w.WriteString(s)
}
