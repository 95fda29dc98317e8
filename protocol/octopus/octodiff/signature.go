package octodiff

import (
	"bufio"
	"bytes"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// Chunk is one entry of a signature: a consecutive slice of the basis file.
type Chunk struct {
	Offset   int64 // not stored in the file; the sum of the previous lengths
	Length   int   // 1..MaxChunkSize; only the last chunk may be shorter
	Checksum uint32
	Hash     [sha1.Size]byte
}

// Signature is a parsed OCTOSIG file. The hash algorithm is always SHA1,
// the only one Octodiff defines.
type Signature struct {
	// ChecksumAlgorithm is "Adler32" (Octodiff's default) or "Adler32V2".
	ChecksumAlgorithm string
	Chunks            []Chunk
}

// chunkEntryLen is the size of one chunk entry on the wire: int16 length,
// uint32 checksum, SHA-1.
const chunkEntryLen = 2 + 4 + sha1Len

// BuildSignature reads the basis file r to its end and writes its Octodiff
// signature to w: SHA1, "Adler32", 2048-byte chunks — what every Octopus
// client can read (older Octopus.Client builds do not know Adler32V2).
func BuildSignature(r io.Reader, w io.Writer) error {
	return buildSignature(r, w, DefaultChunkSize, checksumAdler32)
}

// SignatureBase64 builds the signature of r and returns it base64-encoded,
// as the delta-signature endpoint's JSON carries it (Newtonsoft serialises
// byte[] that way; Octopus.Client and go-octopusdeploy decode it).
func SignatureBase64(r io.Reader) (string, error) {
	var buf bytes.Buffer
	if err := BuildSignature(r, &buf); err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(buf.Bytes()), nil
}

func buildSignature(r io.Reader, w io.Writer, chunkSize int, checksumName string) error {
	if chunkSize < MinChunkSize || chunkSize > MaxChunkSize {
		return fmt.Errorf("octodiff: chunk size %d outside %d..%d", chunkSize, MinChunkSize, MaxChunkSize)
	}
	sum, ok := rollingFor(checksumName)
	if !ok {
		return fmt.Errorf("octodiff: unknown rolling checksum %q", checksumName)
	}
	bw := bufio.NewWriter(w)
	writeSignatureHeader(bw, checksumName)
	block := make([]byte, chunkSize)
	entry := make([]byte, chunkEntryLen)
	for {
		n, err := io.ReadFull(r, block)
		if n > 0 {
			writeChunkEntry(bw, entry, n, sum.sum(block[:n]), sha1.Sum(block[:n]))
		}
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("octodiff: reading basis file: %w", err)
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("octodiff: writing signature: %w", err)
	}
	return nil
}

func writeSignatureHeader(w *bufio.Writer, checksumName string) {
	w.WriteString(signatureMagic)
	w.WriteByte(formatVersion)
	writeName(w, hashSHA1)
	writeName(w, checksumName)
	w.WriteString(endOfMetadata)
}

// writeChunkEntry writes one chunk entry, using e (chunkEntryLen bytes) as
// scratch space.
func writeChunkEntry(w *bufio.Writer, e []byte, length int, checksum uint32, hash [sha1.Size]byte) {
	binary.LittleEndian.PutUint16(e[0:], uint16(length))
	binary.LittleEndian.PutUint32(e[2:], checksum)
	copy(e[6:], hash[:])
	w.Write(e)
}

// ReadSignature parses an OCTOSIG file strictly: magic, version 1, SHA1,
// Adler32 or Adler32V2, the ">>>" marker, then whole 26-byte chunk entries
// until EOF, each 1..MaxChunkSize long, at most MaxSignatureChunks of them.
// Malformed input wraps ErrCorrupt.
func ReadSignature(r io.Reader) (*Signature, error) {
	return readSignature(r, MaxSignatureChunks)
}

func readSignature(r io.Reader, maxChunks int) (*Signature, error) {
	br := bufio.NewReader(r)
	if err := expectLiteral(br, signatureMagic, "signature magic"); err != nil {
		return nil, err
	}
	version, err := br.ReadByte()
	if err != nil {
		return nil, readErr(err, "signature version")
	}
	if version != formatVersion {
		return nil, corruptf("signature format version %d, want %d", version, formatVersion)
	}
	hashName, err := readName(br, "signature hash algorithm")
	if err != nil {
		return nil, err
	}
	if hashName != hashSHA1 {
		return nil, corruptf("signature hash algorithm %q, want %q", hashName, hashSHA1)
	}
	checksumName, err := readName(br, "signature rolling checksum algorithm")
	if err != nil {
		return nil, err
	}
	if _, ok := rollingFor(checksumName); !ok {
		return nil, corruptf("signature rolling checksum algorithm %q is not Adler32 or Adler32V2", checksumName)
	}
	if err := expectLiteral(br, endOfMetadata, "signature end-of-metadata marker"); err != nil {
		return nil, err
	}

	sig := &Signature{ChecksumAlgorithm: checksumName}
	var offset int64
	var e [chunkEntryLen]byte
	for {
		if _, err := br.Peek(1); errors.Is(err, io.EOF) {
			return sig, nil
		}
		if len(sig.Chunks) == maxChunks {
			return nil, corruptf("signature has more than %d chunks", maxChunks)
		}
		if err := readFull(br, e[:], fmt.Sprintf("signature chunk %d", len(sig.Chunks))); err != nil {
			return nil, err
		}
		length := int(int16(binary.LittleEndian.Uint16(e[0:])))
		if length < 1 || length > MaxChunkSize {
			return nil, corruptf("signature chunk %d has length %d, want 1..%d", len(sig.Chunks), length, MaxChunkSize)
		}
		c := Chunk{Offset: offset, Length: length, Checksum: binary.LittleEndian.Uint32(e[2:])}
		copy(c.Hash[:], e[6:])
		sig.Chunks = append(sig.Chunks, c)
		offset += int64(length)
	}
}

// WriteTo writes the signature in Octodiff's format. It implements io.WriterTo.
func (s *Signature) WriteTo(w io.Writer) (int64, error) {
	if _, ok := rollingFor(s.ChecksumAlgorithm); !ok {
		return 0, fmt.Errorf("octodiff: unknown rolling checksum %q", s.ChecksumAlgorithm)
	}
	cw := &countingWriter{w: w}
	bw := bufio.NewWriter(cw)
	writeSignatureHeader(bw, s.ChecksumAlgorithm)
	entry := make([]byte, chunkEntryLen)
	for i, c := range s.Chunks {
		if c.Length < 1 || c.Length > MaxChunkSize {
			return cw.n, fmt.Errorf("octodiff: chunk %d has length %d, want 1..%d", i, c.Length, MaxChunkSize)
		}
		writeChunkEntry(bw, entry, c.Length, c.Checksum, c.Hash)
	}
	err := bw.Flush()
	if err != nil {
		err = fmt.Errorf("octodiff: writing signature: %w", err)
	}
	return cw.n, err
}

// BasisLength is the length of the basis file the signature describes.
func (s *Signature) BasisLength() int64 {
	if len(s.Chunks) == 0 {
		return 0
	}
	last := s.Chunks[len(s.Chunks)-1]
	return last.Offset + int64(last.Length)
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
