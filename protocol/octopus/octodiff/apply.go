package octodiff

import (
	"bufio"
	"bytes"
	"crypto/sha1"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// deltaOp is a delta command.
type deltaOp byte

// The two commands of an OCTODELTA body.
const (
	cmdCopy deltaOp = opCopy // copy Length bytes of the basis file from Offset
	cmdData deltaOp = opData // write Length literal bytes, read from deltaCommand.Data
)

// deltaCommand is one command of a delta.
type deltaCommand struct {
	Op     deltaOp
	Offset int64 // cmdCopy only: where the bytes start in the basis file
	Length int64
	// Data holds the literal bytes of a cmdData command. It is valid until
	// the next call to Next, which skips whatever was not read. Running out
	// of input before Length bytes is an ErrCorrupt error.
	Data io.Reader
}

// deltaReader reads an OCTODELTA file command by command, never holding more
// than a small buffer of it.
type deltaReader struct {
	r        *bufio.Reader
	expected [sha1.Size]byte
	pos      int64 // offset in the delta file, for error messages
	literal  literalReader
	err      error // sticky
}

// readDelta reads and checks the delta header: "OCTODELTA", version 1, SHA1,
// hash length 20, the expected hash and ">>>". Malformed input wraps
// ErrCorrupt.
func readDelta(r io.Reader) (*deltaReader, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	if err := expectLiteral(br, deltaMagic, "delta magic"); err != nil {
		return nil, err
	}
	version, err := br.ReadByte()
	if err != nil {
		return nil, readErr(err, "delta version")
	}
	if version != formatVersion {
		return nil, corruptf("delta format version %d, want %d", version, formatVersion)
	}
	hashName, err := readName(br, "delta hash algorithm")
	if err != nil {
		return nil, err
	}
	if hashName != hashSHA1 {
		return nil, corruptf("delta hash algorithm %q, want %q", hashName, hashSHA1)
	}
	var n [4]byte
	if err := readFull(br, n[:], "delta hash length"); err != nil {
		return nil, err
	}
	if got := int32(binary.LittleEndian.Uint32(n[:])); got != sha1Len {
		return nil, corruptf("delta hash length %d, want %d for SHA1", got, sha1Len)
	}
	d := &deltaReader{r: br}
	if err := readFull(br, d.expected[:], "delta expected hash"); err != nil {
		return nil, err
	}
	if err := expectLiteral(br, endOfMetadata, "delta end-of-metadata marker"); err != nil {
		return nil, err
	}
	d.pos = int64(len(deltaMagic) + 1 + 1 + len(hashSHA1) + 4 + sha1Len + len(endOfMetadata))
	d.literal.d = d
	return d, nil
}

// ExpectedHash is the SHA-1 the patched file must have.
func (d *deltaReader) ExpectedHash() [sha1.Size]byte { return d.expected }

// Next returns the next command, or io.EOF after the last one.
func (d *deltaReader) Next() (deltaCommand, error) {
	if d.err != nil {
		return deltaCommand{}, d.err
	}
	cmd, err := d.next()
	if err != nil {
		d.err = err
	}
	return cmd, err
}

func (d *deltaReader) next() (deltaCommand, error) {
	if d.literal.left > 0 {
		if _, err := io.Copy(io.Discard, &d.literal); err != nil {
			return deltaCommand{}, err
		}
	}
	start := d.pos
	op, err := d.r.ReadByte()
	if errors.Is(err, io.EOF) {
		return deltaCommand{}, io.EOF // commands run until the end of the file
	}
	if err != nil {
		return deltaCommand{}, readErr(err, "delta command")
	}
	d.pos++
	switch deltaOp(op) {
	case cmdCopy:
		var b [16]byte
		if err := readFull(d.r, b[:], fmt.Sprintf("copy command at offset %d", start)); err != nil {
			return deltaCommand{}, err
		}
		d.pos += 16
		offset := int64(binary.LittleEndian.Uint64(b[0:]))
		length := int64(binary.LittleEndian.Uint64(b[8:]))
		if offset < 0 || length < 0 {
			return deltaCommand{}, corruptf("copy command at offset %d has negative offset %d or length %d", start, offset, length)
		}
		return deltaCommand{Op: cmdCopy, Offset: offset, Length: length}, nil
	case cmdData:
		var b [8]byte
		if err := readFull(d.r, b[:], fmt.Sprintf("data command at offset %d", start)); err != nil {
			return deltaCommand{}, err
		}
		d.pos += 8
		length := int64(binary.LittleEndian.Uint64(b[:]))
		if length < 0 {
			return deltaCommand{}, corruptf("data command at offset %d has negative length %d", start, length)
		}
		d.literal.left = length
		return deltaCommand{Op: cmdData, Length: length, Data: &d.literal}, nil
	default:
		return deltaCommand{}, corruptf("unknown command byte 0x%02x at offset %d", op, start)
	}
}

// literalReader yields the bytes of the current DATA command.
type literalReader struct {
	d    *deltaReader
	left int64
}

func (l *literalReader) Read(p []byte) (int, error) {
	if l.left <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > l.left {
		p = p[:l.left]
	}
	n, err := l.d.r.Read(p)
	l.left -= int64(n)
	l.d.pos += int64(n)
	if errors.Is(err, io.EOF) && l.left > 0 {
		return n, corruptf("data command truncated, %d bytes missing at end of delta", l.left)
	}
	if err != nil && !errors.Is(err, io.EOF) {
		return n, fmt.Errorf("octodiff: reading delta: %w", err)
	}
	return n, nil
}

// ApplyDelta writes to out the file that delta describes against basis,
// streaming: it holds neither the delta nor the output in memory. Every COPY
// is checked against the size of basis, and at the end the SHA-1 of what was
// written is compared with the delta's header.
//
// Because the output is streamed, a failure is only known after some or all
// of it was written: on any error the caller must discard out (write to a
// temporary file and rename it into place only on success).
//
// A small delta can describe a huge output (many copies of the whole basis);
// servers should use applyDeltaLimit.
func ApplyDelta(basis io.ReadSeeker, delta io.Reader, out io.Writer) error {
	return applyDeltaLimit(basis, delta, out, 0)
}

// applyDeltaLimit is ApplyDelta refusing, with ErrTooLarge, to write more
// than maxOutput bytes; maxOutput <= 0 means no limit. The check comes before
// each command's bytes are written.
func applyDeltaLimit(basis io.ReadSeeker, delta io.Reader, out io.Writer, maxOutput int64) error {
	basisLen, err := basis.Seek(0, io.SeekEnd)
	if err != nil {
		return fmt.Errorf("octodiff: basis file: %w", err)
	}
	d, err := readDelta(delta)
	if err != nil {
		return err
	}
	h := sha1.New()
	dst := io.MultiWriter(outputWriter{out}, h)
	buf := make([]byte, 256<<10)
	var written int64
	for {
		cmd, err := d.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		if maxOutput > 0 && cmd.Length > maxOutput-written {
			return fmt.Errorf("%w: the delta's output exceeds %d bytes", ErrTooLarge, maxOutput)
		}
		var n int64
		switch cmd.Op {
		case cmdCopy:
			if cmd.Offset > basisLen || cmd.Length > basisLen-cmd.Offset {
				return corruptf("copy of %d bytes at offset %d is past the end of the %d-byte basis file",
					cmd.Length, cmd.Offset, basisLen)
			}
			if _, err := basis.Seek(cmd.Offset, io.SeekStart); err != nil {
				return fmt.Errorf("octodiff: basis file: %w", err)
			}
			n, err = io.CopyBuffer(dst, io.LimitReader(basis, cmd.Length), buf)
			if err == nil && n < cmd.Length {
				err = fmt.Errorf("octodiff: basis file ended early: %w", io.ErrUnexpectedEOF)
			}
		case cmdData:
			n, err = io.CopyBuffer(dst, cmd.Data, buf)
		}
		written += n
		if err != nil {
			return err
		}
	}
	want := d.ExpectedHash()
	if got := h.Sum(nil); !bytes.Equal(got, want[:]) {
		return fmt.Errorf("%w: the %d-byte result has SHA-1 %x, the delta expects %x",
			ErrHashMismatch, written, got, want)
	}
	return nil
}

// outputWriter labels the caller's write errors, so they read apart from
// errors in the delta.
type outputWriter struct{ w io.Writer }

func (o outputWriter) Write(p []byte) (int, error) {
	n, err := o.w.Write(p)
	if err != nil {
		err = fmt.Errorf("octodiff: writing output: %w", err)
	}
	return n, err
}
