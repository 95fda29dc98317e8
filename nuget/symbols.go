package nuget

import (
	"archive/zip"
	"crypto/sha256"
	"errors"
	"io"
	"path"
	"strings"
)

// Symbol packages (.snupkg): a zip laid out like a .nupkg, with the same id
// and version as the package it belongs to, holding that package's Portable
// PDBs. NuGet.exe 4.9+ writes them with pack -Symbols -SymbolPackageFormat
// snupkg and pushes X.snupkg after X.nupkg when the service index has
// SymbolPackagePublish/4.9.0 (docs/protocol/nuget.md §12).

// SymbolsPackageType is the package type a symbol package's nuspec declares,
// and the only one it may declare (NuGet docs, "Creating symbol packages
// (.snupkg)", symbol package structure; NuGetGallery
// PackageMetadata.IsSymbolsPackage).
const SymbolsPackageType = "SymbolsPackage"

// DefaultMaxSymbolBytes caps the PDBs of one symbol package together,
// inflated, when SymbolLimits gives no cap.
const DefaultMaxSymbolBytes = 1 << 30

// SymbolLimits caps what ReadSymbolPackage inflates.
type SymbolLimits struct {
	MaxNuspecBytes int64 // default DefaultMaxNuspecBytes
	MaxPDBBytes    int64 // all PDBs together, as their zip entries declare them; default DefaultMaxSymbolBytes
}

// SymbolPackage is what ReadSymbolPackage learns from a .snupkg.
type SymbolPackage struct {
	Manifest   *Manifest
	Nuspec     []byte // the raw nuspec bytes
	NuspecName string // the nuspec's name at the zip root
	PDBs       []SymbolFile
}

// SymbolFile is one Portable PDB of a symbol package. PDBs are listed in zip
// order, one per key: a PDB that repeats another's key and bytes (the same
// build copied into two folders) is listed once.
type SymbolFile struct {
	Path     string            // the zip entry's name, for example lib/net45/My.Lib.pdb
	Key      string            // its SSQP key, SymbolKey(Path, ID)
	ID       PDBID             // the PDB id
	Size     int64             // its length, inflated
	Checksum [sha256.Size]byte // its SHA-256 PDB checksum: the file with the id zeroed (PortablePDB.Checksum)
}

// symbolExtensions are the only file extensions nuget.org accepts in a
// symbol package, compared case-sensitively (NuGetGallery
// SymbolPackageService.AllowedExtensions; NuGet docs, "NuGet.org symbol
// package constraints"): the PDBs, the nuspec, and the parts of the OPC
// package NuGet writes ([Content_Types].xml, _rels/.rels,
// package/services/metadata/core-properties/*.psmdcp, .signature.p7s).
var symbolExtensions = map[string]bool{".pdb": true, ".nuspec": true, ".xml": true, ".psmdcp": true, ".rels": true, ".p7s": true}

// ReadSymbolPackage reads and checks a .snupkg as nuget.org checks one
// (NuGetGallery SymbolPackageService.EnsureValidAsync and
// SymbolPackageUploadService.ValidateUploadedSymbolsPackage):
//
//   - the zip rules of ReadPackage: one nuspec at the root, no entry path
//     that would escape a folder;
//   - the nuspec's id and version present and valid, its minClientVersion
//     valid if given; exactly one package type, SymbolsPackage; no authors
//     and no owners (NuGet pack leaves them out of a symbol package's nuspec,
//     and nuget.org refuses them);
//   - no two entries whose paths differ only in case or slashes;
//   - every file's extension one of .pdb .nuspec .xml .psmdcp .rels .p7s,
//     in that case; a file without extension, which nuget.org lets through
//     but nothing can use, is refused too;
//   - at least one .pdb, and every .pdb a Portable PDB (ReadPortablePDB's
//     rules); two PDBs with one key must be the same file.
//
// Every PDB is inflated once, through a SHA-256 hash, never held in memory;
// the PDBs' declared sizes together may not pass lim.MaxPDBBytes, and
// archive/zip refuses an entry that inflates past its declared size. That
// an .nupkg with the same id and version exists is the caller's check
// (nuget.org answers 404 when it does not). Refusals wrap ErrInvalidPackage.
func ReadSymbolPackage(r io.ReaderAt, size int64, lim SymbolLimits) (*SymbolPackage, error) {
	pkg, err := readPackage(r, size, Limits{MaxNuspecBytes: lim.MaxNuspecBytes}, validateSymbolsManifest)
	if err != nil {
		return nil, err
	}
	maxPDB := lim.MaxPDBBytes
	if maxPDB <= 0 {
		maxPDB = DefaultMaxSymbolBytes
	}
	zr, err := zip.NewReader(r, size)
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		return nil, invalidf("the file is not a zip archive (or it is truncated): %w", err)
	}

	seen := make(map[string]string, len(zr.File)) // normalised lower-case path -> entry name
	var pdbs []*zip.File
	var total uint64
	for _, f := range zr.File {
		if strings.HasSuffix(f.Name, "/") {
			continue // a folder entry
		}
		norm := strings.ToLower(entryPath(f.Name))
		if prev, dup := seen[norm]; dup {
			return nil, invalidf("the symbol package contains %s twice (as %q and %q)", shorten(entryPath(f.Name)), shorten(prev), shorten(f.Name))
		}
		seen[norm] = f.Name
		ext := path.Ext(path.Base(entryPath(f.Name)))
		switch {
		case ext == "":
			return nil, invalidf("the symbol package contains %s, which has no file extension; a symbol package holds .pdb files and NuGet's own package files only", shorten(f.Name))
		case !symbolExtensions[ext]:
			return nil, invalidf("the symbol package contains %s; a symbol package holds .pdb files and NuGet's own package files (.nuspec, .xml, .psmdcp, .rels, .p7s) only", shorten(f.Name))
		case ext != ".pdb":
			continue
		}
		if total += f.UncompressedSize64; f.UncompressedSize64 > uint64(maxPDB) || total > uint64(maxPDB) {
			return nil, invalidf("the symbol package's PDBs are larger than %s together", formatSize(maxPDB))
		}
		pdbs = append(pdbs, f)
	}
	if len(pdbs) == 0 {
		return nil, invalidf("the symbol package contains no .pdb file")
	}

	out := &SymbolPackage{Manifest: pkg.Manifest, Nuspec: pkg.Nuspec, NuspecName: pkg.NuspecName}
	byKey := make(map[string]int, len(pdbs)) // lower-case key -> index in out.PDBs
	for _, f := range pdbs {
		file, err := readSymbolFile(f)
		if err != nil {
			return nil, err
		}
		if i, dup := byKey[strings.ToLower(file.Key)]; dup {
			if out.PDBs[i].Checksum != file.Checksum || out.PDBs[i].Size != file.Size {
				return nil, invalidf("%s and %s have the same PDB id and name but different contents; a symbol server could serve either", shorten(out.PDBs[i].Path), shorten(file.Path))
			}
			continue
		}
		byKey[strings.ToLower(file.Key)] = len(out.PDBs)
		out.PDBs = append(out.PDBs, file)
	}
	return out, nil
}

