package auth

import (
	"strconv"
	"strings"
	"testing"
)

func TestParseSpaceID(t *testing.T) {
	for _, tc := range []struct {
		in     string
		want   string
		number int64
	}{
		{"Spaces-1", "Spaces-1", 1},
		{"spaces-2", "Spaces-2", 2},
		{"SPACES-42", "Spaces-42", 42},
		{"Spaces-999999999999999999", "Spaces-999999999999999999", 999999999999999999},
		{"Spaces-01", "Spaces-1", 1}, // a second spelling of Spaces-1, never a second space (issue 17 row 7)
		{"spaces-0002", "Spaces-2", 2},
		{"Spaces-0", "", 0},
		{"Spaces-00", "", 0},
		{"Spaces-", "", 0},
		{"Spaces-+1", "", 0},
		{"Spaces--1", "", 0},
		{"Spaces-1 ", "", 0},
		{" Spaces-1", "", 0},
		{"Spaces-1a", "", 0},
		{"Spaces-1000000000000000000", "", 0}, // 19 digits: refused before parsing
		{"Space-1", "", 0},
		{"Spaces-\u0661", "", 0}, // ARABIC-INDIC DIGIT ONE
		{"", "", 0},
	} {
		id, n, ok := ParseSpaceID(tc.in)
		if ok != (tc.want != "") || id != tc.want || n != tc.number {
			t.Errorf("ParseSpaceID(%q) = %q, %d, %v; want %q, %d", tc.in, id, n, ok, tc.want, tc.number)
		}
	}
}

// FuzzParseSpaceID holds the parser to its promise: an accepted id has one
// canonical spelling, "Spaces-" and the number the input names, which
// parses to itself.
func FuzzParseSpaceID(f *testing.F) {
	for _, s := range []string{"Spaces-1", "spaces-01", "SPACES-7", "Spaces-0", "Spaces-99999999999999999999", "Spaces-1\x00", "Spaces-\u0661"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, n, ok := ParseSpaceID(s)
		if !ok {
			if id != "" || n != 0 {
				t.Fatalf("refused %q but returned %q, %d", s, id, n)
			}
			return
		}
		if n <= 0 || id != "Spaces-"+strconv.FormatInt(n, 10) {
			t.Fatalf("ParseSpaceID(%q) = %q, %d: not the canonical spelling of the number", s, id, n)
		}
		digits := strings.TrimLeft(s[len("Spaces-"):], "0")
		if !strings.EqualFold(s[:len("Spaces-")], "Spaces-") || digits != strconv.FormatInt(n, 10) {
			t.Fatalf("ParseSpaceID(%q) = %q: not the number the input names", s, id)
		}
		if again, m, ok := ParseSpaceID(id); !ok || again != id || m != n {
			t.Fatalf("the canonical %q parses to %q, %d, %v", id, again, m, ok)
		}
	})
}
