package nuget

import (
	"errors"
	"strings"
	"testing"
)

func TestParseVersionNormalises(t *testing.T) {
	tests := []struct {
		in, str, full, original string
	}{
		// NuGet.Versioning VersionParsingTests.VersionLength: 1 to 4 parts, missing parts are 0.
		{"2", "2.0.0", "2.0.0", "2"},
		{"2.0", "2.0.0", "2.0.0", "2.0"},
		{"2.0.0", "2.0.0", "2.0.0", "2.0.0"},
		{"2.0.0.0", "2.0.0", "2.0.0", "2.0.0.0"}, // 4th part only when > 0
		// docs/concepts/Package-Versioning.md: leading zeros dropped in normalisation.
		{"1.00", "1.0.0", "1.0.0", "1.00"},
		{"1.01.1", "1.1.1", "1.1.1", "1.01.1"},
		{"1.00.0.1", "1.0.0.1", "1.0.0.1", "1.00.0.1"},
		{"1.0.01.0", "1.0.1", "1.0.1", "1.0.01.0"},
		{"1.0.7+r3456", "1.0.7", "1.0.7+r3456", "1.0.7+r3456"}, // metadata dropped from String
		// NuGetVersionTest.ParseReadsLegacyStyleVersionNumbers.
		{"1.022", "1.22.0", "1.22.0", "1.022"},
		{"1.3.42.10133", "1.3.42.10133", "1.3.42.10133", "1.3.42.10133"},
		// NuGetVersionTest.ToStringReturnsNormalizedForSemVer2.
		{"1.0+A", "1.0.0", "1.0.0+A", "1.0+A"},
		{"1.0-1.1", "1.0.0-1.1", "1.0.0-1.1", "1.0-1.1"},
		{"1.0-1.1+B.B", "1.0.0-1.1", "1.0.0-1.1+B.B", "1.0-1.1+B.B"},
		{"1.0.0009.01-1.1+A", "1.0.9.1-1.1", "1.0.9.1-1.1+A", "1.0.0009.01-1.1+A"},
		// VersionParsingTests.FullVersionParsing: label casing kept.
		{"1.0.0-Beta", "1.0.0-Beta", "1.0.0-Beta", "1.0.0-Beta"},
		{"1.0.0-RC.X.35.A.3455+Meta-A-B-C", "1.0.0-RC.X.35.A.3455", "1.0.0-RC.X.35.A.3455+Meta-A-B-C", "1.0.0-RC.X.35.A.3455+Meta-A-B-C"},
		// NuGetVersionTest.ParseReadsSemverAndHybridSemverVersionNumbers.
		{"1.3.42.200930-RC-2", "1.3.42.200930-RC-2", "1.3.42.200930-RC-2", "1.3.42.200930-RC-2"},
		// NuGetVersionTest.ParseIgnoresLeadingAndTrailingWhitespace.
		{"    1.3.42.10133-PreRelease  ", "1.3.42.10133-PreRelease", "1.3.42.10133-PreRelease", "1.3.42.10133-PreRelease"},
		// VersionRangeTests.ParseVersionRangeSimpleVersionNoBracketsExtraSpaces:
		// System.Version tolerates spaces around each number; NuGet drops them from the original.
		{"  1  .   2  ", "1.2.0", "1.2.0", "1.2"},
		// SemVer201SpecTests: labels of hyphens only, metadata with leading zeros.
		{"0.1.2--B2.-.C.-A0-", "0.1.2--B2.-.C.-A0-", "0.1.2--B2.-.C.-A0-", "0.1.2--B2.-.C.-A0-"},
		{"0.1.2+000000", "0.1.2", "0.1.2+000000", "0.1.2+000000"},
		{"0.1.2----+----", "0.1.2----", "0.1.2----+----", "0.1.2----+----"},
		// SemVer201SpecTests.SemVerVersionReleaseLabelValidZeros: 0 alone, or followed by a letter, is fine.
		{"1.2.3-0", "1.2.3-0", "1.2.3-0", "1.2.3-0"},
		{"0.1.2-02A", "0.1.2-02A", "0.1.2-02A", "0.1.2-02A"},
		// System.Version's Int32 limit.
		{"2147483647.0", "2147483647.0.0", "2147483647.0.0", "2147483647.0"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			v, err := ParseVersion(tt.in)
			if err != nil {
				t.Fatalf("ParseVersion(%q) error: %v", tt.in, err)
			}
			if got := v.String(); got != tt.str {
				t.Errorf("String() = %q, want %q", got, tt.str)
			}
			if got := v.Full(); got != tt.full {
				t.Errorf("Full() = %q, want %q", got, tt.full)
			}
			if got := v.Original(); got != tt.original {
				t.Errorf("Original() = %q, want %q", got, tt.original)
			}
		})
	}
}

