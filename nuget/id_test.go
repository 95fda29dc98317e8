package nuget

import (
	"errors"
	"strings"
	"testing"
)

func TestParseID(t *testing.T) {
	valid := []string{
		"A", "MyPackage", "My.Package", "my-package", "My_Package", "NuGet.Versioning",
		"a.b-c.d", "1", "Package1.2",
		"Café.Core", // .NET's \w is Unicode (PackageIdValidator)
		"日本語",
		"_leading_underscore",            // '_' is \w
		strings.Repeat("a", MaxIDLength), // PackageIdValidator.MaxPackageIdLength
	}
	for _, s := range valid {
		t.Run(s, func(t *testing.T) {
			id, err := ParseID(s)
			if err != nil {
				t.Fatalf("ParseID(%q) error: %v", s, err)
			}
			if id.String() != s || id.Lower() != strings.ToLower(s) {
				t.Errorf("String/Lower = %q/%q", id.String(), id.Lower())
			}
		})
	}

	invalid := []struct{ in, want string }{
		{"", "the package id is missing"},
		{"a b", `the package id "a b" is not valid: use letters, digits and underscores`},
		{".a", "is not valid"},
		{"a.", "is not valid"},
		{"a..b", "is not valid"},
		{"a.-b", "is not valid"},
		{"-a", "is not valid"},
		{"a/b", "is not valid"},
		{"a+b", "is not valid"},
		{"a\n", "is not valid"}, // .NET's $ would allow a final newline; we do not
		{"a\xffb", "is not valid"},
		{strings.Repeat("a", MaxIDLength+1), "the package id is 101 characters long; the limit is 100"},
		// Lengths count UTF-16 units, as .NET's string.Length does.
		{strings.Repeat("𝔸", 51), "is 102 characters long"},
	}
	for _, tt := range invalid {
		t.Run(tt.in, func(t *testing.T) {
			_, err := ParseID(tt.in)
			if err == nil {
				t.Fatalf("ParseID(%q) succeeded, want an error", tt.in)
			}
			if !errors.Is(err, ErrInvalidPackage) {
				t.Errorf("error %v does not match ErrInvalidPackage", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not contain %q", err, tt.want)
			}
		})
	}
}

// TestCheckStorable is issue 17 row 8: only ids whose lowercase cannot fold
// into another id's are stored.
func TestCheckStorable(t *testing.T) {
	for id, ok := range map[ID]bool{
		"Sec.Kelvin":         true,
		"a_b-c.D":            true,
		"Sec.\u212Aelvin":    false, // KELVIN SIGN lowercases to ASCII "k"
		"\u0130nfo":          false, // LATIN CAPITAL LETTER I WITH DOT ABOVE lowercases to "i" in Go
		"Caf\u00e9.Core":     false,
		"\u65e5\u672c\u8a9e": false,
	} {
		err := id.CheckStorable()
		if (err == nil) != ok || (err != nil && !errors.Is(err, ErrInvalidPackage)) {
			t.Errorf("CheckStorable(%q) = %v, want ok=%v", id, err, ok)
		}
		if Findable(string(id)) != ok {
			t.Errorf("Findable(%q) = %v, want %v", id, !ok, ok)
		}
	}
	if Findable(strings.Repeat("a", MaxIDLength+1)) {
		t.Error("an id longer than NuGet allows is findable")
	}
}
