package nuget

import (
	"bytes"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"strings"
	"unicode/utf8"
)

// Portable PDBs, the debug symbols .NET compilers write and symbol packages
// (.snupkg) carry. A standalone Portable PDB is an ECMA-335 metadata root
// (ECMA-335 partition II, 24.2.1) whose streams include "#Pdb"; the first 20
// bytes of that stream are the PDB id, which the matching DLL also records
// (dotnet/runtime docs/design/specs/PortablePdb-Metadata.md, "#Pdb stream";
// docs/design/specs/PE-COFF.md, "CodeView Debug Directory Entry"). The id is
// what a debugger asks a symbol server for, through the Simple Symbol Query
// Protocol key (docs/protocol/nuget.md §12.3).

// PDBIDSize is the length of a Portable PDB id: a 16-byte GUID and a 4-byte stamp.
const PDBIDSize = 20

// PDBID is the id of a Portable PDB as stored at the start of its #Pdb
// stream: 16 bytes of GUID in .NET's byte order (Guid.ToByteArray, its three
// integer fields little-endian), then a 4-byte little-endian stamp.
type PDBID [PDBIDSize]byte

// Signature is the GUID part as the SSQP key conventions write a GUID: its
// 4-byte and two 2-byte integer fields big-endian, then its last 8 bytes,
// as 32 lowercase hex digits (dotnet/symstore
// docs/specs/SSQP_Key_Conventions.md, "Key formatting basic rules"). It is
// what .NET's Guid.ToString("N") prints for the same bytes.
func (id PDBID) Signature() string {
	var g [16]byte
	g[0], g[1], g[2], g[3] = id[3], id[2], id[1], id[0]
	g[4], g[5] = id[5], id[4]
	g[6], g[7] = id[7], id[6]
	copy(g[8:], id[8:16])
	return hex.EncodeToString(g[:])
}

// Stamp is the last 4 bytes of the id, little-endian: the value the DLL's
// CodeView debug directory entry keeps as its TimeDateStamp.
func (id PDBID) Stamp() uint32 { return binary.LittleEndian.Uint32(id[16:]) }

// PortablePDB is what ReadPortablePDB learns about a Portable PDB file.
type PortablePDB struct {
	ID       PDBID
	Version  string // the metadata root's version string; Roslyn writes "PDB v1.0"
	IDOffset int64  // where the 20 id bytes are in the file (the #Pdb stream's offset)
	Size     int64  // the file's length
}

// Limits of the PDB reader. A metadata root's header is small: 16 bytes, a
// version string of at most 256 (ECMA-335 II.24.2.1 caps it at 255 bytes
// with its NUL, rounded up to 4), 4 bytes of flags and count, then 8 bytes
// plus a name of at most 32 bytes per stream header (II.24.2.2). A Portable
// PDB has six streams; 32 leave room for tools that add their own.
const (
	pdbSignature      = 0x424A5342 // "BSJB", little-endian
	maxPDBVersionLen  = 256
	maxPDBStreams     = 32
	maxPDBStreamName  = 32
	pdbStreamMinSize  = 32 // PDB id 20, EntryPoint 4, ReferencedTypeSystemTables 8
	maxPDBHeaderBytes = 16 + maxPDBVersionLen + 4 + maxPDBStreams*(8+maxPDBStreamName)
)

// windowsPDBMagic starts a Windows (MSF) PDB, the format native and older
// .NET compilers write; symbol packages may not hold them.
const windowsPDBMagic = "Microsoft C/C++ MSF 7.00\r\n\x1aDS"

// ReadPortablePDB reads the metadata root of the Portable PDB r of size
// bytes and returns its id. It reads at most a couple of kilobytes, whatever
// the size, and allocates nothing that the input's values decide.
//
// The file must start with the metadata signature "BSJB"; the version string
// must fit its declared length (a multiple of 4, at most 256) and end with a
// NUL; every stream must lie inside the file; no stream name may repeat; and
// the "#Pdb" stream (at least 32 bytes, the size of its fixed fields) and the
// "#~" stream must be present, as the Portable PDB specification requires of
// standalone debugging metadata. Refusals wrap ErrInvalidPackage.
func ReadPortablePDB(r io.ReaderAt, size int64) (*PortablePDB, error) {
	head := make([]byte, min(max(size, 0), maxPDBHeaderBytes))
	if err := readFullAt(r, head, 0); err != nil {
		return nil, err
	}
	layout, err := parsePDBHeader(head, size)
	if err != nil {
		return nil, invalidf("the file is not a portable PDB: %w", err)
	}
	p := &PortablePDB{Version: layout.version, IDOffset: layout.idOffset, Size: size}
	if err := readFullAt(r, p.ID[:], layout.idOffset); err != nil {
		return nil, err
	}
	return p, nil
}

