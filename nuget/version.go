package nuget

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Version is a NuGet version: 1–4 numeric parts, optional prerelease labels and build metadata.
// The zero Version is not valid; use ParseVersion.
type Version struct {
	parts    [4]uint64 // major, minor, patch, revision
	release  []string  // prerelease labels, original casing
	metadata string    // build metadata without '+'
	original string    // exactly as given (trimmed)
}

// maxPart is the largest numeric part NuGet accepts: parts go through
// System.Version, whose components are Int32.
const maxPart = 1<<31 - 1

// ParseVersion parses a NuGet version as NuGetVersion.TryParse does:
//   - surrounding whitespace is trimmed, and whitespace around a number is
//     tolerated ("1 .2"; System.Version parses each part as an Int32);
//   - 1 to 4 numeric parts, missing parts are 0, leading zeros are allowed;
//   - an optional "-" and dot-separated prerelease labels of [0-9A-Za-z-],
//     none empty, purely numeric ones without leading zeros;
//   - an optional "+" and dot-separated build metadata of [0-9A-Za-z-].
func ParseVersion(s string) (Version, error) {
	v, err := parseVersion(s, false)
	if err != nil {
		return Version{}, &FieldError{Field: "version", Value: strings.TrimSpace(s), Err: err}
	}
	return v, nil
}

// MustParseVersion is ParseVersion for constants and tests; it panics on error.
func MustParseVersion(s string) Version {
	v, err := ParseVersion(s)
	if err != nil {
		panic(err)
	}
	return v
}

// MaxVersionText bounds the text a version is parsed from, checked before
// any work: a raw archive's version comes from its file name, which the
// package directory keeps in one segment of at most 255 bytes, and a .nupkg's
// normalised version is at most MaxVersionLength.
const MaxVersionText = 256

var errVersionEmpty = errors.New("is empty")

// errVersionExample ends most refusals so the user sees what a version looks like.
const errVersionExample = "a version is 1 to 4 numbers separated by dots, then an optional -prerelease label and +metadata (for example 1.0.0 or 2.1.0-beta.1)"

// parseVersion does the work of ParseVersion. lenient accepts numeric
// prerelease labels with leading zeros, as Octopus' SemVerFactory does for
// file names such as MyApp.2016.09.01-beta.0001.zip.
func parseVersion(s string, lenient bool) (Version, error) {
	if len(s) > MaxVersionText {
		return Version{}, fmt.Errorf("it is %d bytes long; the limit is %d", len(s), MaxVersionText)
	}
	s = strings.TrimSpace(s)
	if s == "" {
		return Version{}, errVersionEmpty
	}
	// NuGetVersion keeps the original text with spaces removed.
	original := strings.ReplaceAll(s, " ", "")

	// The numbers end at the first '-' or '+'; labels end at the next '+'
	// (SemanticVersion.ParseSections).
	numbers, rest := s, ""
	if i := strings.IndexAny(s, "-+"); i >= 0 {
		numbers, rest = s[:i], s[i:]
	}
	var labels, metadata string
	hasLabels, hasMetadata := false, false
	if strings.HasPrefix(rest, "-") {
		hasLabels = true
		labels = rest[1:]
		rest = ""
		if i := strings.IndexByte(labels, '+'); i >= 0 {
			labels, rest = labels[:i], labels[i:]
		}
	}
	if strings.HasPrefix(rest, "+") {
		hasMetadata = true
		metadata = rest[1:]
	}

	var v Version
	fields := strings.Split(numbers, ".")
	if len(fields) > 4 {
		return Version{}, fmt.Errorf("it has %d numeric parts; %s", len(fields), errVersionExample)
	}
	for i, f := range fields {
		n, err := parseVersionPart(f)
		if err != nil {
			return Version{}, err
		}
		v.parts[i] = n
	}
	if hasLabels {
		if labels == "" {
			return Version{}, fmt.Errorf("the prerelease label after '-' is empty; %s", errVersionExample)
		}
		v.release = strings.Split(labels, ".")
		for _, l := range v.release {
			if err := checkLabel(l, "prerelease label", !lenient); err != nil {
				return Version{}, err
			}
		}
	}
	if hasMetadata {
		if metadata == "" {
			return Version{}, fmt.Errorf("the build metadata after '+' is empty; %s", errVersionExample)
		}
		for _, l := range strings.Split(metadata, ".") {
			// SemVer allows leading zeros in metadata identifiers.
			if err := checkLabel(l, "build metadata", false); err != nil {
				return Version{}, err
			}
		}
		v.metadata = metadata
	}
	v.original = original
	return v, nil
}

// parseVersionPart reads one numeric part as Int32.TryParse with
// NumberStyles.Integer would: ASCII digits with optional surrounding whitespace.
func parseVersionPart(f string) (uint64, error) {
	d := strings.Trim(f, " \t\n\v\f\r")
	if d == "" {
		return 0, fmt.Errorf("it has an empty numeric part; %s", errVersionExample)
	}
	var n uint64
	for i := 0; i < len(d); i++ {
		c := d[i]
		if c < '0' || c > '9' {
			return 0, fmt.Errorf("%q is not a number; %s", f, errVersionExample)
		}
		n = n*10 + uint64(c-'0')
		if n > maxPart {
			return 0, fmt.Errorf("the number %s is larger than %d", d, maxPart)
		}
	}
	return n, nil
}

