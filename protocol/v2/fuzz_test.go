package v2

import (
	"errors"
	"testing"
)

// Seeds are real queries: NuGet.Client 5.8 (V2FeedQueryBuilder), NuGet 2.x,
// Visual Studio 2013 and pollers, from docs/protocol/nuget.md §6.2.
var filterSeeds = []string{
	"IsLatestVersion",
	"IsAbsoluteLatestVersion",
	"Id eq 'Newtonsoft.Json'",
	"tolower(Id) eq 'newtonsoft.json'",
	"Id eq 'X' and Version eq '1.0'",
	"Id eq 'X' and Version eq '1.0.0.0'",
	"((((Id ne null) and substringof('foo',tolower(Id))) or ((Description ne null) and substringof('foo',tolower(Description)))) or ((Tags ne null) and substringof(' foo ',tolower(Tags)))) and IsLatestVersion",
	"IsLatestVersion or IsAbsoluteLatestVersion",
	"not IsPrerelease and DownloadCount ge 10",
	"Id eq 'O''Reilly'",
	"startswith(tolower(Id),'fixture') eq true",
}

func FuzzParseFilter(f *testing.F) {
	for _, s := range filterSeeds {
		f.Add(s)
	}
	r := testRow(f, "Fuzz.Package", "1.0.0-beta", true, "a", "b")
	f.Fuzz(func(t *testing.T, s string) {
		n, err := parseFilter(s)
		if err != nil {
			if !errors.Is(err, errQuery) {
				t.Fatalf("error %v is not errQuery", err)
			}
			return
		}
		if n.typ != typeBool {
			t.Fatalf("accepted a %s filter", n.typ)
		}
		n.truth(r) // must not panic
		pinnedID(n)
	})
}

func FuzzParseOrderBy(f *testing.F) {
	for _, s := range []string{"Id", "Version desc", "DownloadCount desc,Id", "Published desc", "concat(Title,Id)", "LastUpdated desc"} {
		f.Add(s)
	}
	rows := []row{testRow(f, "A", "1.0.0", true), testRow(f, "B", "2.0.0", false)}
	f.Fuzz(func(t *testing.T, s string) {
		items, err := parseOrderBy(s)
		if err != nil {
			if !errors.Is(err, errQuery) {
				t.Fatalf("error %v is not errQuery", err)
			}
			return
		}
		sortRows(append([]row(nil), rows...), items)
	})
}

func FuzzParsePath(f *testing.F) {
	for _, s := range []string{
		"Packages", "Packages()", "Packages()/$count", "Packages(Id='Foo',Version='1.0.0')",
		"Packages(Id=%27Foo%27,Version=%271.0.0%27)", "Packages(Id='O''Brien',Version='1.0')/$value",
		"FindPackagesById()", "FindPackagesById()/$count", "Search()", "Search()/$count", "GetUpdates()", "$metadata",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := parsePath(s)
		if err != nil {
			if !errors.Is(err, errQuery) && !errors.Is(err, errNotFound) {
				t.Fatalf("error %v is neither errQuery nor not found", err)
			}
			return
		}
		if p.Resource == "" {
			t.Fatal("accepted a path without a resource")
		}
		if p.Resource == resPackages && len(p.Args) > 0 && (p.Args["id"] == "" && p.Args["version"] == "") && len(p.Args) < 2 {
			t.Fatalf("key lookup without id and version: %+v", p)
		}
	})
}

func FuzzParseOptions(f *testing.F) {
	for _, s := range []string{
		"id='Newtonsoft.Json'&semVerLevel=2.0.0",
		"$filter=IsLatestVersion&$orderby=Id&searchTerm='foo'&targetFramework=''&includePrerelease=false&$skip=0&$top=30&semVerLevel=2.0.0",
		"$filter=IsAbsoluteLatestVersion&searchTerm='grial'&targetFramework='portable45-net45%2Bwin8%2Bwp8'&includePrerelease=true&$skip=0&$top=26&semVerLevel=2.0.0",
		"packageIds='A|B'&versions='1.0|2.0'&includePrerelease=false&includeAllVersions=false&targetFrameworks='net45'&versionConstraints='|'",
		"$filter=IsLatestVersion&$orderby=DownloadCount%20desc,Id&$skip=0&$top=30",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		o, err := parseOptions(s)
		if err != nil {
			if !errors.Is(err, errQuery) {
				t.Fatalf("error %v is not errQuery", err)
			}
			return
		}
		if o.skip < 0 || o.top < -1 {
			t.Fatalf("negative paging: skip %d top %d", o.skip, o.top)
		}
	})
}
