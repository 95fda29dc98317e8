package octopus

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/feedserver/feedserver/nuget"
)

func TestParseReference(t *testing.T) {
	for _, tc := range []struct {
		ref  string
		want []reference
	}{
		{"A.1.2.3", []reference{{"A", "1.2.3"}, {"A.1", "2.3"}, {"A.1.2", "3"}}},
		{"packages-MyApp.Web.1.0.0", []reference{{"MyApp.Web", "1.0.0"}, {"MyApp.Web.1", "0.0"}, {"MyApp.Web.1.0", "0"}}},
		{"PACKAGES-My-App.2.0.0-beta.1+sha.1", []reference{{"My-App", "2.0.0-beta.1+sha.1"}, {"My-App.2", "0.0-beta.1+sha.1"}, {"My-App.2.0", "0-beta.1+sha.1"}, {"My-App.2.0.0-beta", "1+sha.1"}}},
		{"MyApp.2016.09.01-beta.0001", []reference{{"MyApp", "2016.09.01-beta.0001"}, {"MyApp.2016", "09.01-beta.0001"}, {"MyApp.2016.09", "01-beta.0001"}, {"MyApp.2016.09.01-beta", "0001"}}},
		{"A.b", nil},                             // a version starts with a digit
		{".1.0", nil},                            // an id is not empty
		{"A..1.0", nil},                          // two separators
		{"A.1.0 ", nil},                          // a space is no version character
		{"Caf\u00e9.1.0", nil},                   // no stored id is outside ASCII
		{"A.1.0/x", nil},                         // nor holds a slash
		{"packages-", nil},                       // only the prefix: read as an id, not a version
		{"", nil},                                // nothing
		{strings.Repeat("a", 101) + ".1.0", nil}, // ids are at most 100 characters
	} {
		got, _, err := parseReference(tc.ref)
		if err != nil {
			t.Errorf("parseReference(%q): %v", tc.ref, err)
			continue
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("parseReference(%q) = %v, want %v", tc.ref, got, tc.want)
		}
	}
	// Issue 17 row 1: "1." × 4000 + "1" is refused before any split is tried.
	if _, _, err := parseReference(strings.Repeat("1.", 4000) + "1"); !errors.Is(err, errBadRequest) {
		t.Errorf("an 8,001-character reference: got %v, want errBadRequest", err)
	}
	if _, _, err := parseReference("packages-" + strings.Repeat("a", maxReference)); err != nil {
		t.Errorf("a reference of exactly %d characters after the prefix: %v", maxReference, err)
	}
}

// FuzzParseReference: every reading rebuilds the reference, names an id a
// package can be stored under and a version-shaped tail; every split that a
// stored NuGet package could have is among the readings (so nothing
// findable is skipped), shortest id first.
func FuzzParseReference(f *testing.F) {
	for _, s := range []string{"A.1.2.3", "packages-MyApp.Web.1.0.0", "A.1.0-beta+x", "1.1.1.1.1", "Caf\u00e9.1.0", "A..1", "a_b-c.1.0.0.0", "packages-packages-A.1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, ref string) {
		readings, stripped, err := parseReference(ref)
		if err != nil {
			if len(stripped) != 0 || len(ref) <= maxReference {
				t.Fatalf("parseReference(%q) refused a short reference: %v", ref, err)
			}
			return
		}
		prev := 0
		for _, rd := range readings {
			if rd.id+"."+rd.version != stripped {
				t.Fatalf("reading %v does not rebuild %q", rd, stripped)
			}
			if _, err := nuget.ParseID(rd.id); err != nil || !nuget.Findable(rd.id) {
				t.Fatalf("reading %v: the id cannot be stored (%v)", rd, err)
			}
			if rd.version == "" || rd.version[0] < '0' || rd.version[0] > '9' || len(rd.version) > nuget.MaxVersionText {
				t.Fatalf("reading %v: not a version", rd)
			}
			if len(rd.id) <= prev {
				t.Fatalf("readings of %q not shortest id first: %v", stripped, readings)
			}
			prev = len(rd.id)
		}
		for i := 1; i < len(stripped)-1; i++ {
			if stripped[i] != '.' {
				continue
			}
			id, v := stripped[:i], stripped[i+1:]
			if _, err := nuget.ParseID(id); err != nil || !nuget.Findable(id) || v[0] < '0' || v[0] > '9' {
				continue
			}
			if _, err := nuget.ParseVersion(v); err != nil || strings.IndexFunc(v, func(r rune) bool { return r > 0x7f || !isVersionByte(byte(r)) }) >= 0 {
				continue // NuGet tolerates spaces in a version; a stored one has none (nuget.Version.Original)
			}
			if !slicesContain(readings, reference{id, v}) {
				t.Fatalf("parseReference(%q) misses the reading %s %s: %v", ref, id, v, readings)
			}
		}
	})
}

func slicesContain(rs []reference, r reference) bool {
	for _, x := range rs {
		if x == r {
			return true
		}
	}
	return false
}

// BenchmarkSplitReference times the reference parser's core, without the
// length cap parseReference puts in front of it, on the input of issue 17
// row 1 ("1.1.1…1") and on an id-like one, at 1k, 10k and 100k characters:
// the time per character stays flat (linear time).
func BenchmarkSplitReference(b *testing.B) {
	for _, n := range []int{1_000, 10_000, 100_000} {
		for _, shape := range []struct{ name, unit string }{{"dots", "1."}, {"id", "Ab."}} {
			ref := strings.Repeat(shape.unit, n/len(shape.unit))
			ref = ref[:n-1] + "1"
			b.Run(fmt.Sprintf("%s/%dk", shape.name, n/1000), func(b *testing.B) {
				b.SetBytes(int64(len(ref)))
				for b.Loop() {
					splitReference(ref)
				}
			})
		}
	}
}

// BenchmarkParseReference is the parser as requests meet it: the length cap
// first, so a reference past it costs the same at any length.
func BenchmarkParseReference(b *testing.B) {
	for _, n := range []int{1_000, 10_000, 100_000} {
		ref := strings.Repeat("1.", n/2)[:n-1] + "1"
		b.Run(fmt.Sprintf("%dk", n/1000), func(b *testing.B) {
			for b.Loop() {
				parseReference(ref)
			}
		})
	}
}
