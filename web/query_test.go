package web

import (
	"net/url"
	"strings"
	"testing"
)

func TestParseListQuery(t *testing.T) {
	tests := []struct {
		raw  string
		want listQuery
	}{
		{"", listQuery{Page: 1}},
		{"q=+json+&kind=NuGet&space=spaces-2&owner=Team&prerelease=true&page=3",
			listQuery{Q: "json", Kind: kindNuGet, Space: "Spaces-2", Owner: "team", Prerelease: true, Page: 3}},
		{"kind=other&page=-4&prerelease=yes", listQuery{Page: 1}},
		{"kind=generic&prerelease=on&page=999999", listQuery{Kind: kindGeneric, Prerelease: true, Page: maxPage}},
	}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) {
			v, _ := url.ParseQuery(tt.raw)
			if got := parseListQuery(v); got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

// FuzzListQuery: whatever the query string, the page's own links (the
// query's url) read back as the same query, and stay on /packages.
func FuzzListQuery(f *testing.F) {
	f.Add("q=Newtonsoft.Json&kind=nuget&prerelease=true&page=2")
	f.Add("q=tags:%3Cscript%3E&space=spaces-2&owner=acme")
	f.Add("q=%00%ff&page=9999999999999999999999")
	f.Add("q=" + strings.Repeat("a", 499) + "+b")
	f.Add("q=" + strings.Repeat("a", 499) + "%C3%A9")
	f.Fuzz(func(t *testing.T, raw string) {
		v, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		q := parseListQuery(v)
		link := q.url(q.Page)
		if !strings.HasPrefix(link, "/packages") {
			t.Fatalf("link %q leaves /packages", link)
		}
		u, err := url.Parse(link)
		if err != nil {
			t.Fatalf("link %q does not parse: %v", link, err)
		}
		if again := parseListQuery(u.Query()); again != q {
			t.Fatalf("%q → %+v → %q → %+v", raw, q, link, again)
		}
	})
}