// readFullAt fills buf from r at off; a file shorter than it claims to be is
// refused rather than read as zeros.
func readFullAt(r io.ReaderAt, buf []byte, off int64) error {
	n, err := r.ReadAt(buf, off)
	if n == len(buf) {
		return nil
	}
	if err == nil || err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return invalidf("the PDB cannot be read: %w", err)
}

// pdbLayout is what the header says: the version string and where the id is.
type pdbLayout struct {
	version  string
	idOffset int64
}

// parsePDBHeader checks the metadata root at the start of a file of size
// bytes, of which head holds the first min(size, maxPDBHeaderBytes). Its
// errors are phrased to follow "is not a portable PDB: ".
func parsePDBHeader(head []byte, size int64) (pdbLayout, error) {
	if len(head) < 4 || binary.LittleEndian.Uint32(head) != pdbSignature {
		if bytes.HasPrefix(head, []byte(windowsPDBMagic)) {
			return pdbLayout{}, errors.New("it is a Windows PDB; NuGet symbol packages hold portable PDBs only (build with <DebugType>portable</DebugType>)")
		}
		return pdbLayout{}, errors.New(`it does not start with the metadata signature "BSJB"`)
	}
	if len(head) < 16 {
		return pdbLayout{}, errors.New("it ends inside its metadata header")
	}
	// Signature, MajorVersion, MinorVersion, Reserved, then the length of the
	// version string. The versions and Reserved are not checked: readers
	// (System.Reflection.Metadata) do not, and the id does not depend on them.
	versionLen := binary.LittleEndian.Uint32(head[12:])
	if versionLen == 0 || versionLen > maxPDBVersionLen || versionLen%4 != 0 {
		return pdbLayout{}, fmt.Errorf("its version string length %d is not a multiple of 4 between 4 and %d", versionLen, maxPDBVersionLen)
	}
	end := 16 + int(versionLen)
	if len(head) < end+4 {
		return pdbLayout{}, errors.New("it ends inside its metadata header")
	}
	version, _, terminated := bytes.Cut(head[16:end], []byte{0})
	if !terminated || !utf8.Valid(version) {
		return pdbLayout{}, errors.New("its version string is not NUL-terminated UTF-8")
	}
	// Flags (2 bytes, reserved), then the number of streams.
	count := int(binary.LittleEndian.Uint16(head[end+2:]))
	if count == 0 || count > maxPDBStreams {
		return pdbLayout{}, fmt.Errorf("it declares %d streams; a portable PDB has between 1 and %d", count, maxPDBStreams)
	}
	pos := end + 4
	seen := make(map[string]bool, count)
	var pdbOffset, pdbSize int64 = -1, 0
	for range count {
		if len(head) < pos+8 {
			return pdbLayout{}, errors.New("it ends inside its stream headers")
		}
		offset := int64(binary.LittleEndian.Uint32(head[pos:]))
		length := int64(binary.LittleEndian.Uint32(head[pos+4:]))
		pos += 8
		// The name is NUL-terminated ASCII of at most 32 bytes with its NUL,
		// padded with NULs to a multiple of 4 (II.24.2.2).
		window := head[pos:min(len(head), pos+maxPDBStreamName)]
		n := bytes.IndexByte(window, 0)
		if n < 0 && len(window) < maxPDBStreamName {
			return pdbLayout{}, errors.New("it ends inside its stream headers")
		}
		if n < 0 {
			return pdbLayout{}, errors.New("a stream name is not NUL-terminated within 32 bytes")
		}
		name := string(window[:n])
		pos += (n + 1 + 3) &^ 3
		for i := 0; i < len(name); i++ {
			if name[i] < 0x20 || name[i] > 0x7e {
				return pdbLayout{}, fmt.Errorf("stream name %q is not printable ASCII", name)
			}
		}
		if seen[name] {
			return pdbLayout{}, fmt.Errorf("it has two %q streams", name)
		}
		seen[name] = true
		if offset > size || length > size-offset {
			return pdbLayout{}, fmt.Errorf("its %q stream lies outside the file", name)
		}
		if name == "#Pdb" {
			pdbOffset, pdbSize = offset, length
		}
	}
	switch {
	case pdbOffset < 0:
		return pdbLayout{}, errors.New(`it has no "#Pdb" stream (is it the metadata of a DLL rather than its PDB?)`)
	case pdbSize < pdbStreamMinSize:
		return pdbLayout{}, fmt.Errorf(`its "#Pdb" stream is %d bytes; the specification's fixed fields take %d`, pdbSize, pdbStreamMinSize)
	case !seen["#~"]:
		return pdbLayout{}, errors.New(`it has no "#~" stream, which a portable PDB must have`)
	}
	return pdbLayout{version: string(version), idOffset: pdbOffset}, nil
}

