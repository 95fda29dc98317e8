package nuget

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf16"
)

// MaxIDLength is NuGet's limit on a package id, in UTF-16 code units
// (NuGet.Packaging PackageIdValidator.MaxPackageIdLength).
const MaxIDLength = 100

var errIDSyntax = errors.New("use letters, digits and underscores, with single '.' or '-' between them (for example My.Package-Name)")

// ParseID checks s against NuGet's id rule ^\w+([.-]\w+)*$ and its length limit.
// \w is .NET's Unicode word class ([\p{L}\p{Mn}\p{Nd}\p{Pc}]), so "Café.Core"
// is a valid id as it is on nuget.org; Go's ASCII \w would refuse it.
func ParseID(s string) (ID, error) {
	if s == "" {
		return "", &FieldError{Field: "package id", Err: errors.New("is missing")}
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
