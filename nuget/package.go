package nuget

import (
	"archive/zip"
	"errors"
	"io"
	"path"
	"sort"
	"strconv"
	"strings"
)

// ReadPackage reads the manifest of a .nupkg without inflating anything else.
//
// The zip's central directory is read, then exactly one .nuspec must sit at
// the root (any name, extension in any case; entries in folders do not count,
// as NuGet.Packaging's PackageReaderBase.GetNuspecFile ignores them). The
// nuspec is refused if its declared size is over the limit, and is inflated
// through a reader that stops one byte past the limit, so a zip bomb costs at
// most that much. Other entries' data are never read. The manifest must pass
// Validate.
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
	zr, err := zip.NewReader(r, size)
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		return nil, invalidf("the file is not a zip archive (or it is truncated): %w", err)
	}

	var roots, nested []*zip.File
	for _, f := range zr.File {
		if unsafeEntryName(f.Name) {
			return nil, invalidf("the package contains an unsafe path %q", shorten(f.Name))
		}
		if !strings.EqualFold(path.Ext(f.Name), ".nuspec") || strings.HasSuffix(f.Name, "/") {
			continue
		}
		if strings.ContainsAny(f.Name, `/\`) {
			nested = append(nested, f)
		} else {
			roots = append(roots, f)
		}
	}
	switch {
	case len(roots) == 0 && len(nested) > 0:
		return nil, invalidf("the package has no .nuspec file at its root (found %s in a folder)", shorten(nested[0].Name))
	case len(roots) == 0:
		return nil, invalidf("the package has no .nuspec file at its root")
	case len(roots) > 1:
		names := make([]string, len(roots))
		for i, f := range roots {
			names[i] = f.Name
		}
		sort.Strings(names)
		return nil, invalidf("the package contains %s .nuspec files: %s (it must have exactly one at its root)", countWord(len(names)), shorten(strings.Join(names, ", ")))
	}

	f := roots[0]
	if f.UncompressedSize64 > uint64(limit) {
		return nil, invalidf("the nuspec is larger than %s", formatSize(limit))
	}
	rc, err := f.Open()
	if err != nil {
		return nil, invalidf("the nuspec %s cannot be read: %w", f.Name, err)
	}
	defer rc.Close()
	// The declared size can lie; the limit holds whatever the header says.
	data, err := io.ReadAll(io.LimitReader(rc, limit+1))
	if int64(len(data)) > limit {
		return nil, invalidf("the nuspec is larger than %s", formatSize(limit))
	}
	if errors.Is(err, zip.ErrFormat) || errors.Is(err, zip.ErrChecksum) {
		return nil, invalidf("the nuspec %s is damaged: its data does not match the zip headers (%w)", f.Name, err)
	}
	if err != nil {
		return nil, invalidf("the nuspec %s cannot be read: %w", f.Name, err)
	}

	m, err := parseManifest(data)
	if err != nil {
		return nil, err
	}
	if err := validate(m); err != nil {
		return nil, err
	}
	return &Package{Manifest: m, Nuspec: data, NuspecName: f.Name}, nil
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
