package nugettest

import (
	"encoding/binary"
	"fmt"
	"html"
	"slices"
	"strings"
	"testing"
)

// PortablePDB returns the smallest Portable PDB the specification allows,
// with the given 20-byte PDB id: 16 bytes of GUID as .NET stores it
// (Guid.ToByteArray order) and a 4-byte stamp.
//
// The layout follows "Portable PDB v1.0: Format Specification"
// (dotnet/runtime docs/design/specs/PortablePdb-Metadata.md) over the ECMA-335
// metadata root (partition II, 24.2.1 and 24.2.2): the root with signature
// "BSJB", version 1.1 and the version string "PDB v1.0" that Roslyn writes,
// then six stream headers and the streams in the order Roslyn writes them:
//
//	#Pdb      32 bytes: PDB id, entry point 0, no referenced type-system tables
//	#~        24 bytes: table stream header (II.24.2.6), version 2.0, no tables
//	#Strings   4 bytes: the empty string, padded
//	#US        4 bytes: the empty user string, padded
//	#GUID      0 bytes
//	#Blob      4 bytes: the empty blob, padded
//
// The result is 192 bytes; nuget/testdata/pdb/minimal.hex spells it out by hand.
func PortablePDB(id [20]byte) []byte {
	const version = "PDB v1.0"
	versionLen := (len(version) + 1 + 3) &^ 3 // with its NUL, rounded up to 4 (II.24.2.1)

	pdb := make([]byte, 32) // #Pdb: id, EntryPoint, ReferencedTypeSystemTables
	copy(pdb, id[:])
	tables := make([]byte, 24) // #~: Reserved, Major 2, Minor 0, HeapSizes 0, Reserved 1, Valid 0, Sorted 0
	tables[4] = 2
	tables[7] = 1
	streams := []struct {
		name string
		data []byte
	}{
		{"#Pdb", pdb},
		{"#~", tables},
		{"#Strings", make([]byte, 4)},
		{"#US", make([]byte, 4)},
		{"#GUID", nil},
		{"#Blob", make([]byte, 4)},
	}

	headerLen := 16 + versionLen + 4
	for _, s := range streams {
		headerLen += 8 + (len(s.name)+1+3)&^3
	}
	var out []byte
	out = binary.LittleEndian.AppendUint32(out, 0x424A5342) // "BSJB"
	out = binary.LittleEndian.AppendUint16(out, 1)          // MajorVersion
	out = binary.LittleEndian.AppendUint16(out, 1)          // MinorVersion
	out = binary.LittleEndian.AppendUint32(out, 0)          // Reserved
	out = binary.LittleEndian.AppendUint32(out, uint32(versionLen))
	out = append(out, version...)
	out = append(out, make([]byte, versionLen-len(version))...)
	out = binary.LittleEndian.AppendUint16(out, 0) // Flags
	out = binary.LittleEndian.AppendUint16(out, uint16(len(streams)))
	offset := headerLen
	for _, s := range streams {
		out = binary.LittleEndian.AppendUint32(out, uint32(offset))
		out = binary.LittleEndian.AppendUint32(out, uint32(len(s.data)))
		name := (len(s.name) + 1 + 3) &^ 3
		out = append(out, s.name...)
		out = append(out, make([]byte, name-len(s.name))...)
		offset += len(s.data)
	}
	for _, s := range streams {
		out = append(out, s.data...)
	}
	return out
}

// SymbolsNuspec renders the nuspec of a symbol package as NuGet.exe pack
// writes it: the SymbolsPackage package type, no authors or owners.
func SymbolsNuspec(id, version string) string {
	return fmt.Sprintf(`<?xml version="1.0" encoding="utf-8"?>
<package xmlns="http://schemas.microsoft.com/packaging/2012/06/nuspec.xsd"><metadata><id>%s</id><version>%s</version><description>Symbols of %s</description><packageTypes><packageType name="SymbolsPackage" /></packageTypes></metadata></package>
`, html.EscapeString(id), html.EscapeString(version), html.EscapeString(id))
}

// SymbolPackage builds a .snupkg: the symbols nuspec, the OPC parts NuGet
// writes, and the given PDBs by path (for example "lib/net45/My.Lib.pdb").
func SymbolPackage(tb testing.TB, id, version string, pdbs map[string][]byte) []byte {
	tb.Helper()
	files := map[string][]byte{
		id + ".nuspec":        []byte(SymbolsNuspec(id, version)),
		"[Content_Types].xml": []byte(`<?xml version="1.0" encoding="utf-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="pdb" ContentType="application/octet" /></Types>`),
		"_rels/.rels":         []byte(`<?xml version="1.0" encoding="utf-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships" />`),
		"package/services/metadata/core-properties/0123456789abcdef0123456789abcdef.psmdcp": []byte(`<?xml version="1.0" encoding="utf-8"?><coreProperties />`),
	}
	paths := make([]string, 0, len(pdbs))
	for p := range pdbs {
		paths = append(paths, p)
	}
	slices.Sort(paths)
	for _, p := range paths {
		if _, dup := files[p]; dup || strings.HasSuffix(p, "/") {
			tb.Fatalf("nugettest.SymbolPackage: bad PDB path %q", p)
		}
		files[p] = pdbs[p]
	}
	return Zip(tb, files)
}

// NuGet287PushBody is the request body Debian's NuGet 2.8.7 (Mono) sends to
// push pkg, and its Content-Type: a multipart part named "package" with file
// name "package", the file followed by a bare LF (Environment.NewLine under
// Mono) and the closing delimiter with nothing after it
// (docs/protocol/nuget.md §15). The client makes the boundary from the clock;
// tests pass their own.
func NuGet287PushBody(boundary string, pkg []byte) (contentType string, body []byte) {
	body = append(body, "--"+boundary+"\r\n"+
		`Content-Disposition: form-data; name="package"; filename="package"`+"\r\n"+
		"Content-Type: application/octet-stream\r\n\r\n"...)
	body = append(body, pkg...)
	body = append(body, "\n--"+boundary+"--"...)
	return "multipart/form-data; boundary=" + boundary, body
}
