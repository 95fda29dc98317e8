package nuget

import (
	"errors"
	"io"
	"path"
	"sort"
	"strconv"
	"strings"
)

// Package is what ReadPackage learns from a .nupkg without inflating its payload.
type Package struct {
	Manifest   *Manifest
	Nuspec     []byte // the raw nuspec bytes, served as-is on the flat container
	NuspecName string // the nuspec's name at the zip root
}

// Limits caps what ReadPackage will inflate.
type Limits struct {
	MaxNuspecBytes int64 // default 1 MiB when zero
}

// ReadPackage reads the manifest of a .nupkg without inflating anything else.
//
// The zip's central directory is read one record at a time (so a package's
// entries cost time, never memory; more than MaxZipEntries are refused),
// then exactly one .nuspec must sit at the root (any name, extension in any
// case; entries in folders do not count, as NuGet.Packaging's
// PackageReaderBase.GetNuspecFile ignores them). No entry may have a path
// that would escape a folder. The nuspec is refused if its declared size is
// over the limit, and is inflated through a reader that stops one byte past
// the limit, so a zip bomb costs at most that much. Other entries' data are
// never read. The manifest must pass Validate.
func ReadPackage(r io.ReaderAt, size int64, lim Limits) (*Package, error) {
	return readPackage(r, size, lim, (*Manifest).Validate)
}

// readPackage is ReadPackage with the manifest check chosen by the caller:
// a symbol package's nuspec has no authors (ReadSymbolPackage).
func readPackage(r io.ReaderAt, size int64, lim Limits, validate func(*Manifest) error) (*Package, error) {
	limit := lim.MaxNuspecBytes
	if limit <= 0 {
		limit = DefaultMaxNuspecBytes
	}
	if size <= 0 {
		return nil, invalidf("the file is empty; a .nupkg is a zip archive")
	}
	// Only a few root nuspecs are kept, for the message about them.
	const keep = 3
	var roots []dirEntry
	rootCount, nested := 0, ""
	err := scanZip(r, size, func(e dirEntry) error {
		if unsafeEntryName(e.name) {
			return invalidf("the package contains an unsafe path %q", shorten(e.name))
		}
		if !strings.EqualFold(path.Ext(e.name), ".nuspec") || strings.HasSuffix(e.name, "/") {
			return nil
		}
		switch {
		case strings.ContainsAny(e.name, `/\`):
			if nested == "" {
				nested = e.name
			}
		default:
			if rootCount++; len(roots) < keep {
				roots = append(roots, e)
			}
		}
		return nil
	})
	if errors.Is(err, errZipFormat) {
		return nil, invalidf("the file is not a zip archive (or it is truncated): %w", err)
	}
	if err != nil {
		return nil, err // already a refusal of the package
	}
	switch {
	case rootCount == 0 && nested != "":
		return nil, invalidf("the package has no .nuspec file at its root (found %s in a folder)", shorten(nested))
	case rootCount == 0:
		return nil, invalidf("the package has no .nuspec file at its root")
	case rootCount > 1:
		names := make([]string, len(roots))
		for i, f := range roots {
			names[i] = f.name
		}
		sort.Strings(names)
		list := strings.Join(names, ", ")
		if rootCount > len(roots) {
			list += ", ..."
		}
		return nil, invalidf("the package contains %s .nuspec files: %s (it must have exactly one at its root)", countWord(rootCount), shorten(list))
	}

	f := roots[0]
	if f.size > uint64(limit) {
		return nil, invalidf("the nuspec is larger than %s", formatSize(limit))
	}
	rc, err := openZipEntry(r, size, f)
	if errors.Is(err, errZipFormat) {
		return nil, invalidf("the nuspec %s is damaged: its data does not match the zip headers (%w)", f.name, err)
	}
	if err != nil {
		return nil, invalidf("the nuspec %s cannot be read: %w", f.name, err)
	}
	// The declared size can lie; the limit holds whatever the header says.
	data, err := io.ReadAll(io.LimitReader(rc, limit+1))
	if int64(len(data)) > limit {
		return nil, invalidf("the nuspec is larger than %s", formatSize(limit))
	}
	if err != nil {
		return nil, invalidf("the nuspec %s is damaged: its data does not match the zip headers (%w)", f.name, err)
	}

	m, err := parseManifest(data)
	if err != nil {
		return nil, err
	}
	if err := validate(m); err != nil {
		return nil, err
	}
	return &Package{Manifest: m, Nuspec: data, NuspecName: f.name}, nil
}

// unsafeEntryName reports names that would escape a folder if extracted:
// absolute paths, drive letters and ".." segments (nuget.org refuses them).
func unsafeEntryName(name string) bool {
	n := strings.ReplaceAll(name, `\`, "/")
	if strings.HasPrefix(n, "/") || len(n) >= 2 && n[1] == ':' {
		return true
	}
	for _, seg := range strings.Split(n, "/") {
		if seg == ".." {
			return true
		}
	}
	return false
}

func countWord(n int) string {
	switch n {
	case 2:
		return "two"
	case 3:
		return "three"
	}
	return strconv.Itoa(n)
}
