package row

import (
	"fmt"
	"strings"

	"github.com/feedserver/feedserver/index"
	"github.com/feedserver/feedserver/nuget"
)

// SymbolColumns is the select list of the symbol_files table that
// ScanSymbol reads, and the insert list SymbolRows gives, in order.
const SymbolColumns = `space, id_lower, version_lower, ssqp_key, path, blob_key, size, sha256`

// ScanSymbol reads one row selected with SymbolColumns.
func ScanSymbol(s Scanner) (index.SymbolFile, error) {
	var f index.SymbolFile
	err := s.Scan(&f.Space, &f.ID, &f.Version, &f.Key, &f.Path, &f.BlobKey, &f.Size, &f.SHA256)
	return f, err
}

// SymbolRows are the rows of one version's symbol files, one value per
// SymbolColumns each, with the version's identity (lowercased, as Lookup
// gives it) and lowercased keys. ok is false when the version does not
// parse; a file without key, path or blob key, or two files with one key,
// are refused with nuget.ErrInvalidPackage.
func SymbolRows(space, id, version string, files []index.SymbolFile) (k Key, rows [][8]any, ok bool, err error) {
	k, ok = Lookup(space, index.KindNuGet, id, version)
	if !ok {
		return k, nil, false, nil
	}
	seen := make(map[string]bool, len(files))
	for _, f := range files {
		key := strings.ToLower(f.Key)
		if key == "" || f.Path == "" || f.BlobKey == "" {
			return k, nil, true, fmt.Errorf("index: symbol file of %s without key, path or blob key: %w", k, nuget.ErrInvalidPackage)
		}
		if seen[key] {
			return k, nil, true, fmt.Errorf("index: symbol key %s twice in %s: %w", key, k, nuget.ErrInvalidPackage)
		}
		seen[key] = true
		rows = append(rows, [8]any{k.Space, k.ID, k.Version, key, f.Path, f.BlobKey, f.Size, f.SHA256})
	}
	return k, rows, true, nil
}
