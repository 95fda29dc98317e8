package nuget

import (
	"errors"
	"fmt"
	"strings"
)

// VersionRange is a nuspec dependency range. The zero value means "any version".
type VersionRange struct {
	Min, Max                   *Version
	MinInclusive, MaxInclusive bool
}

// ParseVersionRange parses a nuspec dependency range as VersionRange.TryParse
// does, with floating ranges refused:
//
//	"" or blanks   any version (the zero VersionRange)
//	1.0            1.0 ≤ x          [1.0,)  (1.0,)  (,1.0]  (,1.0)
//	[1.0]          x == 1.0         [1.0,2.0]  (1.0,2.0)  [1.0,2.0)  (1.0,2.0]
//
// "(1.0)", "[1.0)", "(,)", a minimum above the maximum, and equal bounds with
// one side open are refused, as NuGet refuses them. Floating versions ("1.*")
// belong to PackageReference, not to a nuspec; nuget.org refuses them there.
func ParseVersionRange(s string) (VersionRange, error) {
	r, err := parseVersionRange(s)
	if err != nil {
		return VersionRange{}, &FieldError{Field: "version range", Value: strings.TrimSpace(s), Err: err}
	}
	return r, nil
}

var errRangeSyntax = errors.New(`write a version (1.0 means 1.0 or later) or an interval such as [1.0,2.0)`)

func parseVersionRange(s string) (VersionRange, error) {
	t := strings.TrimSpace(s)
	if t == "" {
		return VersionRange{}, nil
	}
	if strings.Contains(t, "*") {
		return VersionRange{}, errors.New("floating versions such as 1.* are not allowed in a package's dependencies; give a version or an interval")
	}
	if t[0] != '[' && t[0] != '(' {
		v, err := parseVersion(t, false)
		if err != nil {
			return VersionRange{}, err
		}
		return VersionRange{Min: &v, MinInclusive: true}, nil
	}

	var r VersionRange
	r.MinInclusive = t[0] == '['
	switch t[len(t)-1] {
	case ']':
		r.MaxInclusive = true
	case ')':
	default:
		return VersionRange{}, fmt.Errorf("it does not end with ']' or ')'; %w", errRangeSyntax)
	}
	if len(t) < 2 {
		return VersionRange{}, errRangeSyntax
	}
	parts := strings.Split(t[1:len(t)-1], ",")
	if len(parts) > 2 {
		return VersionRange{}, fmt.Errorf("it has more than one ','; %w", errRangeSyntax)
	}
	// NuGet checks emptiness before trimming: "(,)" is refused while "(, )" —
	// the normalised form of "any" — parses.
	if parts[0] == "" && (len(parts) == 1 || parts[1] == "") {
		return VersionRange{}, fmt.Errorf("it has no version; %w", errRangeSyntax)
	}
	minText, maxText := parts[0], parts[0]
	if len(parts) == 2 {
		maxText = parts[1]
	} else if !(r.MinInclusive && r.MaxInclusive) {
		// One version in brackets must be [1.0]; (1.0), [1.0) and (1.0] match nothing.
		return VersionRange{}, fmt.Errorf("an exact version is written [1.0]; %w", errRangeSyntax)
	}
	if strings.TrimSpace(minText) != "" {
		v, err := parseVersion(minText, false)
		if err != nil {
			return VersionRange{}, err
		}
		r.Min = &v
	}
	if strings.TrimSpace(maxText) != "" {
		v, err := parseVersion(maxText, false)
		if err != nil {
			return VersionRange{}, err
		}
		r.Max = &v
	}
	if r.Min != nil && r.Max != nil {
		switch c := CompareVersions(*r.Min, *r.Max); {
		case c > 0:
			return VersionRange{}, fmt.Errorf("its minimum %s is above its maximum %s", r.Min, r.Max)
		case c == 0 && r.MinInclusive != r.MaxInclusive:
			return VersionRange{}, fmt.Errorf("it includes only one end of %s, so it matches nothing", r.Min)
		}
	}
	// An open end cannot be inclusive; keeping the flags false makes equal
	// ranges compare equal field by field.
	if r.Min == nil {
		r.MinInclusive = false
	}
	if r.Max == nil {
		r.MaxInclusive = false
	}
	return r, nil
}

// String is NuGet's normalised range (VersionRange.ToNormalizedString), which
// nuget.org writes into registration documents: "[1.0.0, )", "[1.0.0, 2.0.0)",
// "(, 1.0.0]", and an exact version as "[1.0.0, 1.0.0]". Bounds are normalised
// versions without metadata.
//
// The range that allows any version gives "" (NuGet writes "(, )"), so that a
// nuspec or registration entry without a range stays without one; both "" and
// "(, )" parse back to it.
func (r VersionRange) String() string {
	if r.IsAny() {
		return ""
	}
	var b strings.Builder
	if r.Min != nil && r.MinInclusive {
		b.WriteByte('[')
	} else {
		b.WriteByte('(')
	}
	if r.Min != nil {
		b.WriteString(r.Min.String())
	}
	b.WriteString(", ")
	if r.Max != nil {
		b.WriteString(r.Max.String())
	}
	if r.Max != nil && r.MaxInclusive {
		b.WriteByte(']')
	} else {
		b.WriteByte(')')
	}
	return b.String()
}

// IsAny reports whether the range has no bounds.
func (r VersionRange) IsAny() bool { return r.Min == nil && r.Max == nil }

// Contains reports whether v is in the range; metadata is ignored, as
// VersionRange.Satisfies ignores it.
func (r VersionRange) Contains(v Version) bool {
	if r.Min != nil {
		c := CompareVersions(*r.Min, v)
		if c > 0 || c == 0 && !r.MinInclusive {
			return false
		}
	}
	if r.Max != nil {
		c := CompareVersions(v, *r.Max)
		if c > 0 || c == 0 && !r.MaxInclusive {
			return false
		}
	}
	return true
}

// IsSemVer2 reports whether either bound is a SemVer2 version; nuget.org counts
// such a dependency as making the whole package SemVer2.
func (r VersionRange) IsSemVer2() bool {
	return r.Min != nil && r.Min.IsSemVer2() || r.Max != nil && r.Max.IsSemVer2()
}