// SymbolKey is the Simple Symbol Query Protocol key of a Portable PDB:
// "<file>/<signature>FFFFFFFF/<file>", where <file> is the PDB's file name
// without folders, lowercased, and <signature> is id.Signature(). Portable
// PDBs use the Windows PDB key with 0xFFFFFFFF in place of the age
// (dotnet/symstore docs/specs/SSQP_Key_Conventions.md, "Portable-Pdb-Signature";
// Microsoft.SymbolStore's PortablePDBFileKeyGenerator writes the same). The
// "FFFFFFFF" is upper case as the specification and Microsoft.SymbolStore
// write it; keys compare case-insensitively (Simple_Symbol_Query_Protocol.md),
// so a server should match on strings.ToLower of both.
func SymbolKey(fileName string, id PDBID) string {
	name := fileName
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.ToLower(name)
	return name + "/" + id.Signature() + "FFFFFFFF/" + name
}

// PDB checksum algorithms: the names the PE/COFF "PDB Checksum Debug
// Directory Entry" uses (dotnet/runtime docs/design/specs/PE-COFF.md), and
// the length of each checksum.
var pdbChecksumSizes = map[string]int{"SHA256": 32, "SHA384": 48, "SHA512": 64}

func newPDBHash(algorithm string) (hash.Hash, bool) {
	switch algorithm {
	case "SHA256":
		return sha256.New(), true
	case "SHA384":
		return sha512.New384(), true
	case "SHA512":
		return sha512.New(), true
	}
	return nil, false
}

// Checksum is the PDB checksum as the PE/COFF specification defines it for a
// Portable PDB: the hash of the whole file with its 20-byte PDB id replaced
// by zeros (dotnet/runtime docs/design/specs/PE-COFF.md, "Portable PDB
// Checksum"). A DLL built by Roslyn records it in a PdbChecksum debug
// directory entry, and debuggers send it in the SymbolChecksum header
// (docs/protocol/nuget.md §12.4). algorithm is SHA256, SHA384 or SHA512.
// r must be the file p was read from; it is read once, in full.
func (p *PortablePDB) Checksum(r io.ReaderAt, algorithm string) ([]byte, error) {
	h, ok := newPDBHash(algorithm)
	if !ok {
		return nil, fmt.Errorf("unknown PDB checksum algorithm %q (want SHA256, SHA384 or SHA512)", algorithm)
	}
	w := &idZeroer{w: h, at: p.IDOffset}
	n, err := io.Copy(w, io.NewSectionReader(r, 0, p.Size))
	if err == nil && n != p.Size {
		err = io.ErrUnexpectedEOF
	}
	if err != nil {
		return nil, fmt.Errorf("the PDB cannot be read: %w", err)
	}
	return h.Sum(nil), nil
}

// StreamPDBChecksum is PortablePDB.Checksum for a PDB that can only be read
// in order, such as an entry of a symbol package: it reads the whole PDB of
// size bytes from r once, holding only its header in memory, checks it as
// ReadPortablePDB does, and returns its checksum by algorithm (SHA256, SHA384
// or SHA512). A symbol server needs it for the algorithms other than the
// SHA-256 it keeps from the push (docs/protocol/nuget.md §12.4).
func StreamPDBChecksum(r io.Reader, size int64, algorithm string) ([]byte, error) {
	h, ok := newPDBHash(algorithm)
	if !ok {
		return nil, fmt.Errorf("unknown PDB checksum algorithm %q (want SHA256, SHA384 or SHA512)", algorithm)
	}
	if _, err := readPDBStream(r, size, h); err != nil {
		return nil, invalidf("the file is not a portable PDB: %w", err)
	}
	return h.Sum(nil), nil
}

// readPDBStream reads a whole PDB of size bytes from rc, as inflated from a
// symbol package, returns its id and writes it to h with the id zeroed
// (Checksum's definition), reading rc once and holding only its header in memory.
func readPDBStream(rc io.Reader, size int64, h hash.Hash) (*PortablePDB, error) {
	head := make([]byte, min(max(size, 0), maxPDBHeaderBytes))
	if _, err := io.ReadFull(rc, head); err != nil {
		return nil, fmt.Errorf("it cannot be read: %w", err)
	}
	layout, err := parsePDBHeader(head, size)
	if err != nil {
		return nil, err
	}
	p := &PortablePDB{Version: layout.version, IDOffset: layout.idOffset, Size: size}
	w := &idZeroer{w: h, at: layout.idOffset, id: &p.ID}
	w.Write(head) // a hash never fails
	n, err := io.Copy(w, rc)
	if err != nil {
		return nil, fmt.Errorf("it cannot be read: %w", err)
	}
	if int64(len(head))+n != size {
		return nil, fmt.Errorf("it is %d bytes, not the %d its zip entry declares", int64(len(head))+n, size)
	}
	return p, nil
}

