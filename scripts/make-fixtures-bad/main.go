package main

import (
	"archive/zip"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"
	"strings"
	"time"
)

func main() {
	good := flag.String("good", "fixtures/good", "folder of NuGet.exe-packed packages; derived ones are added here")
	bad := flag.String("bad", "fixtures/bad", "folder the broken packages are written to (emptied first)")
	badSymbols := flag.String("bad-symbols", "fixtures/bad-symbols", "folder the broken symbol packages are written to (emptied first)")
	flag.Parse()

	if err := writeDerived(*good); err != nil {
		log.Fatalf("make-fixtures-bad: derived: %v", err)
	}
	if err := writeBad(*bad); err != nil {
		log.Fatalf("make-fixtures-bad: bad: %v", err)
	}
	if err := writeBadSymbols(*badSymbols); err != nil {
		log.Fatalf("make-fixtures-bad: bad symbols: %v", err)
	}
}

type entry struct {
	name string
	data []byte
}

// zipBytes deflates the entries in the given order. A fixed modification time keeps the
// output byte-for-byte the same on every run.
func zipBytes(entries []entry) ([]byte, error) {
	modified := time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: e.name, Method: zip.Deflate, Modified: modified})
		if err != nil {
			return nil, fmt.Errorf("%s: %w", e.name, err)
		}
		if _, err := w.Write(e.data); err != nil {
			return nil, fmt.Errorf("%s: %w", e.name, err)
		}
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func writeZip(path string, entries []entry) error {
	b, err := zipBytes(entries)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return os.WriteFile(path, b, 0o644)
}

// --- derived good packages ------------------------------------------------------------

type derived struct {
	from    string // a NuGet.exe-packed file in the good folder
	id      string // the new id (the nuspec entry is renamed to match)
	version string // the new version, as written in the nuspec and the file name
	edit    func(nuspec string) string
	extra   []entry
}

func derivedPackages() []derived {
	ns := func(from, to string) func(string) string {
		return func(s string) string { return strings.Replace(s, from, to, 1) }
	}
	const ns2010 = `xmlns="http://schemas.microsoft.com/packaging/2010/07/nuspec.xsd"`
	long100 := "Fixture.Long." + strings.Repeat("x", 100-len("Fixture.Long."))
	return []derived{
		{
			from: "Fixture.Plain.1.0.0.nupkg", id: "Fixture.Ns201206", version: "1.0.0",
			edit: ns(ns2010, `xmlns="http://schemas.microsoft.com/packaging/2012/06/nuspec.xsd"`),
		},
		{
			from: "Fixture.Plain.1.0.0.nupkg", id: "Fixture.Ns201301", version: "1.0.0",
			edit: ns(ns2010, `xmlns="http://schemas.microsoft.com/packaging/2013/01/nuspec.xsd"`),
		},
		{
			// Nuspecs written by hand (and by some old tools) carry no namespace at all.
			from: "Fixture.Plain.1.0.0.nupkg", id: "Fixture.NsNone", version: "1.0.0",
			edit: ns(" "+ns2010, ""),
		},
		{
			// <readme> arrived in NuGet 5.10; 5.8 pack refuses it, dotnet pack 6+ writes it.
			from: "Fixture.Plain.1.0.0.nupkg", id: "Fixture.Readme", version: "1.0.0",
			edit: func(s string) string {
				return strings.Replace(s, "    <description>", "    <readme>README.md</readme>\n    <description>", 1)
			},
			extra: []entry{{name: "README.md", data: []byte("# Fixture.Readme\n\nShown by clients that read the <readme> element.\n")}},
		},
		{
			// The longest id NuGet allows: exactly 100 characters.
			from: "Fixture.Plain.1.0.0.nupkg", id: long100, version: "1.0.0",
		},
	}
}

func writeDerived(dir string) error {
	for _, d := range derivedPackages() {
		if err := deriveOne(dir, d); err != nil {
			return err
		}
	}
	return nil
}