func TestParseVersionRefuses(t *testing.T) {
	tests := []string{
		// NuGetVersionTest.ParseThrowsIfStringIsNullOrEmpty.
		"", "   ",
		// NuGetVersionTest.ParseThrowsIfStringIsNotAValidSemVer.
		"1beta", "$version$", "1.2Av^c", "1.2..", "1.2.3.4.5", "1.2.3.Beta",
		"1.2.3.4This version is full of awesomeness!!", "So.is.this", "1.34.2Alpha",
		"1.34.2Release Candidate", "1.4.7-", "1.4.7-*", "1.4.7+*", "1.4.7-AA.01^",
		"1.4.7-AA.0A^", "1.4.7-A^A", "1.4.7+AA.01^",
		// SemVer201SpecTests.SemVerVersionNegativeNumbers.
		"-1.2.3", "1.-2.3",
		// SemVer201SpecTests.SemVerVersionInvalidReleaseId: no empty labels.
		"0.1.2-Alpha..2", "0.1.2-Alpha.", "0.1.2-.AA", "0.1.2-",
		// SemVer201SpecTests.SemVerVersionInvalidReleaseLabelChars.
		"0.1.2-alp=ha", "0.1.2-alp┐jj", "0.1.2-a&444", "0.1.2-a.&.444",
		// SemVer201SpecTests.SemVerVersionReleaseLabelZeros: numeric labels without leading zeros.
		"0.1.2-02", "0.1.2-2.02", "0.1.2-2.A.02", "0.1.2-02.A",
		// SemVer201SpecTests.SemVerVersionMetadataInvalidChars / NonEmptyParts.
		"0.1.2+ÄÄ", "0.1.2+22.2ÄÄ", "0.1.2+2+A", "0.1.2+02A.", "0.1.2+02..A", "0.1.2+",
		// System.Version: each part is an Int32.
		"2147483648.0", "1.99999999999999999999",
		// Unicode digits are not ASCII digits.
		"١.٢.٣",
		"1.0.0-beta+", ".1", "1.", "1.0.0 beta",
	}
	for _, in := range tests {
		t.Run(in, func(t *testing.T) {
			v, err := ParseVersion(in)
			if err == nil {
				t.Fatalf("ParseVersion(%q) = %q, want an error", in, v.Full())
			}
			if !errors.Is(err, ErrInvalidPackage) {
				t.Errorf("error %v does not match ErrInvalidPackage", err)
			}
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Field != "version" {
				t.Errorf("error %#v is not a version FieldError", err)
			}
		})
	}
}

func TestParseVersionMessages(t *testing.T) {
	tests := []struct{ in, want string }{
		{"1.2.3.4.5", `the version "1.2.3.4.5" is not valid: it has 5 numeric parts; a version is 1 to 4 numbers`},
		{"1.0.0-beta.01", `the numeric prerelease label "01" has a leading zero`},
		{"1.0.0-be_ta", `the prerelease label "be_ta" may contain only letters, digits and '-'`},
		{"", "the version is empty"},
		{"1..0", "it has an empty numeric part"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			_, err := ParseVersion(tt.in)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("ParseVersion(%q) error = %v, want it to contain %q", tt.in, err, tt.want)
			}
		})
	}
}

func TestVersionProperties(t *testing.T) {
	tests := []struct {
		in                  string
		prerelease, semver2 bool
		metadata            string
	}{
		// VersionParsingTests.IsPrereleaseParsing / HasMetadataParsing; NuGetVersion.IsSemVer2.
		{"1.0.0+Metadata", false, true, "Metadata"},
		{"1.0.0", false, false, ""},
		{"1.0.0-Beta", true, false, ""},
		{"1.0.0-Beta.2", true, true, ""},
		{"1.0.0-Beta+Meta", true, true, "Meta"},
		{"1.0.0-RC.X+Meta", true, true, "Meta"},
		{"1.0.0-beta-1", true, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			v := MustParseVersion(tt.in)
			if got := v.IsPrerelease(); got != tt.prerelease {
				t.Errorf("IsPrerelease() = %v, want %v", got, tt.prerelease)
			}
			if got := v.IsSemVer2(); got != tt.semver2 {
				t.Errorf("IsSemVer2() = %v, want %v", got, tt.semver2)
			}
			if got := v.Metadata(); got != tt.metadata {
				t.Errorf("Metadata() = %q, want %q", got, tt.metadata)
			}
			if v.IsZero() {
				t.Errorf("IsZero() = true for a parsed version")
			}
		})
	}
	if !(Version{}).IsZero() {
		t.Errorf("Version{}.IsZero() = false, want true")
	}
	if got := (Version{}).String(); got != "" {
		t.Errorf("Version{}.String() = %q, want empty", got)
	}
}

