package nuget

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf16"
)

// ID is a package id with its original casing; identity is case-insensitive (use Lower).
type ID string

// MaxIDLength is NuGet's limit on a package id, in UTF-16 code units
// (NuGet.Packaging PackageIdValidator.MaxPackageIdLength).
const MaxIDLength = 100

// maxIDBytes is the most UTF-8 bytes an id of MaxIDLength UTF-16 units can
// take (a unit of a surrogate pair is half of a 4-byte rune, others at most 3).
const maxIDBytes = 3 * MaxIDLength

var errIDSyntax = errors.New("use letters, digits and underscores, with single '.' or '-' between them (for example My.Package-Name)")

// ParseID checks s against NuGet's id rule ^\w+([.-]\w+)*$ and its length limit.
// \w is .NET's Unicode word class ([\p{L}\p{Mn}\p{Nd}\p{Pc}]), so "Café.Core"
// is a valid id as it is on nuget.org; Go's ASCII \w would refuse it.
func ParseID(s string) (ID, error) {
	if s == "" {
		return "", &FieldError{Field: "package id", Err: errors.New("is missing")}
	}
	// A byte count first: the UTF-16 count walks the string, and no id
	// longer than 4 bytes per unit can pass it.
	if len(s) > maxIDBytes {
		return "", &FieldError{Field: "package id", Err: fmt.Errorf("is %d bytes long; the limit is %d characters", len(s), MaxIDLength)}
	}
	if n := utf16Len(s); n > MaxIDLength {
		return "", &FieldError{Field: "package id", Err: fmt.Errorf("is %d characters long; the limit is %d", n, MaxIDLength)}
	}
	if !validIDSyntax(s) {
		return "", &FieldError{Field: "package id", Value: s, Err: errIDSyntax}
	}
	return ID(s), nil
}

// validIDSyntax is ^\w+([.-]\w+)*$ with .NET's Unicode \w, written out by hand:
// runs of word characters separated by single '.' or '-'.
func validIDSyntax(s string) bool {
	prevWord := false
	for _, r := range s {
		switch {
		case isWordRune(r):
			prevWord = true
		case (r == '.' || r == '-') && prevWord:
			prevWord = false
		default:
			return false
		}
	}
	return prevWord
}

// isWordRune is .NET's \w: letters, non-spacing marks, decimal digits and
// connector punctuation (which includes '_').
func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.Is(unicode.Mn, r) || unicode.IsDigit(r) || unicode.Is(unicode.Pc, r)
}

// utf16Len counts as .NET's string.Length does.
func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}

// Lower is the id's identity and URL form; ids are case-insensitive.
func (id ID) Lower() string { return strings.ToLower(string(id)) }

// String is the id with its original casing.
func (id ID) String() string { return string(id) }

// CheckStorable refuses an id the package directory cannot keep apart from
// every other id: the directory files an id under its lowercase (ids are
// case-insensitive), and lowercasing folds some non-ASCII letters into ASCII
// ones (KELVIN SIGN U+212A becomes "k", so "Sec.\u212Aelvin" would land in
// the folder of "Sec.Kelvin"), while NuGet compares ids ordinally ignoring
// case (NuGet.Packaging PackageIdComparer) and counts those two as different
// ids. Storage keys are ASCII anyway (storage.ValidKey), so an id is stored
// only when it is ASCII, whose lowercase is one-to-one with NuGet's
// comparison.
func (id ID) CheckStorable() error {
	for i := 0; i < len(id); i++ {
		if id[i] >= 0x80 {
			return &FieldError{Field: "package id", Value: string(id), Err: errors.New(
				"this feed stores ids of ASCII letters, digits and underscores, with '.' or '-' between them; " +
					"an id with other letters could share a folder with a different id")}
		}
	}
	return nil
}

// Findable reports whether a stored package can have the id s: false for
// text longer than any id (checked first, so a lookup with a huge id costs
// nothing) or with a character outside ASCII (CheckStorable), which must not
// be lowercased into a stored id it is not.
func Findable(s string) bool {
	if len(s) > MaxIDLength {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
