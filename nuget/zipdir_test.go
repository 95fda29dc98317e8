package nuget

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"runtime"
	"strings"
	"testing"
)

// manyEntries writes a zip of a root nuspec and n empty stored entries
// straight with encoding/binary (archive/zip's writer keeps every header in
// memory), with ZIP64 end records when n needs them. declared, when >= 0,
// is the count the end records claim instead of the real one.
func manyEntries(n int, declared int64) []byte {
	var buf bytes.Buffer
	le := binary.LittleEndian
	var dir []byte
	add := func(name string, data []byte) {
		off := uint32(buf.Len())
		crc := crc32.ChecksumIEEE(data)
		var h [30]byte
		le.PutUint32(h[0:], sigLocalHeader)
		le.PutUint16(h[4:], 20)
		le.PutUint32(h[14:], crc)
		le.PutUint32(h[18:], uint32(len(data)))
		le.PutUint32(h[22:], uint32(len(data)))
		le.PutUint16(h[26:], uint16(len(name)))
		buf.Write(h[:])
		buf.WriteString(name)
		buf.Write(data)
		var d [46]byte
		le.PutUint32(d[0:], sigDirectoryHeader)
		le.PutUint16(d[4:], 20)
		le.PutUint16(d[6:], 20)
		le.PutUint32(d[16:], crc)
		le.PutUint32(d[20:], uint32(len(data)))
		le.PutUint32(d[24:], uint32(len(data)))
		le.PutUint16(d[28:], uint16(len(name)))
		le.PutUint32(d[42:], off)
		dir = append(dir, d[:]...)
		dir = append(dir, name...)
	}
	add("Many.nuspec", []byte(okNuspec))
	for i := range n {
		add(fmt.Sprintf("f/%07d", i), nil)
	}
	count := uint64(n + 1)
	if declared >= 0 {
		count = uint64(declared)
	}
	dirOff := uint64(buf.Len())
	buf.Write(dir)
	if count >= 0xffff {
		z64 := uint64(buf.Len())
		var z [56]byte
		le.PutUint32(z[0:], sigZip64End)
		le.PutUint64(z[4:], 44)
		le.PutUint16(z[12:], 45)
		le.PutUint16(z[14:], 45)
		le.PutUint64(z[24:], count)
		le.PutUint64(z[32:], count)
		le.PutUint64(z[40:], uint64(len(dir)))
		le.PutUint64(z[48:], dirOff)
		buf.Write(z[:])
		var l [20]byte
		le.PutUint32(l[0:], sigZip64Locator)
		le.PutUint64(l[8:], z64)
		le.PutUint32(l[16:], 1)
		buf.Write(l[:])
	}
	var e [22]byte
	le.PutUint32(e[0:], sigDirectoryEnd)
	c16 := uint16(min(count, 0xffff))
	le.PutUint16(e[8:], c16)
	le.PutUint16(e[10:], c16)
	le.PutUint32(e[12:], uint32(len(dir)))
	le.PutUint32(e[16:], uint32(dirOff))
	buf.Write(e[:])
	return buf.Bytes()
}

// TestZipEntryCap is issue 17 row 6: a package of more than MaxZipEntries
// entries is refused whatever its end record claims, and reading it costs
// memory that does not grow with its entries; one at the cap is read.
func TestZipEntryCap(t *testing.T) {
	at := manyEntries(MaxZipEntries-1, -1) // the nuspec makes MaxZipEntries
	if p, err := readPackageBytes(at); err != nil || p.Manifest.ID != "Ok.Package" {
		t.Fatalf("a package of exactly %d entries: %v", MaxZipEntries, err)
	}
	// archive/zip reads the same file the same way.
	if zr, err := zip.NewReader(bytes.NewReader(at), int64(len(at))); err != nil || len(zr.File) != MaxZipEntries {
		t.Fatalf("archive/zip disagrees about the test zip: %v", err)
	}
	for _, tc := range []struct {
		name     string
		n        int
		declared int64
	}{
		{"one past the cap", MaxZipEntries, -1},
		{"a million", 1_000_000, -1},
		{"a million, declared as 10 modulo 65,536", 1_000_000, 10},
		{"declared as a million, holding 10", 10, 1_000_000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := manyEntries(tc.n, tc.declared)
			runtime.GC()
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			_, err := readPackageBytes(b)
			runtime.ReadMemStats(&after)
			var kept runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&kept)
			runtime.KeepAlive(b)
			if err == nil || !errors.Is(err, ErrInvalidPackage) {
				t.Fatalf("got %v, want a refusal", err)
			}
			if tc.declared < 0 && !strings.Contains(err.Error(), "this feed accepts at most") {
				t.Errorf("error %q does not name the limit", err)
			}
			// Garbage of a record or two at a time: a few bytes per entry
			// at most (archive/zip kept ~300 per entry).
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > uint64(tc.n)*40+1<<20 {
				t.Errorf("reading %d entries allocated %d bytes", tc.n, alloc)
			}
			if live := int64(kept.HeapInuse) - int64(before.HeapInuse); live > 4<<20 {
				t.Errorf("reading %d entries left %d bytes in use", tc.n, live)
			}
		})
	}
}

// TestZipDamaged: records that do not hold together are a refusal, never a
// panic or a read past the file.
func TestZipDamaged(t *testing.T) {
	good := manyEntries(3, -1)
	dirEnd := len(good) - 22
	for _, tc := range []struct {
		name string
		edit func(b []byte) []byte
	}{
		{"directory offset past the end", func(b []byte) []byte { binary.LittleEndian.PutUint32(b[dirEnd+16:], 1<<30); return b }},
		{"directory size past the end", func(b []byte) []byte { binary.LittleEndian.PutUint32(b[dirEnd+12:], 1<<30); return b }},
		{"entry count wrong", func(b []byte) []byte { binary.LittleEndian.PutUint16(b[dirEnd+10:], 7); return b }},
		{"local header offset wrong", func(b []byte) []byte {
			off := int(binary.LittleEndian.Uint32(b[dirEnd+16:]))
			binary.LittleEndian.PutUint32(b[off+42:], 5)
			return b
		}},
		{"nuspec CRC wrong", func(b []byte) []byte {
			off := int(binary.LittleEndian.Uint32(b[dirEnd+16:]))
			b[off+16] ^= 0xff
			return b
		}},
		{"no end record", func(b []byte) []byte { return b[:dirEnd] }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := readPackageBytes(tc.edit(bytes.Clone(good)))
			if err == nil || !errors.Is(err, ErrInvalidPackage) {
				t.Fatalf("got %v, want a refusal", err)
			}
		})
	}
}
