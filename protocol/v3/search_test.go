package v3_test

import (
	"fmt"
	"net/http"
	"slices"
	"testing"

	"github.com/feedserver/feedserver/nuget/nugettest"
	"github.com/feedserver/feedserver/protocol/protocoltest"
)

func TestSearchGolden(t *testing.T) {
	env := protocoltest.New(t)
	pushFixture(t, env, "Fixture.Versions.1.0.0.nupkg", "Fixture.Versions.2.0.0.nupkg", "Fixture.Plain.1.0.0.nupkg")
	code, body := get(t, env, "/v3/search?q=fixture.versions&skip=0&take=20&prerelease=true&semVerLevel=2.0.0")
	if code != http.StatusOK {
		t.Fatalf("status %d: %s", code, body)
	}
	assertGolden(t, "search.json", body)
}

// searchFeed pushes ids Search.A (3 versions, one prerelease, one SemVer2),
// Search.B .. Search.E (one version each) and Search.Tool (a DotnetTool).
func searchFeed(t *testing.T) *protocoltest.Env {
	env := protocoltest.New(t)
	pushSpec(t, env,
		nugettest.Spec{ID: "Search.A", Version: "1.0.0", Tags: "alpha"},
		nugettest.Spec{ID: "Search.A", Version: "1.1.0-beta", Tags: "alpha"},
		nugettest.Spec{ID: "Search.A", Version: "2.0.0-rc.1", Tags: "alpha"},
		nugettest.Spec{ID: "Search.Prerelease", Version: "0.1.0-pre"},
		nugettest.Spec{ID: "Search.Tool", Version: "1.0.0",
			ExtraMetadata: `<packageTypes><packageType name="DotnetTool" /></packageTypes>`},
	)
	for _, c := range "BCDE" {
		pushSpec(t, env, nugettest.Spec{ID: "Search." + string(c), Version: "1.0.0"})
	}
	return env
}

func TestSearch(t *testing.T) {
	env := searchFeed(t)
	tests := []struct {
		name      string
		query     string
		wantTotal int
		wantIDs   []string // nil: do not check
		// versions of Search.A when it is in the answer
		wantA []string
	}{
		{name: "stable semver1", query: "q=packageid:search.a", wantTotal: 1, wantIDs: []string{"Search.A"}, wantA: []string{"1.0.0"}},
		{name: "prerelease semver1", query: "q=packageid:search.a&prerelease=true", wantTotal: 1, wantA: []string{"1.0.0", "1.1.0-beta"}},
		{name: "prerelease semver2", query: "q=packageid:search.a&prerelease=true&semVerLevel=2.0.0", wantTotal: 1, wantA: []string{"1.0.0", "1.1.0-beta", "2.0.0-rc.1"}},
		{name: "prerelease only id hidden", query: "q=packageid:search.prerelease", wantTotal: 0, wantIDs: []string{}},
		{name: "prerelease only id shown", query: "q=packageid:search.prerelease&prerelease=true", wantTotal: 1, wantIDs: []string{"Search.Prerelease"}},
		{name: "all, paged", query: "q=&take=2&skip=0", wantTotal: 6, wantIDs: nil},
		{name: "take caps the page, not the total", query: "q=search&take=3&skip=4", wantTotal: 6, wantIDs: nil},
		{name: "packageType", query: "q=&packageType=DotnetTool", wantTotal: 1, wantIDs: []string{"Search.Tool"}},
		{name: "packageTypeFilter", query: "q=&packageTypeFilter=dotnettool", wantTotal: 1, wantIDs: []string{"Search.Tool"}},
		{name: "unknown packageType", query: "q=&packageType=Nope", wantTotal: 0, wantIDs: []string{}},
		{name: "field syntax", query: "q=tags:alpha", wantTotal: 1, wantIDs: []string{"Search.A"}},
		{name: "unreadable numbers fall back", query: "q=packageid:search.b&skip=x&take=-1", wantTotal: 1, wantIDs: []string{"Search.B"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var a searchAnswer
			getJSON(t, env, "/v3/search?"+tt.query, &a)
			if a.TotalHits != tt.wantTotal {
				t.Errorf("totalHits %d, want %d", a.TotalHits, tt.wantTotal)
			}
			if tt.wantIDs != nil && !slices.Equal(a.ids(), tt.wantIDs) && !(len(tt.wantIDs) == 0 && len(a.Data) == 0) {
				t.Errorf("ids %v, want %v", a.ids(), tt.wantIDs)
			}
			for _, d := range a.Data {
				if len(d.PackageTypes) == 0 {
					t.Errorf("%s: no packageTypes", d.ID)
				}
				if d.ID != "Search.A" || tt.wantA == nil {
					continue
				}
				var got []string
				for _, v := range d.Versions {
					got = append(got, v.Version)
				}
				if !slices.Equal(got, tt.wantA) || d.Version != tt.wantA[len(tt.wantA)-1] {
					t.Errorf("Search.A versions %v latest %s, want %v", got, d.Version, tt.wantA)
				}
			}
		})
	}

	t.Run("exact id first", func(t *testing.T) {
		var a searchAnswer
		getJSON(t, env, "/v3/search?q=Search.C", &a)
		if len(a.Data) == 0 || a.Data[0].ID != "Search.C" {
			t.Errorf("ids %v, want Search.C first", a.ids())
		}
	})
	t.Run("paging walks every id once", func(t *testing.T) {
		var seen []string
		for skip := 0; skip < 10; skip += 4 {
			var a searchAnswer
			getJSON(t, env, fmt.Sprintf("/v3/search?q=&take=4&skip=%d", skip), &a)
			if a.TotalHits != 6 {
				t.Errorf("skip %d: totalHits %d, want 6", skip, a.TotalHits)
			}
			seen = append(seen, a.ids()...)
		}
		slices.Sort(seen)
		want := []string{"Search.A", "Search.B", "Search.C", "Search.D", "Search.E", "Search.Tool"}
		if !slices.Equal(seen, want) {
			t.Errorf("ids over pages %v, want %v", seen, want)
		}
	})
	t.Run("registration hive follows semVerLevel", func(t *testing.T) {
		var a1, a2 searchAnswer
		getJSON(t, env, "/v3/search?q=packageid:search.b", &a1)
		getJSON(t, env, "/v3/search?q=packageid:search.b&semVerLevel=2.0.0", &a2)
		if a1.Data[0].Registration != "https://feed.example/v3/registration/search.b/index.json" ||
			a2.Data[0].Registration != "https://feed.example/v3/registration-semver2/search.b/index.json" {
			t.Errorf("registrations %q, %q", a1.Data[0].Registration, a2.Data[0].Registration)
		}
		if a1.Data[0].Versions[0].ID != "https://feed.example/v3/registration/search.b/1.0.0.json" {
			t.Errorf("version @id %q, want the registration leaf", a1.Data[0].Versions[0].ID)
		}
	})
}