func TestVersionEqual(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		// NuGetVersionTest.SemVerEqualsOperatorWorks.
		{"1.0", "1.0.0.0", true},
		{"1.23.01", "1.23.1", true},
		{"1.45.6", "1.45.6.0", true},
		{"1.45.6-Alpha", "1.45.6-Alpha", true},
		{"1.6.2-BeTa", "1.6.02-beta", true},
		{"22.3.07     ", "22.3.07", true},
		// VersionComparerTests.VersionComparisonDefaultEqual: labels ignore case, metadata ignored.
		{"1.0.0-BETA+AA", "1.0.0-beta+aa", true},
		{"1.0.0-BETA.X.y.5.77.0+AA", "1.0.0-beta.x.y.5.77.0+aa", true},
		{"1.0.0+A", "1.0.0+B", true},
		// VersionComparerTests.VersionComparisonDefaultNotEqual.
		{"1.0.0-BETA", "1.0.0-beta2", false},
		{"1.0.0+AA", "1.0.0-beta+aa", false},
		{"1.0.0-BETA.X.y.5.77.0+AA", "1.0.0-beta.x.y.5.79.0+aa", false},
		{"1.0.0.1", "1.0.0", false},
	}
	for _, tt := range tests {
		t.Run(tt.a+"=="+tt.b, func(t *testing.T) {
			a, b := MustParseVersion(tt.a), MustParseVersion(tt.b)
			if got := a.Equal(b); got != tt.want {
				t.Errorf("Equal = %v, want %v", got, tt.want)
			}
			if got := b.Equal(a); got != tt.want {
				t.Errorf("reverse Equal = %v, want %v", got, tt.want)
			}
			if got := a.Lower() == b.Lower(); got != tt.want {
				t.Errorf("Lower() %q vs %q equal = %v, want %v", a.Lower(), b.Lower(), got, tt.want)
			}
			if got := CompareVersions(a, b) == 0; got != tt.want {
				t.Errorf("CompareVersions == 0 is %v, want %v", got, tt.want)
			}
		})
	}
}

func TestCompareVersionsOrders(t *testing.T) {
	// Each pair is lower, higher.
	tests := [][2]string{
		// VersionComparerTests.VersionComparisonDefaultLess.
		{"0.0.0", "1.0.0"},
		{"1.0.0", "1.1.0"},
		{"1.0.0", "1.0.1"},
		{"1.999.9999", "2.1.1"},
		{"1.0.0-BETA", "1.0.0-beta2"},
		{"1.0.0-beta+AA", "1.0.0+aa"},
		{"1.0.0-BETA", "1.0.0-beta.1+AA"},
		{"1.0.0-BETA.X.y.5.77.0+AA", "1.0.0-beta.x.y.5.79.0+aa"},
		{"1.0.0-BETA.X.y.5.79.0+AA", "1.0.0-beta.x.y.5.790.0+abc"},
		// NuGetVersionTest.SemVerLessThanAndGreaterThanOperatorsWorks: the 4th part counts.
		{"1.0", "1.0.1"},
		{"1.23", "1.231"},
		{"1.4.5.6", "1.45.6"},
		{"1.4.5.6", "1.4.5.60"},
		{"1.01", "1.10"},
		{"1.01-alpha", "1.10-beta"},
		{"1.01.0-RC-1", "1.10.0-rc-2"},
		{"1.01-RC-1", "1.01"},
		{"1.01", "1.2-preview"},
		{"1.0.0", "1.0.0.1"},
		// SemVer201SpecTests: numbers numerically, prerelease below stable,
		// numeric labels numerically and below alphanumeric ones, more labels above fewer.
		{"9.9.9", "10.1.1"},
		{"1.2.3-alpha", "1.2.3"},
		{"1.2.3-2", "1.2.3-3"},
		{"1.2.3-1.9", "1.2.3-1.50"},
		{"1.2.3-2A", "1.2.3-3A"},
		{"1.2.3-1.50A", "1.2.3-1.9A"},
		{"1.2.3-999999", "1.2.3-Z"},
		{"1.2.3-A.999999", "1.2.3-A.56-2"},
		{"1.2.3-a", "1.2.3-a.2"},
		{"1.2.3-a.2.3.4", "1.2.3-a.2.3.4.5"},
		// semver.org §11 example chain.
		{"1.0.0-alpha", "1.0.0-alpha.1"},
		{"1.0.0-alpha.1", "1.0.0-alpha.beta"},
		{"1.0.0-alpha.beta", "1.0.0-beta"},
		{"1.0.0-beta", "1.0.0-beta.2"},
		{"1.0.0-beta.2", "1.0.0-beta.11"},
		{"1.0.0-beta.11", "1.0.0-rc.1"},
		{"1.0.0-rc.1", "1.0.0"},
		// VersionComparer.CompareRelease: a label too large for int.TryParse compares as text.
		{"1.0.0-2", "1.0.0-99999999999"},
		{"1.0.0-100000000000", "1.0.0-99999999999"},
	}
	for _, tt := range tests {
		t.Run(tt[0]+"<"+tt[1], func(t *testing.T) {
			lo, hi := MustParseVersion(tt[0]), MustParseVersion(tt[1])
			if got := CompareVersions(lo, hi); got != -1 {
				t.Errorf("CompareVersions(%s, %s) = %d, want -1", tt[0], tt[1], got)
			}
			if got := CompareVersions(hi, lo); got != 1 {
				t.Errorf("CompareVersions(%s, %s) = %d, want 1", tt[1], tt[0], got)
			}
		})
	}
}

func TestMustParseVersionPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Errorf("MustParseVersion(\"x\") did not panic")
		}
	}()
	MustParseVersion("x")
}
