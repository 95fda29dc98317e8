package nuget

import (
	"bufio"
	"compress/flate"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
)

// MaxZipEntries is the most entries a .nupkg may hold. Real packages hold
// far fewer: NuGet's own and the runtime packs hold hundreds, the largest
// on nuget.org a few thousand, and an OctoPack of a web site with its
// node_modules tens of thousands. It is about three times the 65,535 a zip
// holds without ZIP64. The central directory is read one record at a time,
// so the memory a package costs does not grow with its entries; the cap
// bounds the time (reading 200,000 records takes milliseconds).
const MaxZipEntries = 200_000

// Zip record signatures and fixed sizes (PKWARE APPNOTE.TXT 4.3).
const (
	sigLocalHeader     = 0x04034b50
	sigDirectoryHeader = 0x02014b50
	sigDirectoryEnd    = 0x06054b50
	sigZip64End        = 0x06064b50
	sigZip64Locator    = 0x07064b50
	localHeaderLen     = 30
	directoryHeaderLen = 46
	directoryEndLen    = 22
	zip64LocatorLen    = 20
	zip64EndLen        = 56
	zip64ExtraID       = 0x0001
)

// errZipFormat is a zip whose records do not hold together.
var errZipFormat = errors.New("not a valid zip archive")

// dirEntry is what ReadPackage needs of one central-directory record.
type dirEntry struct {
	name             string
	flags, method    uint16
	crc32            uint32
	compressed, size uint64
	localHeader      int64
}

// zipDirectory finds the central directory of the zip r of size bytes: its
// offset, size and declared entry count (ZIP64 when the classic record
// overflows).
func zipDirectory(r io.ReaderAt, size int64) (offset, length int64, count uint64, err error) {
	// The end record is 22 bytes plus a comment of at most 65,535.
	tail := min(size, directoryEndLen+65535)
	buf := make([]byte, tail)
	if _, err := r.ReadAt(buf, size-tail); err != nil && err != io.EOF {
		return 0, 0, 0, err
	}
	end := -1
	for i := len(buf) - directoryEndLen; i >= 0; i-- {
		if binary.LittleEndian.Uint32(buf[i:]) == sigDirectoryEnd &&
			int(binary.LittleEndian.Uint16(buf[i+20:])) <= len(buf)-i-directoryEndLen {
			end = i
			break
		}
	}
	if end < 0 {
		return 0, 0, 0, errZipFormat
	}
	rec := buf[end:]
	endOffset := size - tail + int64(end)
	count = uint64(binary.LittleEndian.Uint16(rec[10:]))
	length = int64(binary.LittleEndian.Uint32(rec[12:]))
	offset = int64(binary.LittleEndian.Uint32(rec[16:]))
	if count == 0xffff || length == 0xffffffff || offset == 0xffffffff {
		// ZIP64: a locator just before the end record points at the
		// ZIP64 end record, which has the full-width values.
		var loc [zip64LocatorLen]byte
		if endOffset < zip64LocatorLen {
			return 0, 0, 0, errZipFormat
		}
		if _, err := r.ReadAt(loc[:], endOffset-zip64LocatorLen); err != nil {
			return 0, 0, 0, errZipFormat
		}
		if binary.LittleEndian.Uint32(loc[:]) == sigZip64Locator {
			at := binary.LittleEndian.Uint64(loc[8:])
			var z [zip64EndLen]byte
			if at > uint64(endOffset) || uint64(endOffset)-at < zip64EndLen {
				return 0, 0, 0, errZipFormat
			}
			if _, err := r.ReadAt(z[:], int64(at)); err != nil || binary.LittleEndian.Uint32(z[:]) != sigZip64End {
				return 0, 0, 0, errZipFormat
			}
			endOffset = int64(at)
			count = binary.LittleEndian.Uint64(z[32:])
			l, o := binary.LittleEndian.Uint64(z[40:]), binary.LittleEndian.Uint64(z[48:])
			if l > uint64(size) || o > uint64(size) {
				return 0, 0, 0, errZipFormat
			}
			length, offset = int64(l), int64(o)
		}
	}
	if offset < 0 || length < 0 || offset > endOffset || length > endOffset-offset {
		return 0, 0, 0, errZipFormat
	}
	return offset, length, count, nil
}

