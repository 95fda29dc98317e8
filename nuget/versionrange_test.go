package nuget

import (
	"errors"
	"strings"
	"testing"
)

func TestParseVersionRange(t *testing.T) {
	tests := []struct {
		in, want string // want is String(): NuGet's ToNormalizedString, "" for any
		minIncl  bool
		maxIncl  bool
	}{
		// Any version: empty (NuspecReader uses VersionRange.All) and NuGet's own "(, )".
		{"", "", false, false},
		{"   ", "", false, false},
		{"(, )", "", false, false},
		// VersionRangeTests.ParseVersionRangeToString: a bare version is a minimum.
		{"1.2.0", "[1.2.0, )", true, false},
		{"1.2.3-beta.2.4.55.X+900", "[1.2.3-beta.2.4.55.X, )", true, false},
		{"1.0", "[1.0.0, )", true, false},
		// VersionRangeTests.ParseVersionRangeExactVersion: [1.2] is exact;
		// ToNormalizedString writes both bounds.
		{"[1.2]", "[1.2.0, 1.2.0]", true, true},
		{"[1.2.3-beta+900]", "[1.2.3-beta, 1.2.3-beta]", true, true},
		// VersionRangeTests.ParseVersionRangeMaxOnly*/MinOnly*/…Inclusive*.
		{"(,1.2]", "(, 1.2.0]", false, true},
		{"(,1.2)", "(, 1.2.0)", false, false},
		{"(1.2,)", "(1.2.0, )", false, false},
		{"[1.2,)", "[1.2.0, )", true, false},
		{"(1.2,2.3)", "(1.2.0, 2.3.0)", false, false},
		{"(1.2,2.3]", "(1.2.0, 2.3.0]", false, true},
		{"[1.2,2.3)", "[1.2.0, 2.3.0)", true, false},
		{"[1.2,2.3]", "[1.2.0, 2.3.0]", true, true},
		// VersionRangeTests.ParseVersionRangeInclusiveInclusiveExtraSpaces.
		{"   [  1 .2   , 2  .3   ]  ", "[1.2.0, 2.3.0]", true, true},
		// VersionRangeTests.ParseVersionToNormalizedVersion.
		{"(1.0,1.2]", "(1.0.0, 1.2.0]", false, true},
		// VersionRangeTests.VersionRange_MetadataIsIgnored_FormatRemovesMetadata.
		{"[1.0.0+A, 2.0.0+A]", "[1.0.0, 2.0.0]", true, true},
		// VersionRangeTests.ParseVersionRangeSingleDigit.
		{"[1,3)", "[1.0.0, 3.0.0)", true, false},
		// VersionRangeTests.ParseVersionParsesTokensVersionsCorrectly: an open end
		// cannot be inclusive ("(1.6, ]" has no maximum).
		{"(1.6, ]", "(1.6.0, )", false, false},
		{"[, 2.0.0)", "(, 2.0.0)", false, false},
		{"[2.3.7, 3.2.4.5]", "[2.3.7, 3.2.4.5]", true, true},
		// VersionRangeFactory: equal exclusive bounds parse (and match nothing).
		{"(1.0, 1.0)", "(1.0.0, 1.0.0)", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			r, err := ParseVersionRange(tt.in)
			if err != nil {
				t.Fatalf("ParseVersionRange(%q) error: %v", tt.in, err)
			}
			if got := r.String(); got != tt.want {
				t.Errorf("String() = %q, want %q", got, tt.want)
			}
			if r.MinInclusive != tt.minIncl || r.MaxInclusive != tt.maxIncl {
				t.Errorf("inclusive = %v,%v, want %v,%v", r.MinInclusive, r.MaxInclusive, tt.minIncl, tt.maxIncl)
			}
			if got := r.IsAny(); got != (tt.want == "") {
				t.Errorf("IsAny() = %v, want %v", got, tt.want == "")
			}
			back, err := ParseVersionRange(r.String())
			if err != nil || back.String() != r.String() {
				t.Errorf("String() %q does not reparse to itself: %q, %v", r.String(), back.String(), err)
			}
		})
	}
}

