package octodiff

import (
	"bufio"
	"bytes"
	"crypto/sha1"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"io"
)

// Buffering of the delta builder: it reads the new file in windows of
// scanBufferSize bytes and emits unmatched bytes as DATA commands of at most
// about literalFlushSize, so memory stays flat whatever the file size. A new
// file that fits in smallFileSize bytes is scanned in a buffer of its size:
// allocating and clearing 4 MiB took fifty times longer than the delta of a
// 6 KiB file.
const (
	smallFileSize    = 64 << 10
	scanBufferSize   = 4 << 20
	literalFlushSize = 1 << 20
)

// BuildDelta writes an OCTODELTA file that turns the basis described by sig
// into newFile: the header with newFile's SHA-1, then COPY commands for every
// chunk of the basis found in newFile (a rolling-checksum hit confirmed by
// SHA-1; adjacent copies merged, as Octodiff's writer does) and DATA commands
// for the rest.
//
// The header needs the SHA-1 of the whole new file before any command. When
// newFile is an io.ReadSeeker it is read twice (hash, then seek back and
// scan); otherwise the commands are held in memory until the end.
func BuildDelta(newFile io.Reader, sig *Signature, w io.Writer) error {
	if sig == nil {
		return errors.New("octodiff: nil signature")
	}
	m, err := newMatcher(sig)
	if err != nil {
		return err
	}
	bufSize := scanBufferSize
	if _, ok := newFile.(io.ReadSeeker); !ok {
		// A small file comes back as a *bytes.Reader, a seeker.
		if newFile, bufSize, err = sized(newFile); err != nil {
			return err
		}
	}

	if rs, ok := newFile.(io.ReadSeeker); ok {
		start, err := rs.Seek(0, io.SeekCurrent)
		if err != nil {
			return fmt.Errorf("octodiff: new file: %w", err)
		}
		h := sha1.New()
		n, err := io.Copy(h, rs)
		if err != nil {
			return fmt.Errorf("octodiff: hashing new file: %w", err)
		}
		if _, err := rs.Seek(start, io.SeekStart); err != nil {
			return fmt.Errorf("octodiff: rewinding new file: %w", err)
		}
		if n < smallFileSize {
			bufSize = int(n) + 1 // io.ReadFull then sees the end
		}
		dw := newDeltaWriter(w)
		writeDeltaHeader(dw.w, h)
		if err := m.scan(rs, dw, bufSize); err != nil {
			return err
		}
		return dw.finish()
	}

	var body bytes.Buffer
	h := sha1.New()
	dw := newDeltaWriter(&body)
	if err := m.scan(io.TeeReader(newFile, h), dw, bufSize); err != nil {
		return err
	}
	if err := dw.finish(); err != nil {
		return err
	}
	bw := bufio.NewWriter(w)
	writeDeltaHeader(bw, h)
	if _, err := body.WriteTo(bw); err != nil {
		return fmt.Errorf("octodiff: writing delta: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("octodiff: writing delta: %w", err)
	}
	return nil
}

func writeDeltaHeader(w *bufio.Writer, h hash.Hash) {
	w.WriteString(deltaMagic)
	w.WriteByte(formatVersion)
	writeName(w, hashSHA1)
	var n [4]byte
	binary.LittleEndian.PutUint32(n[:], sha1Len)
	w.Write(n[:])
	w.Write(h.Sum(nil))
	w.WriteString(endOfMetadata)
}

// deltaWriter emits commands, merging each COPY with the previous one when
// they are adjacent in the basis (Octodiff's AggregateCopyOperationsDecorator).
type deltaWriter struct {
	w                *bufio.Writer
	copyOff, copyLen int64    // the pending, not yet written, COPY
	cmd              [17]byte // scratch for a command's fixed part
}

func newDeltaWriter(w io.Writer) *deltaWriter {
	return &deltaWriter{w: bufio.NewWriterSize(w, 64<<10)}
}

func (d *deltaWriter) copy(offset, length int64) {
	if d.copyLen > 0 && d.copyOff+d.copyLen == offset {
		d.copyLen += length
		return
	}
	d.flushCopy()
	d.copyOff, d.copyLen = offset, length
}

// nextCopyOffset is the basis offset that would extend the pending COPY.
func (d *deltaWriter) nextCopyOffset() int64 {
	if d.copyLen == 0 {
		return -1
	}
	return d.copyOff + d.copyLen
}

func (d *deltaWriter) flushCopy() {
	if d.copyLen == 0 {
		return
	}
	d.cmd[0] = opCopy
	binary.LittleEndian.PutUint64(d.cmd[1:], uint64(d.copyOff))
	binary.LittleEndian.PutUint64(d.cmd[9:], uint64(d.copyLen))
	d.w.Write(d.cmd[:17])
	d.copyLen = 0
}

func (d *deltaWriter) data(p []byte) {
	if len(p) == 0 {
		return
	}
	d.flushCopy()
	d.cmd[0] = opData
	binary.LittleEndian.PutUint64(d.cmd[1:], uint64(len(p)))
	d.w.Write(d.cmd[:9])
	d.w.Write(p)
}

func (d *deltaWriter) finish() error {
	d.flushCopy()
	if err := d.w.Flush(); err != nil {
		return fmt.Errorf("octodiff: writing delta: %w", err)
	}
	return nil
}

// matcher finds the signature's chunks in a new file.
type matcher struct {
	sum    rolling
	window int                // length of the full chunks, the sliding window
	index  map[uint32][]int32 // rolling checksum → chunks of length window
	chunks []Chunk
	tail   *Chunk // the basis' last chunk when it is shorter than window
}

func newMatcher(sig *Signature) (*matcher, error) {
	sum, ok := rollingFor(sig.ChecksumAlgorithm)
	if !ok {
		return nil, fmt.Errorf("octodiff: unknown rolling checksum %q", sig.ChecksumAlgorithm)
	}
	m := &matcher{sum: sum, chunks: sig.Chunks, index: make(map[uint32][]int32)}
	if len(sig.Chunks) == 0 {
		return m, nil
	}
	m.window = sig.Chunks[0].Length
	for i, c := range sig.Chunks {
		// Signatures we write have equal chunks but a shorter last one; any
		// other shape still works, its odd chunks are simply never matched.
		if c.Length == m.window {
			m.index[c.Checksum] = append(m.index[c.Checksum], int32(i))
		}
	}
	if last := &sig.Chunks[len(sig.Chunks)-1]; last.Length < m.window {
		m.tail = last
	}
	return m, nil
}

// find returns the chunk whose content is block, given its rolling checksum;
// among identical chunks it prefers the one at prefer, so copies stay merged.
func (m *matcher) find(sum uint32, block []byte, prefer int64) (Chunk, bool) {
	candidates, ok := m.index[sum]
	if !ok {
		return Chunk{}, false
	}
	h := sha1.Sum(block)
	found := -1
	for _, i := range candidates {
		if m.chunks[i].Hash != h {
			continue
		}
		if m.chunks[i].Offset == prefer {
			return m.chunks[i], true
		}
		if found < 0 {
			found = int(i)
		}
	}
	if found < 0 {
		return Chunk{}, false
	}
	return m.chunks[found], true
}

// sized reads the start of a new file that cannot seek and returns the file,
// to be read from its start again, and the size of the buffer that scanning
// it needs: one byte more than the file when it fits in smallFileSize
// (io.ReadFull then sees its end), else scanBufferSize.
func sized(newFile io.Reader) (io.Reader, int, error) {
	head := make([]byte, smallFileSize)
	n, err := io.ReadFull(newFile, head)
	switch {
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		return bytes.NewReader(head[:n]), n + 1, nil
	case err != nil:
		return nil, 0, fmt.Errorf("octodiff: reading new file: %w", err)
	}
	return io.MultiReader(bytes.NewReader(head), newFile), scanBufferSize, nil
}

// scan reads r to its end and writes its commands to dw, through a buffer
// of bufSize bytes.
func (m *matcher) scan(r io.Reader, dw *deltaWriter, bufSize int) error {
	if m.window == 0 {
		return literalOnly(r, dw)
	}
	w := m.window
	buf := make([]byte, bufSize)
	// buf[lit:pos] is unmatched input not yet written; buf[pos:pos+w] is the
	// window; buf[:end] holds data read so far.
	var lit, pos, end int
	eof := false
	refill := func() error {
		if pos-lit >= literalFlushSize {
			dw.data(buf[lit:pos])
			lit = pos
		}
		end = copy(buf, buf[lit:end])
		pos -= lit
		lit = 0
		n, err := io.ReadFull(r, buf[end:])
		end += n
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			eof = true
		} else if err != nil {
			return fmt.Errorf("octodiff: reading new file: %w", err)
		}
		return nil
	}

	var sum uint32
	haveSum := false
	for {
		if end-pos <= w && !eof { // the window and the next byte must be in buf
			if err := refill(); err != nil {
				return err
			}
		}
		if end-pos < w {
			break
		}
		if !haveSum {
			sum = m.sum.sum(buf[pos : pos+w])
			haveSum = true
		}
		if c, ok := m.find(sum, buf[pos:pos+w], dw.nextCopyOffset()); ok {
			dw.data(buf[lit:pos])
			dw.copy(c.Offset, int64(c.Length))
			pos += w
			lit = pos
			haveSum = false
			continue
		}
		if end-pos == w { // at the end of the input: nothing left to slide in
			break
		}
		sum = m.sum.rotate(sum, buf[pos], buf[pos+w], w)
		pos++
	}

	// The basis' short last chunk can only match the end of the new file.
	if t := m.tail; t != nil && end-lit >= t.Length {
		block := buf[end-t.Length : end]
		if m.sum.sum(block) == t.Checksum && sha1.Sum(block) == t.Hash {
			dw.data(buf[lit : end-t.Length])
			dw.copy(t.Offset, int64(t.Length))
			lit = end
		}
	}
	dw.data(buf[lit:end])
	return nil
}

// literalOnly writes r as DATA commands: there is nothing to copy from.
func literalOnly(r io.Reader, dw *deltaWriter) error {
	buf := make([]byte, literalFlushSize)
	for {
		n, err := io.ReadFull(r, buf)
		dw.data(buf[:n])
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("octodiff: reading new file: %w", err)
		}
	}
}