// checkLabel applies SemanticVersion.IsValidPart to one dot-separated identifier.
func checkLabel(l, what string, noLeadingZeros bool) error {
	if l == "" {
		return fmt.Errorf("the %s has an empty part between dots", what)
	}
	for i := 0; i < len(l); i++ {
		if !isLabelChar(l[i]) {
			return fmt.Errorf("the %s %q may contain only letters, digits and '-'", what, l)
		}
	}
	if noLeadingZeros && len(l) > 1 && l[0] == '0' && allDigits(l) {
		return fmt.Errorf("the numeric %s %q has a leading zero", what, l)
	}
	return nil
}

func isLabelChar(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c == '-'
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// String is the normalised form (NuGet's ToNormalizedString): Major.Minor.Patch,
// .Revision only when it is not 0, -labels with their casing kept, no metadata,
// no leading zeros. The zero Version gives "".
func (v Version) String() string {
	if v.IsZero() {
		return ""
	}
	var b strings.Builder
	b.Grow(len(v.original) + 4)
	for i := 0; i < 3; i++ {
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteString(strconv.FormatUint(v.parts[i], 10))
	}
	if v.parts[3] > 0 {
		b.WriteByte('.')
		b.WriteString(strconv.FormatUint(v.parts[3], 10))
	}
	if len(v.release) > 0 {
		b.WriteByte('-')
		b.WriteString(strings.Join(v.release, "."))
	}
	return b.String()
}

// Full is String plus "+metadata" when there is metadata (NuGet's ToFullString);
// registration documents carry this form.
func (v Version) Full() string {
	if v.metadata == "" {
		return v.String()
	}
	return v.String() + "+" + v.metadata
}

// Lower is the identity key and URL form: the normalised string in lower case.
func (v Version) Lower() string { return strings.ToLower(v.String()) }

// Original is the text the version was parsed from, trimmed (and, as
// NuGetVersion does, with inner spaces removed).
func (v Version) Original() string { return v.original }

// Metadata is the build metadata without the '+', or "".
func (v Version) Metadata() string { return v.metadata }

// IsPrerelease reports whether the version has prerelease labels.
func (v Version) IsPrerelease() bool { return len(v.release) > 0 }

// IsSemVer2 is NuGetVersion.IsSemVer2: a dotted prerelease label or build
// metadata, which SemVer1-only clients cannot read.
func (v Version) IsSemVer2() bool { return len(v.release) > 1 || v.metadata != "" }

// IsZero reports whether v is the zero Version, which ParseVersion never returns.
func (v Version) IsZero() bool {
	return v.original == "" && v.parts == [4]uint64{} && v.release == nil && v.metadata == ""
}

// Equal is package identity: same numbers, same labels ignoring case, metadata
// ignored. "1.0" equals "1.0.0.0", "1.6.2-BeTa" equals "1.6.02-beta".
func (v Version) Equal(o Version) bool {
	if v.parts != o.parts || len(v.release) != len(o.release) {
		return false
	}
	for i := range v.release {
		if !strings.EqualFold(v.release[i], o.release[i]) {
			return false
		}
	}
	return true
}

// CompareVersions orders versions by SemVer 2.0.0 precedence with NuGet's
// fourth number (VersionComparer.Default): numbers first, then a stable version
// above any prerelease, then labels left to right — numeric labels numerically
// and below alphanumeric ones, alphanumeric labels case-insensitively, more
// labels above fewer. Metadata is ignored. It returns -1, 0 or +1.
func CompareVersions(a, b Version) int {
	for i := range a.parts {
		if a.parts[i] != b.parts[i] {
			if a.parts[i] < b.parts[i] {
				return -1
			}
			return 1
		}
	}
	switch {
	case len(a.release) == 0 && len(b.release) == 0:
		return 0
	case len(a.release) == 0:
		return 1
	case len(b.release) == 0:
		return -1
	}
	for i := 0; i < len(a.release) && i < len(b.release); i++ {
		if c := compareLabel(a.release[i], b.release[i]); c != 0 {
			return c
		}
	}
	switch {
	case len(a.release) < len(b.release):
		return -1
	case len(a.release) > len(b.release):
		return 1
	}
	return 0
}

// compareLabel is VersionComparer.CompareRelease: labels that int.TryParse
// accepts compare as numbers and sort before the others, which compare
// ordinally ignoring case.
func compareLabel(a, b string) int {
	an, aNum := labelNumber(a)
	bn, bNum := labelNumber(b)
	switch {
	case aNum && bNum:
		switch {
		case an < bn:
			return -1
		case an > bn:
			return 1
		}
		return 0
	case aNum:
		return -1
	case bNum:
		return 1
	}
	return compareFold(a, b)
}

// labelNumber reports whether a label is numeric the way int.TryParse sees it:
// digits only, fitting an Int32. A longer run of digits compares as text.
func labelNumber(s string) (uint64, bool) {
	if !allDigits(s) {
		return 0, false
	}
	var n uint64
	for i := 0; i < len(s); i++ {
		n = n*10 + uint64(s[i]-'0')
		if n > maxPart {
			return 0, false
		}
	}
	return n, true
}

// compareFold compares ASCII labels as StringComparer.OrdinalIgnoreCase does.
func compareFold(a, b string) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		ca, cb := upper(a[i]), upper(b[i])
		if ca != cb {
			if ca < cb {
				return -1
			}
			return 1
		}
	}
	switch {
	case len(a) < len(b):
		return -1
	case len(a) > len(b):
		return 1
	}
	return 0
}

func upper(c byte) byte {
	if c >= 'a' && c <= 'z' {
		return c - 'a' + 'A'
	}
	return c
}
