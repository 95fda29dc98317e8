package row

import (
	"fmt"
	"strings"

	"github.com/feedserver/feedserver/index"
	"github.com/feedserver/feedserver/nuget"
)

// Key is the identity of one packages row: the values of the columns space,
// kind, id_lower and version_lower, which the primary key compares.
type Key struct {
	Space   string
	Kind    index.Kind
	ID      string // lowercased
	Version string // normalised, lowercased
}

// KeyOf is the identity of e's row.
func KeyOf(e index.Entry) Key {
	return Key{e.Space, e.Kind, e.ID.Lower(), e.Version.Lower()}
}

// Lookup turns caller input into an identity: the id in any casing, the
// version in any spelling of the same normalised version. ok is false when
// the version does not parse; callers report that as index.ErrNotFound.
func Lookup(space string, kind index.Kind, id, version string) (k Key, ok bool) {
	v, err := ParseVersion(version)
	if err != nil {
		return Key{}, false
	}
	return Key{space, kind, nuget.ID(id).Lower(), v.Lower()}, true
}

func (k Key) String() string {
	return fmt.Sprintf("%s/%s/%s/%s", k.Space, k.Kind, k.ID, k.Version)
}

// Check refuses an entry without identity, with nuget.ErrInvalidPackage.
func Check(e index.Entry) error {
	switch {
	case e.Space == "":
		return fmt.Errorf("index: entry without space: %w", nuget.ErrInvalidPackage)
	case e.Kind == "":
		return fmt.Errorf("index: entry without kind: %w", nuget.ErrInvalidPackage)
	case e.ID == "":
		return fmt.Errorf("index: entry without id: %w", nuget.ErrInvalidPackage)
	case e.Version.IsZero():
		return fmt.Errorf("index: entry %s without version: %w", e.ID, nuget.ErrInvalidPackage)
	}
	return nil
}

// ParseVersion is nuget.ParseVersion, falling back to the lenient parse of
// Octopus file names (numeric prerelease labels with leading zeros, as in
// MyApp.2016.09.01-beta.0001.zip), which raw archives are catalogued with.
func ParseVersion(s string) (nuget.Version, error) {
	v, err := nuget.ParseVersion(s)
	if err == nil {
		return v, nil
	}
	a, aerr := nuget.ParseArchiveName("v." + strings.TrimSpace(s) + ".zip")
	if aerr != nil {
		return nuget.Version{}, err
	}
	return a.Version, nil
}