func TestParseVersionRangeRefuses(t *testing.T) {
	tests := []struct{ in, want string }{
		// docs/reference/nuspec.md and VersionRangeFactory: one version in brackets must be [x].
		{"(1.0)", "an exact version is written [1.0]"},
		{"[1.0)", "an exact version is written [1.0]"},
		{"(1.0]", "an exact version is written [1.0]"},
		// VersionRangeTests.ParseVersionThrowsIf…ContainsNoValues.
		{"(,)", "it has no version"},
		{"[,]", "it has no version"},
		{"[,)", "it has no version"},
		{"(,]", "it has no version"},
		// VersionRangeTests.ParseVersionThrowsIfVersionRangeIsMissingVersionComponent / …MoreThen4….
		{"(,1.3..2]", "empty numeric part"},
		{"(1.2.3.4.5,1.2]", "5 numeric parts"},
		// VersionRangeTests.ParseVersionRangeIntegerRanges.
		{"   [-1, 2]  ", "empty numeric part"},
		// VersionRangeFactory: minimum above maximum; equal bounds with one end open.
		{"[2.0, 1.0]", "its minimum 2.0.0 is above its maximum 1.0.0"},
		{"[1.0, 1.0)", "matches nothing"},
		{"(1.0.0, 1.0.0]", "matches nothing"},
		// nuget.org ManifestValidator: floating ranges are for PackageReference only.
		{"1.*", "floating versions"},
		{"[1.0.*, 2.0)", "floating versions"},
		{"*", "floating versions"},
		{"[1.0,2.0,3.0]", "more than one ','"},
		{"[1.0", "does not end with"},
		{"[", "does not end with"},
		{"]", "is not a number"},
		{"abc", "is not a number"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			r, err := ParseVersionRange(tt.in)
			if err == nil {
				t.Fatalf("ParseVersionRange(%q) = %q, want an error", tt.in, r)
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

func TestVersionRangeContains(t *testing.T) {
	tests := []struct {
		rng, v string
		want   bool
	}{
		// VersionRangeTests.ParseVersionRangeSatisfies.
		{"1.0.0", "2.0.0", true},
		{"[1.0.0, 2.0.0]", "2.0.0", true},
		{"[1.0.0, 2.0.0]", "1.0.0", true},
		{"[1.0.0-beta+meta, 2.0.0-beta+meta]", "1.0.0", true},
		{"[1.0.0-beta+meta, 2.0.0-beta+meta]", "1.0.0-beta+meta", true},
		{"[1.0.0-beta+meta, 2.0.0-beta+meta]", "2.0.0-beta", true},
		{"[1.0.0-beta+meta, 2.0.0-beta+meta]", "1.0.0+meta", true},
		{"(1.0.0-beta+meta, 2.0.0-beta+meta)", "1.0.0", true},
		{"(1.0.0-beta+meta, 2.0.0-beta+meta)", "2.0.0-alpha+meta", true},
		{"(, 2.0.0-beta+meta)", "2.0.0-alpha", true},
		// VersionRangeTests.VersionRange_MetadataIsIgnored_Satisfy.
		{"[1.0.0+A, 2.0.0+A]", "1.0.0+B", true},
		// VersionRangeTests.ParseVersionRangeDoesNotSatisfy.
		{"1.0.0", "0.0.0", false},
		{"[1.0.0, 2.0.0]", "2.0.1", false},
		{"[1.0.0, 2.0.0]", "0.0.0", false},
		{"[1.0.0, 2.0.0]", "3.0.0", false},
		{"[1.0.0-beta+meta, 2.0.0-beta+meta]", "1.0.0-alpha", false},
		{"[1.0.0-beta+meta, 2.0.0-beta+meta]", "2.0.0-rc", false},
		{"[1.0.0-beta+meta, 2.0.0-beta+meta]", "2.0.0+meta", false},
		{"(1.0.0-beta+meta, 2.0.0-beta+meta)", "2.0.0-beta+meta", false},
		{"(, 2.0.0-beta+meta)", "2.0.0-beta+meta", false},
		// Exact ranges and the any range.
		{"[1.0]", "1.0.0.0", true},
		{"[1.0]", "1.0.1", false},
		{"", "0.0.0-a", true},
	}
	for _, tt := range tests {
		t.Run(tt.rng+"∋"+tt.v, func(t *testing.T) {
			r, err := ParseVersionRange(tt.rng)
			if err != nil {
				t.Fatal(err)
			}
			if got := r.Contains(MustParseVersion(tt.v)); got != tt.want {
				t.Errorf("Contains = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestVersionRangeIsSemVer2(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"", false},
		{"1.0.0", false},
		{"1.0.0-beta", false},
		{"1.0.0-beta.1", true},       // dotted label
		{"[1.0, 2.0.0+build)", true}, // metadata on the maximum
		{"(, 2.0.0-rc.1]", true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			r, err := ParseVersionRange(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if got := r.IsSemVer2(); got != tt.want {
				t.Errorf("IsSemVer2() = %v, want %v", got, tt.want)
			}
		})
	}
	if !(VersionRange{}).IsAny() || (VersionRange{}).String() != "" {
		t.Errorf("the zero VersionRange is not the any range")
	}
}