// idZeroer writes everything to w except the PDBIDSize bytes at offset at of
// the whole stream, which it writes as zeros; if id is set it keeps the
// original bytes there.
type idZeroer struct {
	w   io.Writer
	at  int64 // offset of the id in the stream
	pos int64 // offset of the next byte written
	id  *PDBID
}

var zeroID PDBID

func (z *idZeroer) Write(p []byte) (int, error) {
	start, end := z.at-z.pos, z.at+PDBIDSize-z.pos // the id, relative to p
	n := int64(len(p))
	z.pos += n
	if end <= 0 || start >= n {
		return z.w.Write(p)
	}
	lo, hi := max(start, 0), min(end, n)
	if z.id != nil {
		copy(z.id[lo-start:], p[lo:hi])
	}
	if _, err := z.w.Write(p[:lo]); err != nil {
		return 0, err
	}
	if _, err := z.w.Write(zeroID[:hi-lo]); err != nil {
		return 0, err
	}
	if _, err := z.w.Write(p[hi:]); err != nil {
		return 0, err
	}
	return len(p), nil
}

// SymbolChecksum is one entry of the SymbolChecksum request header: a PDB
// checksum algorithm and the checksum the client expects.
type SymbolChecksum struct {
	Algorithm string // SHA256, SHA384 or SHA512
	Checksum  []byte
}

// Bounds on the SymbolChecksum header: a DLL has one PdbChecksum entry per
// PDB it was built with, in practice one.
const (
	maxSymbolChecksumHeader  = 4096
	maxSymbolChecksumEntries = 16
)

// ErrSymbolChecksum is the refusal of a malformed SymbolChecksum header.
var ErrSymbolChecksum = errors.New("malformed SymbolChecksum header")

// ParseSymbolChecksumHeader reads the SymbolChecksum request header that
// Microsoft.SymbolStore (Visual Studio, dotnet-symbol) sends for a Portable
// PDB whose DLL has PdbChecksum debug directory entries: entries
// "<algorithm>:<hex checksum>" joined by ";" (dotnet/symstore
// HttpSymbolStore.cs and PdbChecksum.ToString; docs/protocol/nuget.md §12.4).
// Algorithm names are matched ignoring case, as .NET's HashAlgorithm.Create
// does; hex digits may be in either case (Microsoft.SymbolStore writes lower
// case, other clients upper). Entries naming an algorithm other than SHA256,
// SHA384 and SHA512 are skipped, as Microsoft.SymbolStore skips them. Errors
// wrap ErrSymbolChecksum.
func ParseSymbolChecksumHeader(value string) ([]SymbolChecksum, error) {
	if len(value) > maxSymbolChecksumHeader {
		return nil, fmt.Errorf("%w: it is %d bytes long; the limit is %d", ErrSymbolChecksum, len(value), maxSymbolChecksumHeader)
	}
	var out []SymbolChecksum
	entries := 0
	for part := range strings.SplitSeq(value, ";") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if entries++; entries > maxSymbolChecksumEntries {
			return nil, fmt.Errorf("%w: more than %d entries", ErrSymbolChecksum, maxSymbolChecksumEntries)
		}
		alg, digits, ok := strings.Cut(part, ":")
		if !ok {
			return nil, fmt.Errorf("%w: entry %q is not <algorithm>:<hex checksum>", ErrSymbolChecksum, shorten(part))
		}
		alg = strings.ToUpper(strings.TrimSpace(alg))
		sum, err := hex.DecodeString(strings.TrimSpace(digits))
		if err != nil {
			return nil, fmt.Errorf("%w: the checksum of entry %q is not hex", ErrSymbolChecksum, shorten(part))
		}
		size, known := pdbChecksumSizes[alg]
		if !known {
			continue
		}
		if len(sum) != size {
			return nil, fmt.Errorf("%w: a %s checksum is %d bytes, not %d", ErrSymbolChecksum, alg, size, len(sum))
		}
		out = append(out, SymbolChecksum{Algorithm: alg, Checksum: sum})
	}
	return out, nil
}

// MatchSymbolChecksum reports whether any of want is the checksum of a PDB,
// asking checksum for the PDB's checksum by algorithm (a server keeps the
// SHA-256 one from the push, see SymbolFile.Checksum, and may compute others
// with PortablePDB.Checksum). No entries, or none of a known algorithm,
// match nothing: the server cannot vouch for the file the client wants.
func MatchSymbolChecksum(want []SymbolChecksum, checksum func(algorithm string) ([]byte, error)) (bool, error) {
	for _, c := range want {
		got, err := checksum(c.Algorithm)
		if err != nil {
			return false, err
		}
		if bytes.Equal(got, c.Checksum) {
			return true, nil
		}
	}
	return false, nil
}
