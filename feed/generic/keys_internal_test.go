package generic

import (
	"strings"
	"testing"

	"github.com/feedserver/feedserver/storage"
)

func TestEncodeSegment(t *testing.T) {
	tests := []struct{ in, want string }{
		{"tool", "tool"},
		{"1.0.0+build_5-x", "1.0.0+build_5-x"},
		{"1.0 beta", "1.0Z20beta"},
		{".env", "Z2Eenv"},
		{"a.b", "a.b"},
		{"z", "z"},
		{"\u00fcber", "ZC3ZBCber"},
		{"(nightly)", "Z28nightlyZ29"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got := encodeSegment(tt.in)
			if got != tt.want {
				t.Fatalf("encodeSegment(%q) = %q, want %q", tt.in, got, tt.want)
			}
			back, err := decodeSegment(got)
			if err != nil || back != tt.in {
				t.Fatalf("decodeSegment(%q) = %q, %v; want %q", got, back, err, tt.in)
			}
		})
	}
}

// FuzzKeys checks that every accepted version and file name becomes a
// valid storage key, that the escaping is reversible, and that two spellings
// share a key exactly when they are equal ignoring case.
func FuzzKeys(f *testing.F) {
	for _, seed := range [][2]string{
		{"1.0.0", "tool.tar.gz"}, {"1.0 beta", ".env"}, {"..1.2.3", "a..b"}, {"%2e%2e", "%2f"},
		{"1.2.3-4/../../", "x"}, {" 1", "a "}, {"\u00fcber", "caf\u00e9"}, {"ZZ", "Z"}, {"a\x00b", "-"},
	} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, version, file string) {
		id, err := newFileID("acme", "tool", version, file)
		if err != nil || file == "" {
			return
		}
		if err := storage.ValidKey(id.refKey); err != nil {
			t.Fatalf("accepted %q/%q but its key %q is invalid: %v", version, file, id.refKey, err)
		}
		seg := id.dir[strings.LastIndex(id.dir, "/")+1:]
		back, err := decodeSegment(seg)
		if err != nil || back != strings.ToLower(version) {
			t.Fatalf("version %q: segment %q decodes to %q, %v", version, seg, back, err)
		}
		upper, err := newFileID("acme", "tool", strings.ToUpper(version), strings.ToUpper(file))
		// Keys are built from strings.ToLower, so "the same ignoring case"
		// here is equal lowercase forms, not strings.EqualFold's folding.
		sameLower := func(s string) bool {
			//lint:ignore SA6005 the key's rule is strings.ToLower, which EqualFold does not follow exactly
			return strings.ToLower(strings.ToUpper(s)) == strings.ToLower(s)
		}
		if err == nil && sameLower(version) && sameLower(file) && upper.refKey != id.refKey {
			t.Fatalf("%q/%q and their upper case have different keys: %q %q", version, file, id.refKey, upper.refKey)
		}
	})
}
