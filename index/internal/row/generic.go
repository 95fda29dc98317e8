package row

import (
	"fmt"
	"strings"
	"time"

	"github.com/feedserver/feedserver/index"
)

// GenericColumns is the select list of the generic_files table that
// ScanGeneric reads, in order.
const GenericColumns = `owner, name, version, filename, sha256, size, created, ref_key`

// ScanGeneric reads one row selected with GenericColumns.
func ScanGeneric(s Scanner) (index.GenericFile, error) {
	var (
		g       index.GenericFile
		created int64
	)
	if err := s.Scan(&g.Owner, &g.Name, &g.Version, &g.FileName, &g.SHA256, &g.Size, &created, &g.RefKey); err != nil {
		return index.GenericFile{}, err
	}
	g.Created = time.Unix(0, created).UTC()
	return g, nil
}

// GenericInsertColumns are the columns of a generic_files row that
// GenericValues gives, in order.
const GenericInsertColumns = `owner, name, name_lower, version, version_lower, filename, filename_lower,
	sha256, size, created, ref_key`

// GenericValues are the values of one generic_files row, one per
// GenericInsertColumns (an array for the reason Values is).
type GenericValues [11]any

// GenericValuesOf is g's row; it refuses a file without identity or reference.
func GenericValuesOf(g index.GenericFile) (GenericValues, error) {
	if g.Owner == "" || g.Name == "" || g.Version == "" || g.FileName == "" || g.RefKey == "" {
		return GenericValues{}, fmt.Errorf("index: generic file %s/%s/%s/%s without identity or reference", g.Owner, g.Name, g.Version, g.FileName)
	}
	return GenericValues{
		g.Owner, g.Name, strings.ToLower(g.Name), g.Version, strings.ToLower(g.Version),
		g.FileName, strings.ToLower(g.FileName), g.SHA256, g.Size, g.Created.UnixNano(), g.RefKey,
	}, nil
}

// ScanGenericPackage reads one row of a generic package listing, whose
// columns are: owner, the newest file's name and version, the count of
// distinct versions, of files, the total size and the newest creation time.
func ScanGenericPackage(s Scanner) (index.GenericPackage, error) {
	var p index.GenericPackage
	var updated int64
	if err := s.Scan(&p.Owner, &p.Name, &p.LatestVersion, &p.Versions, &p.Files, &p.Size, &updated); err != nil {
		return index.GenericPackage{}, err
	}
	p.Updated = time.Unix(0, updated).UTC()
	return p, nil
}

// LikeEscape makes s match itself literally in a LIKE pattern with ESCAPE '\'.
func LikeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}
