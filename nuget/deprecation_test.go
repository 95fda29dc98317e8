package nuget

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestNewDeprecation(t *testing.T) {
	for _, tc := range []struct {
		reasons       []string
		message       string
		altID, altVer string
		want          string // "<reasons>|<message>|<alternate id> <range>"
		wantErr       string
	}{
		{reasons: []string{"Legacy"}, want: "Legacy||"},
		{reasons: []string{"criticalbugs", " LEGACY ", "legacy"}, want: "Legacy,CriticalBugs||"},
		{reasons: []string{"CriticalBugs", "Other", "Legacy"}, message: "see 2.0", want: "Other,Legacy,CriticalBugs|see 2.0|"},
		{reasons: []string{"Legacy"}, altID: "New.Lib", want: "Legacy||New.Lib *"},
		{reasons: []string{"Legacy"}, altID: "New.Lib", altVer: "2.0", want: "Legacy||New.Lib [2.0.0, )"},
		{reasons: []string{"Legacy"}, altID: "New.Lib", altVer: "2.0.0-beta.1+meta", want: "Legacy||New.Lib [2.0.0-beta.1, )"},
		{reasons: []string{"Legacy"}, message: strings.Repeat("é", MaxDeprecationMessageLength), want: "Legacy|" + strings.Repeat("é", MaxDeprecationMessageLength) + "|"},
		{reasons: nil, wantErr: "has no reason"},
		{reasons: []string{}, wantErr: "has no reason"},
		{reasons: []string{"Obsolete"}, wantErr: `deprecation reason "Obsolete" is not valid: use Legacy, CriticalBugs or Other`},
		{reasons: []string{"Other"}, wantErr: "the reason Other needs a message"},
		{reasons: []string{"Other"}, message: "  \n", wantErr: "the reason Other needs a message"},
		{reasons: []string{"Legacy"}, message: strings.Repeat("x", MaxDeprecationMessageLength+1), wantErr: "is 1001 characters long; the limit is 1000"},
		{reasons: []string{"Legacy"}, message: strings.Repeat("😀", 501), wantErr: "is 1002 characters long"}, // two UTF-16 units each
		{reasons: []string{"Legacy"}, message: "bad \xff", wantErr: "not valid UTF-8"},
		{reasons: []string{"Legacy"}, altVer: "2.0.0", wantErr: "has a version but no id"},
		{reasons: []string{"Legacy"}, altID: "Bad Id!", wantErr: `the alternate package id "Bad Id!" is not valid`},
		{reasons: []string{"Legacy"}, altID: "New.Lib", altVer: "two", wantErr: `the alternate package version "two" is not valid`},
	} {
		name := fmt.Sprintf("%v/%.20q/%s/%s", tc.reasons, tc.message, tc.altID, tc.altVer)
		d, err := NewDeprecation(tc.reasons, tc.message, tc.altID, tc.altVer)
		if tc.wantErr != "" {
			if err == nil || !errors.Is(err, ErrInvalidPackage) || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("%s: error %v, want one matching ErrInvalidPackage containing %q", name, err, tc.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		var reasons []string
		for _, r := range d.Reasons {
			reasons = append(reasons, string(r))
		}
		got := strings.Join(reasons, ",") + "|" + d.Message + "|"
		if a := d.AlternatePackage; a != nil {
			got += string(a.ID) + " " + a.Range()
		}
		if got != tc.want {
			t.Errorf("%s = %q, want %q", name, got, tc.want)
		}
	}
}

// Check refuses a Deprecation built by hand that NewDeprecation would not make.
func TestDeprecationCheck(t *testing.T) {
	for _, tc := range []struct {
		d       Deprecation
		wantErr string
	}{
		{Deprecation{Reasons: []DeprecationReason{DeprecationLegacy}}, ""},
		{Deprecation{Reasons: []DeprecationReason{"legacy"}}, `"legacy" is not valid`},
		{Deprecation{Reasons: []DeprecationReason{DeprecationLegacy, DeprecationLegacy}}, "is given twice"},
		{Deprecation{Reasons: []DeprecationReason{DeprecationLegacy}, AlternatePackage: &AlternatePackage{}}, "package id is missing"},
	} {
		err := tc.d.Check()
		switch {
		case tc.wantErr == "" && err != nil:
			t.Errorf("%+v: %v", tc.d, err)
		case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
			t.Errorf("%+v: error %v, want %q", tc.d, err, tc.wantErr)
		}
	}
}

func TestDeprecationCheckFor(t *testing.T) {
	v1, v2 := MustParseVersion("1.0.0"), MustParseVersion("2.0")
	for _, tc := range []struct {
		altID, altVer string
		versions      []Version
		wantErr       string
	}{
		{altID: "Other.Lib", versions: []Version{v1}},
		{altID: "My.Lib", altVer: "2.0.0", versions: []Version{v1}}, // a later version of the same package
		{versions: []Version{v1, v2}},
		{versions: nil, wantErr: "names no version"},
		{altID: "my.lib", versions: []Version{v1}, wantErr: "is the package being deprecated"},
		{altID: "MY.LIB", altVer: "2.0.0.0", versions: []Version{v1, v2}, wantErr: "is one of the versions being deprecated"},
	} {
		d, err := NewDeprecation([]string{"Legacy"}, "", tc.altID, tc.altVer)
		if err != nil {
			t.Fatal(err)
		}
		err = d.CheckFor("My.Lib", tc.versions)
		switch {
		case tc.wantErr == "" && err != nil:
			t.Errorf("%s %s %v: %v", tc.altID, tc.altVer, tc.versions, err)
		case tc.wantErr != "" && (err == nil || !errors.Is(err, ErrInvalidPackage) || !strings.Contains(err.Error(), tc.wantErr)):
			t.Errorf("%s %s %v: error %v, want %q", tc.altID, tc.altVer, tc.versions, err, tc.wantErr)
		}
	}
}

func TestDeprecationEqual(t *testing.T) {
	v1, v1b, v2 := MustParseVersion("1.0.0"), MustParseVersion("1.0.0"), MustParseVersion("2.0.0")
	base := func() *Deprecation {
		return &Deprecation{Reasons: []DeprecationReason{DeprecationLegacy}, Message: "m",
			AlternatePackage: &AlternatePackage{ID: "Alt", Version: &v1}}
	}
	cases := []struct {
		name  string
		a, b  *Deprecation
		equal bool
	}{
		{"both nil", nil, nil, true},
		{"one nil", base(), nil, false},
		{"same", base(), func() *Deprecation { d := base(); d.AlternatePackage.Version = &v1b; return d }(), true},
		{"reasons", base(), func() *Deprecation { d := base(); d.Reasons = []DeprecationReason{DeprecationCriticalBugs}; return d }(), false},
		{"message", base(), func() *Deprecation { d := base(); d.Message = "n"; return d }(), false},
		{"no alternate", base(), func() *Deprecation { d := base(); d.AlternatePackage = nil; return d }(), false},
		{"alternate id", base(), func() *Deprecation { d := base(); d.AlternatePackage.ID = "Other"; return d }(), false},
		{"alternate any version", base(), func() *Deprecation { d := base(); d.AlternatePackage.Version = nil; return d }(), false},
		{"alternate version", base(), func() *Deprecation { d := base(); d.AlternatePackage.Version = &v2; return d }(), false},
	}
	for _, tc := range cases {
		if got := tc.a.Equal(tc.b); got != tc.equal {
			t.Errorf("%s: a.Equal(b) = %v, want %v", tc.name, got, tc.equal)
		}
		if got := tc.b.Equal(tc.a); got != tc.equal {
			t.Errorf("%s: b.Equal(a) = %v, want %v", tc.name, got, tc.equal)
		}
	}
}