// Unlisted versions leave search at once; an id with no listed version leaves it entirely.
func TestSearchUnlistedAndFreshness(t *testing.T) {
	env := protocoltest.New(t)
	pushSpec(t, env, nugettest.Spec{ID: "Fresh.Search", Version: "1.0.0"}, nugettest.Spec{ID: "Fresh.Search", Version: "1.1.0"})
	const path = "/v3/search?q=packageid:fresh.search"
	versions := func() []string {
		var a searchAnswer
		getJSON(t, env, path, &a)
		var vs []string
		for _, d := range a.Data {
			for _, v := range d.Versions {
				vs = append(vs, v.Version)
			}
		}
		return vs
	}
	if got := versions(); !slices.Equal(got, []string{"1.0.0", "1.1.0"}) {
		t.Fatalf("versions %v", got)
	}
	if _, err := env.Feed.SetListed(t.Context(), "Spaces-1", "nuget", "Fresh.Search", "1.1.0", false); err != nil {
		t.Fatal(err)
	}
	if got := versions(); !slices.Equal(got, []string{"1.0.0"}) {
		t.Errorf("after unlisting 1.1.0: %v", got)
	}
	pushSpec(t, env, nugettest.Spec{ID: "Fresh.Search", Version: "1.2.0"})
	if got := versions(); !slices.Equal(got, []string{"1.0.0", "1.2.0"}) {
		t.Errorf("after pushing 1.2.0: %v", got)
	}
	for _, v := range []string{"1.0.0", "1.2.0"} {
		if _, err := env.Feed.SetListed(t.Context(), "Spaces-1", "nuget", "Fresh.Search", v, false); err != nil {
			t.Fatal(err)
		}
	}
	var a searchAnswer
	getJSON(t, env, path, &a)
	if a.TotalHits != 0 || len(a.Data) != 0 {
		t.Errorf("every version unlisted: totalHits %d, ids %v", a.TotalHits, a.ids())
	}
}

func TestAutocomplete(t *testing.T) {
	env := searchFeed(t)
	if _, err := env.Feed.SetListed(t.Context(), "Spaces-1", "nuget", "Search.B", "1.0.0", false); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		query     string
		wantTotal int
		want      []string
	}{
		{"q=search.", 5, []string{"Search.A", "Search.C", "Search.D", "Search.E", "Search.Tool"}},
		{"q=SEARCH.T", 1, []string{"Search.Tool"}},
		{"q=search.&prerelease=true&take=2", 6, nil},
		{"q=nothing", 0, []string{}},
		{"id=search.a", 1, []string{"1.0.0"}},
		{"id=Search.A&prerelease=true", 2, []string{"1.0.0", "1.1.0-beta"}},
		{"id=search.a&prerelease=true&semVerLevel=2.0.0", 3, []string{"1.0.0", "1.1.0-beta", "2.0.0-rc.1"}},
		{"id=search.b", 0, []string{}}, // unlisted only
		{"id=no.such.id", 0, []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			var a autocompleteAnswer
			getJSON(t, env, "/v3/autocomplete?"+tt.query, &a)
			if a.TotalHits != tt.wantTotal {
				t.Errorf("totalHits %d, want %d (data %v)", a.TotalHits, tt.wantTotal, a.Data)
			}
			if tt.want != nil {
				got := slices.Clone(a.Data)
				if tt.query == "q=search." {
					slices.Sort(got)
				}
				if !slices.Equal(got, tt.want) {
					t.Errorf("data %v, want %v", a.Data, tt.want)
				}
			}
			if a.Data == nil {
				t.Errorf("data is null, want an array")
			}
		})
	}
}
