package feed_test

import (
	"testing"

	"github.com/feedserver/feedserver/feed"
)

func TestCanonicalSpace(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", "Spaces-1"},
		{"Spaces-1", "Spaces-1"},
		{"spaces-2", "Spaces-2"},
		{"SPACES-10", "Spaces-10"},
		{"Spaces-", "Spaces-"},     // no number: not a space id, left alone
		{"Spaces-1a", "Spaces-1a"}, // likewise
		{"Default", "Default"},
		{"Space-1", "Space-1"},
		{"Spaces-01", "Spaces-1"}, // a second spelling of Spaces-1 is Spaces-1 (issue 17 row 7)
		{"Spaces-0", "Spaces-0"},  // no such space: left alone
	} {
		if got := feed.CanonicalSpace(tc.in); got != tc.want {
			t.Errorf("CanonicalSpace(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestSpaceFromDir(t *testing.T) {
	for _, tc := range []struct {
		dir, want string
		ok        bool
	}{
		{"spaces-1", "Spaces-1", true},
		{"spaces-42", "Spaces-42", true},
		{"Spaces-1", "", false}, // folders are written lowercase; another spelling is not ours
		{"spaces-", "", false},
		{"spaces-x", "", false},
		{"spaces-1/", "", false},
		{"nuget", "", false},
		{"spaces-01", "", false}, // not Spaces-1's folder, nor another space's
		{"spaces-0", "", false},
	} {
		got, ok := feed.SpaceFromDir(tc.dir)
		if got != tc.want || ok != tc.ok {
			t.Errorf("SpaceFromDir(%q) = %q, %v, want %q, %v", tc.dir, got, ok, tc.want, tc.ok)
		}
	}
}

func TestValidSpace(t *testing.T) {
	for in, want := range map[string]bool{
		"Spaces-1": true, "Spaces-20": true, "spaces-1": false, "Spaces-01": false, "Spaces-0": false, "": false, "Default": false,
	} {
		if got := feed.ValidSpace(in); got != want {
			t.Errorf("ValidSpace(%q) = %v, want %v", in, got, want)
		}
	}
}