// scanZip reads the central directory of r one record at a time and calls
// visit for each entry, never holding more than one record: the memory it
// costs is bounded whatever the number of entries. It refuses a directory
// of more than MaxZipEntries entries, declared or found, before the first
// record past the limit is read.
func scanZip(r io.ReaderAt, size int64, visit func(dirEntry) error) error {
	offset, length, declared, err := zipDirectory(r, size)
	if err != nil {
		return err
	}
	if declared > MaxZipEntries {
		return errTooManyEntries(declared)
	}
	br := bufio.NewReaderSize(io.NewSectionReader(r, offset, length), 64<<10)
	var fixed [directoryHeaderLen]byte
	var name []byte
	var n uint64
	for {
		if _, err := io.ReadFull(br, fixed[:4]); err == io.EOF {
			break
		} else if err != nil {
			return errZipFormat
		}
		if binary.LittleEndian.Uint32(fixed[:]) != sigDirectoryHeader {
			return errZipFormat
		}
		if n++; n > MaxZipEntries {
			return errTooManyEntries(n)
		}
		if _, err := io.ReadFull(br, fixed[4:]); err != nil {
			return errZipFormat
		}
		e := dirEntry{
			flags:       binary.LittleEndian.Uint16(fixed[8:]),
			method:      binary.LittleEndian.Uint16(fixed[10:]),
			crc32:       binary.LittleEndian.Uint32(fixed[16:]),
			compressed:  uint64(binary.LittleEndian.Uint32(fixed[20:])),
			size:        uint64(binary.LittleEndian.Uint32(fixed[24:])),
			localHeader: int64(binary.LittleEndian.Uint32(fixed[42:])),
		}
		nameLen := int(binary.LittleEndian.Uint16(fixed[28:]))
		extraLen := int(binary.LittleEndian.Uint16(fixed[30:]))
		commentLen := int(binary.LittleEndian.Uint16(fixed[32:]))
		if cap(name) < nameLen {
			name = make([]byte, nameLen)
		}
		name = name[:nameLen]
		if _, err := io.ReadFull(br, name); err != nil {
			return errZipFormat
		}
		e.name = string(name)
		if err := readZip64Extra(br, extraLen, &e); err != nil {
			return err
		}
		if _, err := br.Discard(commentLen); err != nil {
			return errZipFormat
		}
		if err := visit(e); err != nil {
			return err
		}
	}
	// A directory that holds a different number of entries than its end
	// record says was not written whole. Writers without ZIP64 wrap the
	// count at 65,536, which is still the same count modulo 65,536.
	if n != declared && (declared >= 0xffff || uint16(n) != uint16(declared)) {
		return errZipFormat
	}
	return nil
}

// readZip64Extra reads an entry's extra fields: the ZIP64 one replaces the
// sizes and the offset that overflowed 32 bits, in that order.
func readZip64Extra(br *bufio.Reader, extraLen int, e *dirEntry) error {
	for extraLen > 0 {
		var h [4]byte
		if extraLen < 4 {
			_, err := br.Discard(extraLen)
			if err != nil {
				return errZipFormat
			}
			return nil
		}
		if _, err := io.ReadFull(br, h[:]); err != nil {
			return errZipFormat
		}
		extraLen -= 4
		id, n := binary.LittleEndian.Uint16(h[:]), int(binary.LittleEndian.Uint16(h[2:]))
		if n > extraLen {
			return errZipFormat
		}
		extraLen -= n
		if id != zip64ExtraID {
			if _, err := br.Discard(n); err != nil {
				return errZipFormat
			}
			continue
		}
		var field [28]byte
		body := field[:min(n, len(field))]
		if _, err := io.ReadFull(br, body); err != nil {
			return errZipFormat
		}
		if _, err := br.Discard(n - len(body)); err != nil {
			return errZipFormat
		}
		next := func(v *uint64) bool {
			if len(body) < 8 {
				return false
			}
			*v, body = binary.LittleEndian.Uint64(body), body[8:]
			return true
		}
		if e.size == 0xffffffff && !next(&e.size) ||
			e.compressed == 0xffffffff && !next(&e.compressed) {
			return errZipFormat
		}
		if e.localHeader == 0xffffffff {
			var off uint64
			if !next(&off) || off > 1<<62 {
				return errZipFormat
			}
			e.localHeader = int64(off)
		}
	}
	return nil
}

// openZipEntry returns the uncompressed bytes of e, read through a
// decompressor over exactly its compressed bytes. The reader fails with
// errZipFormat as soon as the data runs past the directory's size, and at
// its end when the size or the CRC-32 differ.
func openZipEntry(r io.ReaderAt, size int64, e dirEntry) (io.Reader, error) {
	if e.flags&0x1 != 0 {
		return nil, errors.New("it is encrypted")
	}
	var h [localHeaderLen]byte
	if e.localHeader < 0 || e.localHeader > size-localHeaderLen {
		return nil, errZipFormat
	}
	if _, err := r.ReadAt(h[:], e.localHeader); err != nil || binary.LittleEndian.Uint32(h[:]) != sigLocalHeader {
		return nil, errZipFormat
	}
	start := e.localHeader + localHeaderLen + int64(binary.LittleEndian.Uint16(h[26:])) + int64(binary.LittleEndian.Uint16(h[28:]))
	if start > size || e.compressed > uint64(size-start) {
		return nil, errZipFormat
	}
	raw := io.NewSectionReader(r, start, int64(e.compressed))
	var data io.Reader
	switch e.method {
	case 0: // stored
		data = raw
	case 8: // deflated
		data = flate.NewReader(raw)
	default:
		return nil, fmt.Errorf("it is compressed with method %d; a .nupkg uses deflate or none", e.method)
	}
	return &checkedEntry{r: data, left: e.size, want: e.crc32, crc: crc32.NewIEEE()}, nil
}

// checkedEntry holds an entry's data to what the directory says of it.
type checkedEntry struct {
	r    io.Reader
	left uint64 // bytes still expected
	want uint32
	crc  hash.Hash32
}

func (c *checkedEntry) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if uint64(n) > c.left {
		return 0, errZipFormat // more data than declared: a lying header
	}
	c.left -= uint64(n)
	c.crc.Write(p[:n])
	if err == io.EOF && (c.left != 0 || c.crc.Sum32() != c.want) {
		err = errZipFormat
	} else if err != nil && err != io.EOF {
		err = fmt.Errorf("%w: %w", errZipFormat, err)
	}
	return n, err
}

func errTooManyEntries(n uint64) error {
	return invalidf("the package holds more than %d entries (at least %d); this feed accepts at most %d",
		MaxZipEntries, n, MaxZipEntries)
}