func deriveOne(dir string, d derived) error {
	zr, err := zip.OpenReader(filepath.Join(dir, d.from))
	if err != nil {
		return fmt.Errorf("open base %s (run NuGet.exe pack first): %w", d.from, err)
	}
	defer zr.Close()

	var entries []entry
	oldNuspec := ""
	for _, f := range zr.File {
		data, err := readEntry(f)
		if err != nil {
			return fmt.Errorf("%s: %w", d.from, err)
		}
		name := f.Name
		if !strings.Contains(name, "/") && strings.HasSuffix(strings.ToLower(name), ".nuspec") {
			s, err := rewriteNuspec(string(data), d)
			if err != nil {
				return fmt.Errorf("%s: %w", d.from, err)
			}
			oldNuspec = name
			name, data = d.id+".nuspec", []byte(s)
		}
		entries = append(entries, entry{name: name, data: data})
	}
	if oldNuspec == "" {
		return fmt.Errorf("%s: no nuspec at the root", d.from)
	}
	// Keep the OPC parts consistent with the new id: the relationship points at the
	// nuspec by name, and the core properties repeat the id.
	oldID := strings.TrimSuffix(oldNuspec, ".nuspec")
	for i, e := range entries {
		switch {
		case e.name == "_rels/.rels":
			entries[i].data = bytes.ReplaceAll(e.data, []byte("/"+oldNuspec), []byte("/"+d.id+".nuspec"))
		case strings.HasSuffix(e.name, ".psmdcp"):
			entries[i].data = bytes.ReplaceAll(e.data, []byte(">"+oldID+"<"), []byte(">"+d.id+"<"))
		}
	}
	entries = append(entries, d.extra...)
	return writeZip(filepath.Join(dir, d.id+"."+d.version+".nupkg"), entries)
}

func readEntry(f *zip.File) ([]byte, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", f.Name, err)
	}
	defer rc.Close()
	return io.ReadAll(rc)
}

func rewriteNuspec(s string, d derived) (string, error) {
	idStart, idEnd := strings.Index(s, "<id>"), strings.Index(s, "</id>")
	verStart, verEnd := strings.Index(s, "<version>"), strings.Index(s, "</version>")
	if idStart < 0 || idEnd < idStart || verStart < 0 || verEnd < verStart {
		return "", errors.New("nuspec has no <id> or <version>")
	}
	s = s[:idStart] + "<id>" + d.id + s[idEnd:]
	verStart, verEnd = strings.Index(s, "<version>"), strings.Index(s, "</version>")
	s = s[:verStart] + "<version>" + d.version + s[verEnd:]
	if d.edit != nil {
		edited := d.edit(s)
		if edited == s {
			return "", fmt.Errorf("edit for %s changed nothing", d.id)
		}
		s = edited
	}
	return s, nil
}

// --- broken packages ------------------------------------------------------------------

const contentTypes = `<?xml version="1.0" encoding="utf-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml" /><Default Extension="nuspec" ContentType="application/octet" /><Default Extension="dll" ContentType="application/octet" /></Types>`

const rels = `<?xml version="1.0" encoding="utf-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Type="http://schemas.microsoft.com/packaging/2010/07/manifest" Target="/Fixture.Bad.nuspec" Id="R1" /></Relationships>`

