package v2

import (
	"bytes"
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/feedserver/feedserver/index"
	"github.com/feedserver/feedserver/nuget"
)

// testRow is one package version with every field the filters below read.
func testRow(t testing.TB, id, version string, listed bool, tagList ...string) row {
	t.Helper()
	v := nuget.MustParseVersion(version)
	e := index.Entry{
		ID: nuget.ID(id), Version: v, Listed: listed, Downloads: 7, Size: 1234,
		Published: time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC),
		Manifest:  &nuget.Manifest{ID: nuget.ID(id), Version: v, Description: "Makes " + id + " easy", Tags: tagList},
	}
	g := newGroup([]index.Entry{e}, true)
	return row{g: g, i: 0}
}

func TestParseFilter(t *testing.T) {
	r := testRow(t, "Newtonsoft.Json", "13.0.1", true, "json", "serializer")
	tests := []struct {
		filter string
		want   bool
	}{
		{"IsLatestVersion", true},
		{"IsAbsoluteLatestVersion", true},
		{"IsPrerelease", false},
		{"not IsPrerelease", true},
		{"IsLatestVersion eq true", true},
		{"Id eq 'Newtonsoft.Json'", true},
		{"Id eq 'newtonsoft.json'", false}, // eq is ordinal, as in WCF Data Services
		{"tolower(Id) eq 'newtonsoft.json'", true},
		{"toupper(Id) eq 'NEWTONSOFT.JSON'", true},
		{"Id eq 'Newtonsoft.Json' and Version eq '13.0.1'", true},
		{"Id eq 'Newtonsoft.Json' and Version eq '13.0.2'", false},
		{"(Id eq 'x') or (Version eq '13.0.1')", true},
		{"Id ne null", true},
		{"Title eq null", true},
		{"null eq Summary", true},
		{"Id eq 'O''Reilly'", false},
		{"DownloadCount gt 5", true},
		{"DownloadCount ge 8", false},
		{"startswith(Id, 'Newton')", true},
		{"endswith(tolower(Id), '.json')", true},
		{"indexof(Id, 'soft') eq 6", true},
		{"length(Id) eq 15", true},
		{"substringof('json', tolower(Id))", true},
		{"substringof('nope', Title)", false}, // null haystack
		// NuGet.Client's fallback when Search() is not advertised (V2FeedQueryBuilder).
		{"((((Id ne null) and substringof('json',tolower(Id))) or ((Description ne null) and substringof('json',tolower(Description)))) or ((Tags ne null) and substringof(' json ',tolower(Tags)))) and IsLatestVersion", true},
		{"((((Id ne null) and substringof('xml',tolower(Id))) or ((Description ne null) and substringof('xml',tolower(Description)))) or ((Tags ne null) and substringof(' xml ',tolower(Tags)))) and IsLatestVersion", false},
		{"(Tags ne null) and substringof(' serializer ',tolower(Tags))", true},
		{"ISLATESTVERSION AND id EQ 'Newtonsoft.Json'", true},
		{"Listed and RequireLicenseAcceptance eq false", true},
		{"Published ne null", true},
	}
	for _, tt := range tests {
		t.Run(tt.filter, func(t *testing.T) {
			n, err := parseFilter(tt.filter)
			if err != nil {
				t.Fatalf("parseFilter: %v", err)
			}
			if got := n.truth(r); got != tt.want {
				t.Errorf("filter = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestParseFilterRefused(t *testing.T) {
	tests := []struct{ filter, mention string }{
		{"Foo eq 'x'", `"Foo"`},
		{"Id eq 'x' xor true", `"xor"`},
		{"DownloadCount add 1 eq 2", `"add"`},
		{"contains(Id, 'x')", `"contains"`},
		{"Id eq 'x", "unterminated"},
		{"Id eq", "ends too early"},
		{"(Id eq 'x'", "missing ')'"},
		{"Id", "Edm.String, not Edm.Boolean"},
		{"Id eq 1", "cannot compare Edm.String with Edm.Int64"},
		{"IsLatestVersion gt false", "eq or ne"},
		{"Published gt datetime'2020-01-01T00:00:00'", "typed literal datetime"},
		{"Version eq 1.0", "only plain integers"},
		{"Id eq 'x' and", "ends too early"},
		{"tolower(Id, Title) eq 'x'", "takes 1 arguments"},
		{"substringof(1, Id)", "must be Edm.String"},
		{"Id/Length eq 1", "unexpected character '/'"},
		{"not Id", "needs an Edm.Boolean operand"},
		{"Id eq 'x' 'y'", "unexpected"},
		{"99999999999999999999 eq DownloadCount", "out of range"},
	}
	for _, tt := range tests {
		t.Run(tt.filter, func(t *testing.T) {
			_, err := parseFilter(tt.filter)
			if !errors.Is(err, errQuery) {
				t.Fatalf("err = %v, want errQuery", err)
			}
			if !contains(err.Error(), tt.mention) {
				t.Errorf("err = %q, want it to mention %q", err, tt.mention)
			}
		})
	}
}

func TestParseFilterDepth(t *testing.T) {
	deep := ""
	for range 100 {
		deep += "("
	}
	deep += "IsLatestVersion"
	for range 100 {
		deep += ")"
	}
	if _, err := parseFilter(deep); !errors.Is(err, errQuery) {
		t.Errorf("100 parentheses: err = %v, want errQuery", err)
	}
	deep = ""
	for range 100 {
		deep += "not "
	}
	if _, err := parseFilter(deep + "IsPrerelease"); !errors.Is(err, errQuery) {
		t.Errorf("100 nots: err = %v, want errQuery", err)
	}
}

func TestPinnedID(t *testing.T) {
	tests := []struct {
		filter string
		id     string
		ok     bool
	}{
		{"Id eq 'A'", "A", true},
		{"tolower(Id) eq 'a'", "a", true},
		{"'A' eq Id", "A", true},
		{"Id eq 'A' and Version eq '1.0'", "A", true},
		{"IsLatestVersion and Id eq 'A'", "A", true},
		{"Id eq 'A' or Id eq 'B'", "", false},
		{"Id ne 'A'", "", false},
		{"substringof('a', Id)", "", false},
		{"not (Id eq 'A')", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.filter, func(t *testing.T) {
			n, err := parseFilter(tt.filter)
			if err != nil {
				t.Fatal(err)
			}
			id, ok := pinnedID(n)
			if id != tt.id || ok != tt.ok {
				t.Errorf("pinnedID = %q, %v; want %q, %v", id, ok, tt.id, tt.ok)
			}
		})
	}
}

func TestParseOrderBy(t *testing.T) {
	rows := []row{
		testRow(t, "B", "1.0.0", true),
		testRow(t, "a", "10.0.0", true),
		testRow(t, "a", "9.0.0", true),
		testRow(t, "C", "2.0.0-beta", true),
	}
	tests := []struct {
		orderBy string
		want    []string
	}{
		{"Id", []string{"a 9.0.0", "a 10.0.0", "B 1.0.0", "C 2.0.0-beta"}},
		{"Id desc", []string{"C 2.0.0-beta", "B 1.0.0", "a 9.0.0", "a 10.0.0"}},
		{"Version desc", []string{"a 10.0.0", "a 9.0.0", "C 2.0.0-beta", "B 1.0.0"}}, // NuGet order, not text order
		{"Version", []string{"B 1.0.0", "C 2.0.0-beta", "a 9.0.0", "a 10.0.0"}},
		{"IsPrerelease desc, Id", []string{"C 2.0.0-beta", "a 9.0.0", "a 10.0.0", "B 1.0.0"}},
		{"DownloadCount desc,Id", []string{"a 9.0.0", "a 10.0.0", "B 1.0.0", "C 2.0.0-beta"}},
		{"concat(Title,Id)", []string{"a 9.0.0", "a 10.0.0", "B 1.0.0", "C 2.0.0-beta"}},
		{"Published desc", []string{"a 9.0.0", "a 10.0.0", "B 1.0.0", "C 2.0.0-beta"}},
	}
	for _, tt := range tests {
		t.Run(tt.orderBy, func(t *testing.T) {
			order, err := parseOrderBy(tt.orderBy)
			if err != nil {
				t.Fatal(err)
			}
			got := append([]row(nil), rows...)
			sortRows(got, order)
			var names []string
			for _, r := range got {
				names = append(names, string(r.entry().ID)+" "+r.entry().Version.String())
			}
			if !equal(names, tt.want) {
				t.Errorf("order = %q, want %q", names, tt.want)
			}
		})
	}
	for _, bad := range []string{"Foo", "Id sideways", "Id,", "null", "Id desc desc"} {
		if _, err := parseOrderBy(bad); !errors.Is(err, errQuery) {
			t.Errorf("parseOrderBy(%q): err = %v, want errQuery", bad, err)
		}
	}
}

func TestParsePath(t *testing.T) {
	tests := []struct {
		path string
		want odataPath
	}{
		{"Packages", odataPath{Resource: resPackages}},
		{"Packages()", odataPath{Resource: resPackages, Parens: true, Args: map[string]string{}}},
		{"packages()/$count", odataPath{Resource: resPackages, Parens: true, Args: map[string]string{}, Count: true}},
		{"Packages/$count", odataPath{Resource: resPackages, Count: true}},
		{"Packages(Id='Foo',Version='1.0.0')", odataPath{Resource: resPackages, Parens: true, Args: map[string]string{"id": "Foo", "version": "1.0.0"}}},
		{"Packages(Id=%27Foo%27,Version=%271.0.0%27)", odataPath{Resource: resPackages, Parens: true, Args: map[string]string{"id": "Foo", "version": "1.0.0"}}},
		{"Packages(Id='O''Brien',Version='1.0')/$value", odataPath{Resource: resPackages, Parens: true, Args: map[string]string{"id": "O'Brien", "version": "1.0"}, Value: true}},
		{"Packages('Foo','2.0')/Download", odataPath{Resource: resPackages, Parens: true, Args: map[string]string{"id": "Foo", "version": "2.0"}, Value: true}},
		{"Packages(Id='a,b)',Version='1')", odataPath{Resource: resPackages, Parens: true, Args: map[string]string{"id": "a,b)", "version": "1"}}},
		{"FindPackagesById()", odataPath{Resource: resFindPackagesByID, Parens: true, Args: map[string]string{}}},
		{"FindPackagesById(id='x')/$count", odataPath{Resource: resFindPackagesByID, Parens: true, Args: map[string]string{"id": "x"}, Count: true}},
		{"Search()/", odataPath{Resource: resSearch, Parens: true, Args: map[string]string{}}},
		{"GetUpdates()", odataPath{Resource: resGetUpdates, Parens: true, Args: map[string]string{}}},
		{"$metadata", odataPath{Resource: resMetadata}},
		{"%24metadata", odataPath{Resource: resMetadata}},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			got, err := parsePath(tt.path)
			if err != nil {
				t.Fatal(err)
			}
			if got.Resource != tt.want.Resource || got.Parens != tt.want.Parens || got.Count != tt.want.Count ||
				got.Value != tt.want.Value || !equalMap(got.Args, tt.want.Args) {
				t.Errorf("parsePath = %+v, want %+v", got, tt.want)
			}
		})
	}
	refused := []struct {
		path     string
		notFound bool
	}{
		{"Nope()", true},
		{"Packages()/Foo", true},
		{"Search()/$value", true},
		{"Packages(Id='x')", false},
		{"Packages(Version='1')", false},
		{"Packages(Id='x',Version='1')/$count", false},
		{"Packages(Id='x'", false},
		{"Packages(Id=x,Version='1')", false},
		{"Packages(Id='x',,Version='1')", false},
		{"Packages(Id='x',Version='1',)", false},
		{"Packages(Id='x',Id='y')", false},
		{"Packages('a','b','c')", false},
		{"Packages(Id='x'Version='1')", false},
		{"Packages%ZZ", false},
	}
	for _, tt := range refused {
		t.Run("refused "+tt.path, func(t *testing.T) {
			_, err := parsePath(tt.path)
			switch {
			case tt.notFound && !errors.Is(err, errNotFound):
				t.Errorf("err = %v, want not found", err)
			case !tt.notFound && !errors.Is(err, errQuery):
				t.Errorf("err = %v, want errQuery", err)
			}
		})
	}
}

func TestParseOptions(t *testing.T) {
	o, err := parseOptions("$filter=IsLatestVersion&$orderby=Id&searchTerm='foo'&targetFramework=''&includePrerelease=false&$skip=30&$top=30&semVerLevel=2.0.0&$select=Id&$inlinecount=allpages")
	if err != nil {
		t.Fatal(err)
	}
	if o.filter == nil || len(o.orderBy) != 1 || o.skip != 30 || o.top != 30 || !o.semVer2 || o.prerelease || !o.inlineCnt {
		t.Errorf("options = %+v", o)
	}
	if got := literal(o.get("searchterm")); got != "foo" {
		t.Errorf("searchTerm = %q, want foo", got)
	}
	for _, bad := range []string{"$expand=Foo", "$skiptoken='a','b'", "$top=-1", "$skip=x", "$format=json", "$inlinecount=some", "$filter=Foo", "$orderby=Bar", "a=%zz"} {
		t.Run(bad, func(t *testing.T) {
			if _, err := parseOptions(bad); !errors.Is(err, errQuery) {
				t.Errorf("err = %v, want errQuery", err)
			}
		})
	}
	for _, level := range []struct {
		in   string
		want bool
	}{{"", false}, {"1.0.0", false}, {"2.0.0", true}, {"'2.0.0'", true}, {"3", true}, {"x", false}} {
		if got := semVer2(literal(level.in)); got != level.want {
			t.Errorf("semVer2(%q) = %v, want %v", level.in, got, level.want)
		}
	}
}

func TestDependencies(t *testing.T) {
	r := func(s string) nuget.VersionRange {
		v, err := nuget.ParseVersionRange(s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	m := &nuget.Manifest{DependencyGroups: []nuget.DependencyGroup{
		{TargetFramework: "net45", Dependencies: []nuget.Dependency{{ID: "A", Range: r("1.0")}, {ID: "B"}}},
		{TargetFramework: "netstandard2.0"},
		{TargetFramework: "", Dependencies: []nuget.Dependency{{ID: "C", Range: r("[2.0]")}}},
	}}
	want := "A:[1.0.0, ):net45|B::net45|::netstandard2.0|C:[2.0.0, 2.0.0]:"
	if got := dependencies(m); got != want {
		t.Errorf("dependencies = %q, want %q", got, want)
	}
}

func TestLatestFlags(t *testing.T) {
	mk := func(v string, listed bool) index.Entry {
		ver := nuget.MustParseVersion(v)
		return index.Entry{ID: "A", Version: ver, Listed: listed, Manifest: &nuget.Manifest{ID: "A", Version: ver}}
	}
	all := []index.Entry{mk("1.0.0", true), mk("2.0.0", true), mk("3.0.0", false), mk("3.1.0-beta", true), mk("3.2.0-beta.1", true)}
	tests := []struct {
		semVer2          bool
		count            int
		latest, absolute string
	}{
		{false, 4, "2.0.0", "3.1.0-beta"},  // 3.2.0-beta.1 is SemVer2: hidden
		{true, 5, "2.0.0", "3.2.0-beta.1"}, // 3.0.0 is unlisted: never latest
	}
	for _, tt := range tests {
		g := newGroup(all, tt.semVer2)
		if len(g.entries) != tt.count || g.entries[g.latest].Version.String() != tt.latest || g.entries[g.absLatest].Version.String() != tt.absolute {
			t.Errorf("semVer2=%v: %d entries, latest %s, absolute %s; want %d, %s, %s", tt.semVer2, len(g.entries),
				g.entries[g.latest].Version, g.entries[g.absLatest].Version, tt.count, tt.latest, tt.absolute)
		}
	}
}

func TestEscape(t *testing.T) {
	var b bytes.Buffer
	escape(&b, "a<b>&\"c\x01d\xffe\U0001F600")
	if got, want := b.String(), "a&lt;b&gt;&amp;&quot;c\uFFFDd\uFFFDe\U0001F600"; got != want {
		t.Errorf("escape = %q, want %q", got, want)
	}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }

func equal(a, b []string) bool { return slices.Equal(a, b) }

func equalMap(a, b map[string]string) bool { return (a == nil) == (b == nil) && maps.Equal(a, b) }