// readSymbolFile inflates one PDB entry through readPDBStream.
func readSymbolFile(f *zip.File) (SymbolFile, error) {
	rc, err := f.Open()
	if err != nil {
		return SymbolFile{}, invalidf("%s cannot be read: %w", shorten(f.Name), err)
	}
	defer rc.Close()
	h := sha256.New()
	p, err := readPDBStream(rc, int64(f.UncompressedSize64), h)
	var sum [sha256.Size]byte
	h.Sum(sum[:0])
	if errors.Is(err, zip.ErrFormat) || errors.Is(err, zip.ErrChecksum) || errors.Is(err, io.ErrUnexpectedEOF) {
		return SymbolFile{}, invalidf("%s is damaged: its data does not match the zip headers (%w)", shorten(f.Name), err)
	}
	if err != nil {
		return SymbolFile{}, invalidf("%s is not a portable PDB: %w", shorten(f.Name), err)
	}
	return SymbolFile{Path: f.Name, Key: SymbolKey(f.Name, p.ID), ID: p.ID, Size: p.Size, Checksum: sum}, nil
}

// validateSymbolsManifest is Manifest.Validate for a symbol package's
// nuspec: the identity as for any package, then nuget.org's rules for
// symbol packages (NuGetGallery SymbolPackageService.ValidateSymbolPackage).
func validateSymbolsManifest(m *Manifest) error {
	if err := m.validateIdentity(); err != nil {
		return err
	}
	if err := m.validateMinClientVersion(); err != nil {
		return err
	}
	if len(m.PackageTypes) != 1 || !strings.EqualFold(m.PackageTypes[0].Name, SymbolsPackageType) {
		return invalidf(`the nuspec is not a symbol package's: it must declare the one package type %s (<packageTypes><packageType name="%s" /></packageTypes>), as nuget pack -SymbolPackageFormat snupkg writes it`, SymbolsPackageType, SymbolsPackageType)
	}
	switch {
	case len(m.Authors) > 0 && len(m.Owners) > 0:
		return invalidf("a symbol package's nuspec may not have <authors> or <owners>; they belong to the package itself")
	case len(m.Authors) > 0:
		return invalidf("a symbol package's nuspec may not have <authors>; they belong to the package itself")
	case len(m.Owners) > 0:
		return invalidf("a symbol package's nuspec may not have <owners>; they belong to the package itself")
	}
	return nil
}

// entryPath is a zip entry's name or a nuspec path as NuGet compares them:
// backslashes become slashes, and a leading "./" and leading slashes are
// dropped (NuGet.Common PathUtility.StripLeadingDirectorySeparators, which
// NuGetGallery's FileNameHelper.GetZipEntryPath uses).
func entryPath(name string) string {
	name = strings.ReplaceAll(name, `\`, "/")
	name = strings.TrimPrefix(name, "./")
	return strings.TrimLeft(name, "/")
}
