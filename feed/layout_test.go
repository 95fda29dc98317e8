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
	} {
		got, ok := feed.SpaceFromDir(tc.dir)
		if got != tc.want || ok != tc.ok {
			t.Errorf("SpaceFromDir(%q) = %q, %v, want %q, %v", tc.dir, got, ok, tc.want, tc.ok)
		}
	}
}