// nuspec returns a manifest with the given id and version and an optional extra
// metadata element; an empty id or version leaves the element out.
func nuspec(id, version string) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="utf-8"?>` + "\n")
	b.WriteString(`<package xmlns="http://schemas.microsoft.com/packaging/2013/05/nuspec.xsd">` + "\n  <metadata>\n")
	if id != "" {
		b.WriteString("    <id>" + id + "</id>\n")
	}
	if version != "" {
		b.WriteString("    <version>" + version + "</version>\n")
	}
	b.WriteString("    <authors>feedserver fixtures</authors>\n")
	b.WriteString("    <description>A deliberately broken package.</description>\n")
	b.WriteString("  </metadata>\n</package>\n")
	return b.String()
}

// pkg is a package laid out as NuGet.exe lays it out, with the given nuspec entries.
func pkg(nuspecs ...entry) []entry {
	es := []entry{{name: "_rels/.rels", data: []byte(rels)}}
	es = append(es, nuspecs...)
	es = append(es,
		entry{name: "lib/net45/Fixture.Bad.dll", data: []byte("not a real assembly\n")},
		entry{name: "[Content_Types].xml", data: []byte(contentTypes)},
	)
	return es
}

// bomb is a nuspec of exactly 64 MiB: a valid head and tail around a description of
// 'A' filler, which deflates to well under 100 KiB.
func bomb() []byte {
	const size = 64 << 20
	head := `<?xml version="1.0" encoding="utf-8"?>` + "\n" +
		`<package xmlns="http://schemas.microsoft.com/packaging/2013/05/nuspec.xsd"><metadata>` +
		`<id>Fixture.Bomb</id><version>1.0.0</version><authors>feedserver fixtures</authors><description>`
	tail := "</description></metadata></package>\n"
	b := make([]byte, size)
	copy(b, head)
	for i := len(head); i < size-len(tail); i++ {
		b[i] = 'A'
	}
	copy(b[size-len(tail):], tail)
	return b
}

const billionLaughs = `<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE package [
  <!ENTITY lol "lol">
  <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
  <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
  <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
  <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
  <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
  <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<package xmlns="http://schemas.microsoft.com/packaging/2013/05/nuspec.xsd">
  <metadata>
    <id>Fixture.Entities</id>
    <version>1.0.0</version>
    <authors>feedserver fixtures</authors>
    <description>&lol9;</description>
  </metadata>
</package>
`

// emptyFolder makes dir if needed and removes the files in it that match pattern.
func emptyFolder(dir, pattern string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	old, err := filepath.Glob(filepath.Join(dir, pattern))
	if err != nil {
		return err
	}
	for _, f := range old {
		if err := os.Remove(f); err != nil {
			return err
		}
	}
	return nil
}

func writeBad(dir string) error {
	if err := emptyFolder(dir, "*.nupkg"); err != nil {
		return err
	}

	good := nuspec("Fixture.Bad", "1.0.0")
	zips := map[string][]entry{
		"two-nuspecs.nupkg": pkg(
			entry{name: "Fixture.Bad.nuspec", data: []byte(good)},
			entry{name: "Fixture.Other.nuspec", data: []byte(nuspec("Fixture.Other", "1.0.0"))},
		),
		"nuspec-in-subfolder.nupkg": pkg(entry{name: "sub/Fixture.Bad.nuspec", data: []byte(good)}),
		"no-nuspec.nupkg":           pkg(),
		"missing-id.nupkg":          pkg(entry{name: "Fixture.Bad.nuspec", data: []byte(nuspec("", "1.0.0"))}),
		"missing-version.nupkg":     pkg(entry{name: "Fixture.Bad.nuspec", data: []byte(nuspec("Fixture.Bad", ""))}),
		"bad-version.nupkg":         pkg(entry{name: "Fixture.Bad.nuspec", data: []byte(nuspec("Fixture.Bad", "1.0.0.0.0-not..valid"))}),
		"illegal-id.nupkg":          pkg(entry{name: "Fixture.Bad.nuspec", data: []byte(nuspec("Bad Id!", "1.0.0"))}),
		// An id that would climb out of the package folder if used as a path unchecked.
		"traversal-id.nupkg": pkg(entry{name: "Fixture.Bad.nuspec", data: []byte(nuspec("../../evil", "1.0.0"))}),
		// One character over NuGet's 100-character limit.
		"id-101-chars.nupkg":     pkg(entry{name: "Fixture.Bad.nuspec", data: []byte(nuspec("Fixture.Long."+strings.Repeat("x", 101-len("Fixture.Long.")), "1.0.0"))}),
		"malformed-xml.nupkg":    pkg(entry{name: "Fixture.Bad.nuspec", data: []byte(strings.Replace(good, "</metadata>", "</metadataa>", 1))}),
		"entity-expansion.nupkg": pkg(entry{name: "Fixture.Bad.nuspec", data: []byte(billionLaughs)}),
		"nuspec-64mib.nupkg":     pkg(entry{name: "Fixture.Bomb.nuspec", data: bomb()}),
		// A payload entry whose name climbs out of any folder it is extracted to.
		"zip-slip.nupkg": append(pkg(entry{name: "Fixture.Bad.nuspec", data: []byte(good)}),
			entry{name: "../../evil.txt", data: []byte("zip slip\n")}),
	}
	for name, es := range zips {
		if err := writeZip(filepath.Join(dir, name), es); err != nil {
			return err
		}
	}

	// Not zips at all, or not whole ones.
	if err := os.WriteFile(filepath.Join(dir, "not-a-zip.nupkg"), []byte("this is plain text, not a zip archive\n"), 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "empty.nupkg"), nil, 0o644); err != nil {
		return err
	}
	whole, err := zipBytes(pkg(entry{name: "Fixture.Bad.nuspec", data: []byte(good)}))
	if err != nil {
		return err
	}
	// Cut in half: the local headers are there, the central directory is not.
	return os.WriteFile(filepath.Join(dir, "truncated.nupkg"), whole[:len(whole)/2], 0o644)
}
