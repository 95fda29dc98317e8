package octopus

import (
	"net/url"
	"testing"

	"github.com/feedserver/feedserver/feed"
)

func TestOverwriteMode(t *testing.T) {
	for _, tc := range []struct {
		query   string
		want    feed.Overwrite
		wantErr bool
	}{
		{"", feed.FailIfExists, false},
		{"overwriteMode=FailIfExists", feed.FailIfExists, false},
		{"overwriteMode=overwriteexisting", feed.OverwriteExisting, false},
		{"OverwriteMode=IGNOREIFEXISTS", feed.IgnoreIfExists, false},
		{"replace=true", feed.OverwriteExisting, false},
		{"replace=True", feed.OverwriteExisting, false},
		{"replace=true/", feed.OverwriteExisting, false}, // NuGet.exe appends "/" to the source
		{"replace=false", feed.FailIfExists, false},
		{"overwriteMode=IgnoreIfExists&replace=true", feed.IgnoreIfExists, false},
		{"overwriteMode=maybe", 0, true},
	} {
		t.Run(tc.query, func(t *testing.T) {
			q, _ := url.ParseQuery(tc.query)
			got, err := overwriteMode(q)
			if (err != nil) != tc.wantErr || (err == nil && got != tc.want) {
				t.Errorf("got %v, %v, want %v (error %v)", got, err, tc.want, tc.wantErr)
			}
		})
	}
}

// FuzzQuery: the query readers never panic and never return negative paging.
func FuzzQuery(f *testing.F) {
	for _, s := range []string{"skip=0&take=2147483647", "take=99999999999999999999", "overwriteMode=IgnoreIfExists", "ids=a,b,,c&IDS=d", "take=-1", "%zz"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		q, _ := url.ParseQuery(raw)
		if n, err := queryInt(q, "take", 30); err == nil && n < 0 {
			t.Fatalf("take %d from %q", n, raw)
		}
		_, _ = overwriteMode(q)
		for _, v := range queryValues(q, "ids") {
			if v == "" {
				t.Fatalf("empty id from %q", raw)
			}
		}
	})
}

func TestSlug(t *testing.T) {
	for in, want := range map[string]string{"Default": "default", "My Space 2": "my-space-2", " --Ops!! ": "ops"} {
		if got := slug(in); got != want {
			t.Errorf("slug(%q): got %q, want %q", in, got, want)
		}
	}
}
