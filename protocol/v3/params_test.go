package v3

import (
	"net/url"
	"testing"
)

func TestParseParams(t *testing.T) {
	tests := []struct {
		query string
		want  params
	}{
		{"", params{take: defaultTake}},
		{"q=+json+&skip=40&take=10&prerelease=True&semVerLevel=2.0.0",
			params{q: "json", skip: 40, take: 10, view: view{prerelease: true, semver2: true}}},
		{"take=5000", params{take: maxTake}},
		{"skip=-3&take=0", params{take: defaultTake}},
		{"skip=x&take=y&semVerLevel=banana", params{take: defaultTake}},
		{"semVerLevel=1.0.0", params{take: defaultTake}},
		{"semVerLevel=2", params{take: defaultTake, view: view{semver2: true}}},
		{"packageTypeFilter=DotnetTool", params{take: defaultTake, packageType: "DotnetTool"}},
		{"packageType=Template&packageTypeFilter=DotnetTool", params{take: defaultTake, packageType: "Template"}},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			v, _ := url.ParseQuery(tt.query)
			if got := parseParams(v); got != tt.want {
				t.Errorf("parseParams = %+v, want %+v", got, tt.want)
			}
		})
	}
}

// FuzzParseParams: any query string gives paging inside the caps and no panic.
func FuzzParseParams(f *testing.F) {
	f.Add("q=json&skip=0&take=26&prerelease=true&semVerLevel=2.0.0")         // NuGet.exe 5.8 search
	f.Add("q=&skip=0&take=25&prerelease=false&packageTypeFilter=dotnettool") // NuGet.Protocol with a type
	f.Add("q=Newtonsoft&prerelease=true&semVerLevel=2.0.0")                  // autocomplete
	f.Add("id=newtonsoft.json&prerelease=true&semVerLevel=2.0.0")            // autocomplete versions
	f.Add("q=id%3Ajson+tags%3A%22a+b%22&skip=999999999999999999999&take=-1") // field syntax, overflow
	f.Fuzz(func(t *testing.T, raw string) {
		v, _ := url.ParseQuery(raw)
		p := parseParams(v)
		if p.skip < 0 || p.take < 1 || p.take > maxTake {
			t.Fatalf("paging out of bounds: %+v", p)
		}
	})
}
