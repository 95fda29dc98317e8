package nuget

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// Deprecation of package versions: the "deprecation" object of a
// registration leaf's catalog entry, which NuGet clients (Visual Studio,
// dotnet list package --deprecated, NuGet.Protocol's
// PackageDeprecationMetadata) read (NuGet docs, "Package metadata",
// "Package deprecation"; docs/protocol/nuget.md §14).

// DeprecationReason is one reason in a deprecation's "reasons" array.
type DeprecationReason string

// The reasons the registration documentation defines.
const (
	DeprecationOther        DeprecationReason = "Other"        // a reason not on this list
	DeprecationLegacy       DeprecationReason = "Legacy"       // no longer maintained
	DeprecationCriticalBugs DeprecationReason = "CriticalBugs" // bugs that make it unsuitable for use
)

// deprecationReasons are the known reasons in the order nuget.org writes
// them: its PackageDeprecationStatus flags (Other 1, Legacy 2,
// CriticalBugs 4), enumerated by value (NuGetGallery Db2CatalogProjection).
var deprecationReasons = []DeprecationReason{DeprecationOther, DeprecationLegacy, DeprecationCriticalBugs}

// MaxDeprecationMessageLength is nuget.org's limit on a deprecation message,
// in UTF-16 code units as .NET counts string length (NuGetGallery
// PackageDeprecationManagementService.MaxCustomMessageLength).
const MaxDeprecationMessageLength = 1000

// Deprecation is what an administrator sets on package versions.
type Deprecation struct {
	Reasons          []DeprecationReason // at least one, no repeats, in nuget.org's order (Other, Legacy, CriticalBugs)
	Message          string              // may be empty, unless a reason is Other
	AlternatePackage *AlternatePackage   // optional
}

// AlternatePackage is the package to use instead.
type AlternatePackage struct {
	ID      ID
	Version *Version // nil: any version
}

// Range is the alternate package's "range" as nuget.org writes it: "*" for
// any version, "[<version>, )" for that version or later (NuGetGallery
// Db2CatalogProjection; NuGet docs, "Alternate package").
func (a AlternatePackage) Range() string {
	if a.Version == nil {
		return "*"
	}
	return "[" + a.Version.String() + ", )"
}

// ParseDeprecationReason reads a reason by name, ignoring case as the
// registration documentation says clients do, and returns its canonical
// spelling. Unknown names are refused: clients ignore them, so a server
// that wrote one would deprecate for no reason anyone sees.
func ParseDeprecationReason(s string) (DeprecationReason, error) {
	for _, r := range deprecationReasons {
		if strings.EqualFold(strings.TrimSpace(s), string(r)) {
			return r, nil
		}
	}
	return "", &FieldError{Field: "deprecation reason", Value: s, Err: errors.New("use Legacy, CriticalBugs or Other")}
}

// NewDeprecation builds and checks a deprecation from what an administrator
// sends: reason names (any case, repeats allowed), a message, and an
// alternate package id and version, both optional (a version needs an id).
// The result passes Check; refusals wrap ErrInvalidPackage.
func NewDeprecation(reasons []string, message, alternateID, alternateVersion string) (*Deprecation, error) {
	d := &Deprecation{Message: message}
	for _, s := range reasons {
		r, err := ParseDeprecationReason(s)
		if err != nil {
			return nil, err
		}
		if !slices.Contains(d.Reasons, r) {
			d.Reasons = append(d.Reasons, r)
		}
	}
	slices.SortFunc(d.Reasons, func(a, b DeprecationReason) int {
		return slices.Index(deprecationReasons, a) - slices.Index(deprecationReasons, b)
	})
	alternateID, alternateVersion = strings.TrimSpace(alternateID), strings.TrimSpace(alternateVersion)
	switch {
	case alternateID == "" && alternateVersion != "":
		return nil, &FieldError{Field: "alternate package", Err: errors.New("has a version but no id")}
	case alternateID != "":
		id, err := ParseID(alternateID)
		if err != nil {
			return nil, alternateError(err)
		}
		d.AlternatePackage = &AlternatePackage{ID: id}
		if alternateVersion != "" {
			v, err := ParseVersion(alternateVersion)
			if err != nil {
				return nil, alternateError(err)
			}
			d.AlternatePackage.Version = &v
		}
	}
	if err := d.Check(); err != nil {
		return nil, err
	}
	return d, nil
}

// alternateError renames an id or version refusal to say it is the alternate's.
func alternateError(err error) error {
	var fe *FieldError
	if errors.As(err, &fe) {
		fe.Field = "alternate package " + strings.TrimPrefix(fe.Field, "package ")
	}
	return err
}

// Check is nuget.org's rule for a deprecation by itself (NuGetGallery
// PackageDeprecationManagementService.UpdateDeprecation): at least one
// reason, each known and listed once; a message of at most
// MaxDeprecationMessageLength, in UTF-8, and not blank when a reason is
// Other; an alternate package with a valid id.
func (d *Deprecation) Check() error {
	if len(d.Reasons) == 0 {
		return &FieldError{Field: "deprecation", Err: errors.New("has no reason; give Legacy, CriticalBugs or Other")}
	}
	for i, r := range d.Reasons {
		if !slices.Contains(deprecationReasons, r) {
			return &FieldError{Field: "deprecation reason", Value: string(r), Err: errors.New("use Legacy, CriticalBugs or Other")}
		}
		if slices.Contains(d.Reasons[:i], r) {
			return &FieldError{Field: "deprecation reason", Value: string(r), Err: errors.New("is given twice")}
		}
	}
	if !utf8.ValidString(d.Message) {
		return &FieldError{Field: "deprecation message", Err: errors.New("is not valid UTF-8")}
	}
	if n := utf16Len(d.Message); n > MaxDeprecationMessageLength {
		return &FieldError{Field: "deprecation message", Err: fmt.Errorf("is %d characters long; the limit is %d", n, MaxDeprecationMessageLength)}
	}
	if slices.Contains(d.Reasons, DeprecationOther) && strings.TrimSpace(d.Message) == "" {
		return &FieldError{Field: "deprecation message", Err: errors.New("is missing; the reason Other needs a message saying what it is")}
	}
	if a := d.AlternatePackage; a != nil {
		if _, err := ParseID(string(a.ID)); err != nil {
			return alternateError(err)
		}
	}
	return nil
}

// CheckFor is Check, then nuget.org's rules for setting d on the versions of
// the package id: at least one version, and the alternate package not the
// package itself (any version of the same id, or one of the versions being
// deprecated). That the versions and the alternate exist is the catalogue's
// to check (nuget.org answers 404 for a missing version, 400 for a missing
// alternate).
func (d *Deprecation) CheckFor(id ID, versions []Version) error {
	if err := d.Check(); err != nil {
		return err
	}
	if len(versions) == 0 {
		return &FieldError{Field: "deprecation", Err: errors.New("names no version to deprecate")}
	}
	a := d.AlternatePackage
	if a == nil || !strings.EqualFold(string(a.ID), string(id)) {
		return nil
	}
	if a.Version == nil {
		return &FieldError{Field: "alternate package", Value: string(a.ID), Err: errors.New("is the package being deprecated; name another package, or one version of this one that is not deprecated")}
	}
	for _, v := range versions {
		if v.Equal(*a.Version) {
			return &FieldError{Field: "alternate package", Value: string(a.ID) + " " + a.Version.String(), Err: errors.New("is one of the versions being deprecated")}
		}
	}
	return nil
}

// Equal reports whether d and o say the same thing; nil is no deprecation,
// and an alternate version equals any spelling of it ("1.0" and "1.0.0").
func (d *Deprecation) Equal(o *Deprecation) bool {
	if d == nil || o == nil {
		return d == o
	}
	if !slices.Equal(d.Reasons, o.Reasons) || d.Message != o.Message {
		return false
	}
	a, b := d.AlternatePackage, o.AlternatePackage
	if a == nil || b == nil {
		return a == b
	}
	if a.ID != b.ID || (a.Version == nil) != (b.Version == nil) {
		return false
	}
	return a.Version == nil || a.Version.Equal(*b.Version)
}
