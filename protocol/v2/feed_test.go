package v2_test

import (
	"bytes"
	"encoding/base64"
	"encoding/xml"
	"net/http"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/feedserver/feedserver/fixtures"
	"github.com/feedserver/feedserver/internal/golden"
	"github.com/feedserver/feedserver/nuget/nugettest"
	"github.com/feedserver/feedserver/protocol"
	"github.com/feedserver/feedserver/protocol/protocoltest"
)

// publicHeaders make the server build URLs under https://feed.example, so
// golden files do not depend on the test server's port.
var publicHeaders = []string{"X-Forwarded-Proto", "https", "X-Forwarded-Host", "feed.example"}

// timeRe matches real timestamps (not 1900, the unlisted marker); hashRe the
// package hashes, which change whenever a fixture is repacked.
var (
	timeRe = regexp.MustCompile(`(19[0-9][1-9]|2[0-9]{3})-[0-9]{2}-[0-9]{2}T[0-9:.]+Z?`)
	hashRe = regexp.MustCompile(`<d:PackageHash>[^<]*</d:PackageHash>`)
	sizeRe = regexp.MustCompile(`<d:PackageSize m:type="Edm.Int64">[0-9]+</d:PackageSize>`)
)

// assertGolden compares a normalised copy of an XML body with testdata/name.
func assertGolden(t *testing.T, name string, body []byte) {
	t.Helper()
	got := timeRe.ReplaceAll(body, []byte("TIME"))
	got = hashRe.ReplaceAll(got, []byte("<d:PackageHash>&lt;hash&gt;</d:PackageHash>"))
	got = sizeRe.ReplaceAll(got, []byte(`<d:PackageSize m:type="Edm.Int64">&lt;size&gt;</d:PackageSize>`))
	// One element per line, so a diff shows what changed.
	got = bytes.ReplaceAll(got, []byte("><"), []byte(">\n<"))
	if !bytes.HasSuffix(got, []byte("\n")) {
		got = append(got, '\n')
	}
	golden.Check(t, filepath.Join("testdata", name), got)
}

// get fetches path with the public headers; it checks the v2 header.
func get(t *testing.T, env *protocoltest.Env, path string) (*http.Response, []byte) {
	t.Helper()
	resp, body := env.Do(t, http.MethodGet, path, nil, "", publicHeaders...)
	if v := resp.Header.Get("DataServiceVersion"); v != "2.0;" {
		t.Errorf("GET %s: DataServiceVersion = %q, want 2.0;", path, v)
	}
	return resp, body
}

// getOK fetches path, wants 200 and well-formed XML, and returns the body.
func getOK(t *testing.T, env *protocoltest.Env, path string) []byte {
	t.Helper()
	resp, body := get(t, env, path)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: status %d, want 200: %s", path, resp.StatusCode, body)
	}
	if strings.Contains(resp.Header.Get("Content-Type"), "xml") {
		if err := wellFormed(body); err != nil {
			t.Fatalf("GET %s: %v\n%s", path, err, body)
		}
	}
	return body
}

func wellFormed(body []byte) error {
	d := xml.NewDecoder(bytes.NewReader(body))
	for {
		_, err := d.Token()
		if err != nil {
			if err.Error() == "EOF" {
				return nil
			}
			return err
		}
	}
}

// pushFixtures pushes real NuGet-made packages by file name.
func pushFixtures(t *testing.T, env *protocoltest.Env, names ...string) {
	t.Helper()
	for _, n := range names {
		if resp := env.Push(t, fixtures.Good(n), env.AdminKey); resp.StatusCode != http.StatusCreated {
			t.Fatalf("push %s: status %d: %s", n, resp.StatusCode, protocoltest.ReadBody(t, resp))
		}
	}
}

// pushSpecs pushes small synthetic packages.
func pushSpecs(t *testing.T, env *protocoltest.Env, specs ...nugettest.Spec) {
	t.Helper()
	for _, s := range specs {
		if resp := env.Push(t, nugettest.Build(t, s), env.AdminKey); resp.StatusCode != http.StatusCreated {
			t.Fatalf("push %s %s: status %d: %s", s.ID, s.Version, resp.StatusCode, protocoltest.ReadBody(t, resp))
		}
	}
}

// atomFeed is what the tests read back from a feed.
type atomFeed struct {
	Count   *int        `xml:"count"`
	Entries []atomEntry `xml:"entry"`
	Links   []struct {
		Rel  string `xml:"rel,attr"`
		Href string `xml:"href,attr"`
	} `xml:"link"`
}

type atomEntry struct {
	Title   string `xml:"title"`
	Content struct {
		Type string `xml:"type,attr"`
		Src  string `xml:"src,attr"`
	} `xml:"content"`
	Props struct {
		ID                      string `xml:"Id"`
		Version                 string `xml:"Version"`
		Published               string `xml:"Published"`
		IsLatestVersion         bool   `xml:"IsLatestVersion"`
		IsAbsoluteLatestVersion bool   `xml:"IsAbsoluteLatestVersion"`
		Dependencies            string `xml:"Dependencies"`
		DownloadCount           int    `xml:"DownloadCount"`
	} `xml:"properties"`
}

func (f atomFeed) next() string {
	for _, l := range f.Links {
		if l.Rel == "next" {
			return l.Href
		}
	}
	return ""
}

// names lists "Id Version" of every entry.
func (f atomFeed) names() []string {
	out := []string{}
	for _, e := range f.Entries {
		out = append(out, e.Props.ID+" "+e.Props.Version)
	}
	return out
}

func getFeed(t *testing.T, env *protocoltest.Env, path string) atomFeed {
	t.Helper()
	path = strings.ReplaceAll(path, " ", "%20")
	resp, body := get(t, env, path)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: status %d: %s", path, resp.StatusCode, body)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/atom+xml;type=feed;charset=utf-8" {
		t.Errorf("GET %s: Content-Type = %q", path, ct)
	}
	var f atomFeed
	if err := xml.Unmarshal(body, &f); err != nil {
		t.Fatalf("GET %s: %v\n%s", path, err, body)
	}
	return f
}

func TestGolden(t *testing.T) {
	env := protocoltest.New(t)
	pushFixtures(t, env, "Fixture.Versions.1.0.0.nupkg", "Fixture.Versions.2.0.0.nupkg", "Fixture.Groups.3.0.0.nupkg",
		"Fixture.Xss.1.0.0.nupkg", "Fixture.LicenseFile.1.0.0.nupkg")
	tests := []struct{ name, path string }{
		{"servicedocument.golden.xml", "/api/v2/"},
		{"metadata.golden.xml", "/api/v2/$metadata"},
		{"entry.golden.xml", "/api/v2/Packages(Id='Fixture.Groups',Version='3.0.0')"},
		{"entry-licensefile.golden.xml", "/api/v2/Packages(Id='fixture.licensefile',Version='1.0')"},
		{"findpackagesbyid.golden.xml", "/api/v2/FindPackagesById()?id='Fixture.Versions'&semVerLevel=2.0.0"},
		{"search.golden.xml", "/api/v2/Search()?$filter=IsLatestVersion&$orderby=Id&searchTerm='fixture'&targetFramework=''&includePrerelease=false&$skip=0&$top=30&semVerLevel=2.0.0"},
		{"empty.golden.xml", "/api/v2/FindPackagesById()?id='No.Such.Package'&semVerLevel=2.0.0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assertGolden(t, tt.name, getOK(t, env, tt.path))
		})
	}
}

func TestContentTypes(t *testing.T) {
	env := protocoltest.New(t)
	pushFixtures(t, env, "Fixture.ChainC.1.0.0.nupkg")
	tests := []struct{ path, want string }{
		{"/api/v2", "application/atomsvc+xml;charset=utf-8"},
		{"/api/v2/", "application/atomsvc+xml;charset=utf-8"},
		{"/api/v2/$metadata", "application/xml;charset=utf-8"},
		{"/api/v2/Packages(Id='Fixture.ChainC',Version='1.0.0')", "application/atom+xml;type=entry;charset=utf-8"},
		{"/api/v2/Packages", "application/atom+xml;type=feed;charset=utf-8"},
		{"/api/v2/Packages()/$count", "text/plain;charset=utf-8"},
		{"/api/v2/package-ids?partialId=fix", "application/json;charset=utf-8"},
		{"/nuget/", "application/atomsvc+xml;charset=utf-8"},
		{"/nuget/FindPackagesById()?id='Fixture.ChainC'", "application/atom+xml;type=feed;charset=utf-8"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			resp, body := get(t, env, tt.path)
			if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != tt.want {
				t.Errorf("status %d, Content-Type %q; want 200, %q: %s", resp.StatusCode, resp.Header.Get("Content-Type"), tt.want, body)
			}
		})
	}
	// The Octopus-style base advertises itself, not /api/v2.
	if body := getOK(t, env, "/nuget/FindPackagesById()?id='Fixture.ChainC'"); !bytes.Contains(body, []byte(`xml:base="https://feed.example/nuget/"`)) {
		t.Errorf("/nuget feed has the wrong xml:base:\n%s", body)
	}
}

func TestFindPackagesByIDUnknownIsEmptyFeed(t *testing.T) {
	env := protocoltest.New(t)
	for _, path := range []string{
		"/api/v2/FindPackagesById()?id='Nothing.Here'&semVerLevel=2.0.0",
		"/api/v2/FindPackagesById()?id='Nothing.Here'",
		"/api/v2/FindPackagesById()",
		"/api/v2/FindPackagesById()?id=''",
		"/api/v2/FindPackagesById(id='Nothing.Here')",
	} {
		f := getFeed(t, env, path)
		if len(f.Entries) != 0 || f.next() != "" {
			t.Errorf("GET %s: %d entries, next %q; want an empty feed", path, len(f.Entries), f.next())
		}
	}
	if _, body := get(t, env, "/api/v2/FindPackagesById()/$count?id='Nothing.Here'"); string(body) != "0" {
		t.Errorf("$count of an unknown id = %q, want 0", body)
	}
	resp, _ := get(t, env, "/api/v2/Packages(Id='Nothing.Here',Version='1.0.0')")
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("Packages(Id,Version) of an unknown package: status %d, want 404", resp.StatusCode)
	}
}

func TestQueries(t *testing.T) {
	env := protocoltest.New(t)
	pushFixtures(t, env, "Fixture.Versions.1.0.0.nupkg", "Fixture.Versions.2.0.0.nupkg", "Fixture.Prerelease.1.0.0-beta.1.nupkg",
		"Fixture.FourPart.1.2.3.4.nupkg", "Fixture.ChainC.1.0.0.nupkg", "FiXture.MiXedCase.1.0.0.nupkg", "Fixture.Metadata.1.0.0.nupkg")
	pushSpecs(t, env,
		nugettest.Spec{ID: "Other.Lib", Version: "1.0.0", Description: "Parses json files", Tags: "json parser"},
		nugettest.Spec{ID: "Other.Lib", Version: "1.1.0-beta", Description: "Parses json files", Tags: "json parser"},
	)
	tests := []struct {
		name, path string
		want       []string
	}{
		// Restore: every version, SemVer2 only with semVerLevel=2.0.0.
		{"restore", "/api/v2/FindPackagesById()?id='fixture.versions'&semVerLevel=2.0.0", []string{"Fixture.Versions 1.0.0", "Fixture.Versions 2.0.0"}},
		{"restore semver2", "/api/v2/FindPackagesById()?id='Fixture.Prerelease'&semVerLevel=2.0.0", []string{"Fixture.Prerelease 1.0.0-beta.1"}},
		{"restore semver1 hides semver2", "/api/v2/FindPackagesById()?id='Fixture.Prerelease'", []string{}},
		{"metadata shows with semver2", "/api/v2/FindPackagesById()?id='Fixture.Metadata'&semVerLevel=2.0.0", []string{"Fixture.Metadata 1.0.0+build.5"}},
		{"metadata hidden from semver1", "/api/v2/FindPackagesById()?id='Fixture.Metadata'", []string{}},
		// NuGet 2.x.
		{"2.x latest of one id", "/api/v2/FindPackagesById()?$filter=IsLatestVersion&$orderby=Version desc&$top=1&id='Fixture.Versions'", []string{"Fixture.Versions 2.0.0"}},
		{"2.x exact", "/api/v2/Packages()?$filter=Id eq 'Fixture.Versions' and Version eq '1.0.0'", []string{"Fixture.Versions 1.0.0"}},
		{"2.x exact short version finds nothing", "/api/v2/Packages()?$filter=Id eq 'Fixture.Versions' and Version eq '1.0'", []string{}},
		{"tolower id", "/api/v2/Packages()?$filter=tolower(Id) eq 'fixture.mixedcase'", []string{"FiXture.MiXedCase 1.0.0"}},
		{"four part", "/api/v2/Packages()?$filter=Id eq 'Fixture.FourPart'&$select=Id", []string{"Fixture.FourPart 1.2.3.4"}},
		{"packages latest by id", "/api/v2/Packages()?$filter=IsLatestVersion&$orderby=Id", []string{"Fixture.ChainC 1.0.0", "Fixture.FourPart 1.2.3.4", "FiXture.MiXedCase 1.0.0", "Fixture.Versions 2.0.0", "Other.Lib 1.0.0"}},
		{"packages absolute latest semver2", "/api/v2/Packages()?$filter=IsAbsoluteLatestVersion and startswith(Id,'Other')&semVerLevel=2.0.0", []string{"Other.Lib 1.1.0-beta"}},
		{"packages no parens", "/api/v2/Packages?$filter=Id eq 'Other.Lib'&$orderby=Version desc", []string{"Other.Lib 1.1.0-beta", "Other.Lib 1.0.0"}},
		{"search fallback", "/api/v2/Packages()?$filter=((((Id%20ne%20null)%20and%20substringof('json',tolower(Id)))%20or%20((Description%20ne%20null)%20and%20substringof('json',tolower(Description))))%20or%20((Tags%20ne%20null)%20and%20substringof('%20json%20',tolower(Tags))))%20and%20IsLatestVersion&$orderby=Id&$skip=0&$top=30&semVerLevel=2.0.0", []string{"Other.Lib 1.0.0"}},
		{"vs2013 browse", "/api/v2/Packages()?$filter=IsLatestVersion&$orderby=DownloadCount%20desc,Id&$skip=1&$top=2", []string{"Fixture.FourPart 1.2.3.4", "FiXture.MiXedCase 1.0.0"}},
		// nuget list, with and without -Prerelease and -AllVersions.
		{"list", "/api/v2/Search()?$filter=IsLatestVersion&$orderby=Id&searchTerm=''&targetFramework=''&includePrerelease=false&$skip=0&$top=30&semVerLevel=2.0.0",
			[]string{"Fixture.ChainC 1.0.0", "Fixture.FourPart 1.2.3.4", "Fixture.Metadata 1.0.0+build.5", "FiXture.MiXedCase 1.0.0", "Fixture.Versions 2.0.0", "Other.Lib 1.0.0"}},
		{"list prerelease", "/api/v2/Search()?$filter=IsAbsoluteLatestVersion&$orderby=Id&searchTerm=''&targetFramework=''&includePrerelease=true&$skip=0&$top=30&semVerLevel=2.0.0",
			[]string{"Fixture.ChainC 1.0.0", "Fixture.FourPart 1.2.3.4", "Fixture.Metadata 1.0.0+build.5", "FiXture.MiXedCase 1.0.0", "Fixture.Prerelease 1.0.0-beta.1", "Fixture.Versions 2.0.0", "Other.Lib 1.1.0-beta"}},
		{"list all versions", "/api/v2/Search()?$orderby=Id&searchTerm='id:Fixture.Versions'&targetFramework=''&includePrerelease=false&$skip=0&$top=30&semVerLevel=2.0.0",
			[]string{"Fixture.Versions 1.0.0", "Fixture.Versions 2.0.0"}},
		{"list all versions prerelease", "/api/v2/Search()?$orderby=Id&searchTerm='Other.Lib'&targetFramework=''&includePrerelease=true&$skip=0&$top=30&semVerLevel=2.0.0",
			[]string{"Other.Lib 1.0.0", "Other.Lib 1.1.0-beta"}},
		{"search semver1", "/api/v2/Search()?$filter=IsAbsoluteLatestVersion&searchTerm='prerelease'&includePrerelease=true", []string{}},
		{"vs search relevance", "/api/v2/Search()?$filter=IsAbsoluteLatestVersion&searchTerm='Fixture.Versions'&targetFramework='net45'&includePrerelease=true&$skip=0&$top=1&semVerLevel=2.0.0", []string{"Fixture.Versions 2.0.0"}},
		{"search with a filter", "/api/v2/Search()?$filter=IsLatestVersion and Version eq '1.0.0'&$orderby=Id&searchTerm='json'&semVerLevel=2.0.0", []string{"Other.Lib 1.0.0"}},
		// GetUpdates (NuGet 2.x, CI pollers).
		{"updates", "/api/v2/GetUpdates()?packageIds='Fixture.Versions|Other.Lib|Nope'&versions='1.0.0|1.0.0|1.0'&includePrerelease=false&includeAllVersions=false&targetFrameworks='net45'&versionConstraints='||'", []string{"Fixture.Versions 2.0.0"}},
		{"updates prerelease", "/api/v2/GetUpdates()?packageIds='Fixture.Versions|Other.Lib'&versions='1.0.0|1.0.0'&includePrerelease=true&includeAllVersions=true&semVerLevel=2.0.0", []string{"Fixture.Versions 2.0.0", "Other.Lib 1.1.0-beta"}},
		{"updates constrained", "/api/v2/GetUpdates()?packageIds='Fixture.Versions'&versions='0.5'&includeAllVersions=true&versionConstraints='[1.0,2.0)'", []string{"Fixture.Versions 1.0.0"}},
		{"poller", "/api/v2/GetUpdates()?packageIds='Fixture.Versions'&versions='0.0.0'&includePrerelease=false&includeAllVersions=true&$orderby=Version desc&$top=1", []string{"Fixture.Versions 2.0.0"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := getFeed(t, env, strings.ReplaceAll(tt.path, " ", "%20")).names()
			if !slices.Equal(got, tt.want) {
				t.Errorf("entries = %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestEntryFlagsAndLinks(t *testing.T) {
	env := protocoltest.New(t)
	pushFixtures(t, env, "Fixture.Versions.1.0.0.nupkg", "Fixture.Versions.2.0.0.nupkg", "Fixture.ChainA.1.0.0.nupkg")
	f := getFeed(t, env, "/api/v2/FindPackagesById()?id='Fixture.Versions'&semVerLevel=2.0.0")
	if len(f.Entries) != 2 || f.Entries[0].Props.IsLatestVersion || !f.Entries[1].Props.IsLatestVersion || !f.Entries[1].Props.IsAbsoluteLatestVersion {
		t.Fatalf("flags wrong: %+v", f.Entries)
	}
	src := f.Entries[1].Content.Src
	if src != "https://feed.example/api/v2/package/Fixture.Versions/2.0.0" || f.Entries[1].Content.Type != "application/zip" {
		t.Errorf("content = %+v", f.Entries[1].Content)
	}
	// The content link downloads the very bytes pushed.
	resp, body := env.Do(t, http.MethodGet, strings.TrimPrefix(src, "https://feed.example"), nil, "")
	if resp.StatusCode != 200 || !bytes.Equal(body, fixtures.Good("Fixture.Versions.2.0.0.nupkg")) {
		t.Errorf("download: status %d, %d bytes differ from the fixture", resp.StatusCode, len(body))
	}
	// Downloads are counted per version and per id.
	f = getFeed(t, env, "/api/v2/FindPackagesById()?id='Fixture.Versions'")
	if f.Entries[0].Props.DownloadCount != 1 {
		t.Errorf("DownloadCount = %d, want 1 (all versions)", f.Entries[0].Props.DownloadCount)
	}
	// The content element is self-closing (some consumers test IsEmptyElement).
	body = getOK(t, env, "/api/v2/FindPackagesById()?id='Fixture.ChainA'")
	if !bytes.Contains(body, []byte(`<content type="application/zip" src="https://feed.example/api/v2/package/Fixture.ChainA/1.0.0" />`)) {
		t.Errorf("no self-closing content element:\n%s", body)
	}
	if !bytes.Contains(body, []byte(`<d:Dependencies>Fixture.ChainB:[1.0.0, 2.0.0):</d:Dependencies>`)) {
		t.Errorf("dependencies wrong:\n%s", body)
	}
	// The edit-media link sends the client to the download.
	resp, _ = env.Do(t, http.MethodGet, "/api/v2/Packages(Id='Fixture.ChainA',Version='1.0.0')/$value", nil, "")
	if resp.StatusCode != 200 || resp.Request.URL.Path != "/api/v2/package/Fixture.ChainA/1.0.0" {
		t.Errorf("$value: status %d at %s", resp.StatusCode, resp.Request.URL)
	}
}

func TestUnlisted(t *testing.T) {
	env := protocoltest.New(t, protocoltest.WithOptions(func(o *protocol.Options) { o.DeleteMode = "unlist" }))
	pushFixtures(t, env, "Fixture.Versions.1.0.0.nupkg", "Fixture.Versions.2.0.0.nupkg")
	if resp, body := env.Do(t, http.MethodDelete, "/api/v2/package/Fixture.Versions/2.0.0", nil, env.AdminKey); resp.StatusCode >= 300 {
		t.Fatalf("unlist: status %d: %s", resp.StatusCode, body)
	}
	// Restore still sees it (exact versions stay restorable), marked unlisted by the 1900 date.
	f := getFeed(t, env, "/api/v2/FindPackagesById()?id='Fixture.Versions'&semVerLevel=2.0.0")
	if got := f.names(); !slices.Equal(got, []string{"Fixture.Versions 1.0.0", "Fixture.Versions 2.0.0"}) {
		t.Fatalf("entries = %q", got)
	}
	if p := f.Entries[1].Props; p.Published != "1900-01-01T00:00:00" || p.IsLatestVersion || p.IsAbsoluteLatestVersion {
		t.Errorf("unlisted entry: %+v", p)
	}
	if p := f.Entries[0].Props; !strings.HasPrefix(p.Published, "20") || !p.IsLatestVersion {
		t.Errorf("listed entry: %+v", p)
	}
	// Search and latest leave it.
	f = getFeed(t, env, "/api/v2/Search()?$filter=IsLatestVersion&searchTerm=''&semVerLevel=2.0.0")
	if got := f.names(); !slices.Equal(got, []string{"Fixture.Versions 1.0.0"}) {
		t.Errorf("search = %q", got)
	}
	f = getFeed(t, env, "/api/v2/Search()?searchTerm='versions'&$orderby=Id&semVerLevel=2.0.0")
	if got := f.names(); !slices.Equal(got, []string{"Fixture.Versions 1.0.0"}) {
		t.Errorf("search all versions = %q", got)
	}
	// The exact entry is still there.
	if body := getOK(t, env, "/api/v2/Packages(Id='Fixture.Versions',Version='2.0.0')"); !bytes.Contains(body, []byte("1900-01-01T00:00:00")) {
		t.Errorf("exact entry is not marked unlisted:\n%s", body)
	}
}

func TestPaging(t *testing.T) {
	env := protocoltest.New(t)
	const n = 230
	for i := range n {
		pushSpecs(t, env, nugettest.Spec{ID: "Paged", Version: "1.0." + strconv.Itoa(i)})
	}
	seen := map[string]bool{}
	urls := map[string]bool{}
	path := "/api/v2/FindPackagesById()?id='Paged'&semVerLevel=2.0.0"
	pages := 0
	for path != "" {
		f := getFeed(t, env, path)
		pages++
		for _, name := range f.names() {
			if seen[name] {
				t.Fatalf("%s twice", name)
			}
			seen[name] = true
		}
		next := f.next()
		if next != "" {
			if urls[next] {
				t.Fatalf("next link %s twice", next)
			}
			urls[next] = true
			if len(f.Entries) != 100 || !strings.HasPrefix(next, "https://feed.example/api/v2/FindPackagesById()?") {
				t.Fatalf("next link %q after %d entries", next, len(f.Entries))
			}
			next = strings.TrimPrefix(next, "https://feed.example")
		}
		path = next
	}
	if len(seen) != n || pages != 3 {
		t.Errorf("%d entries in %d pages, want %d in 3", len(seen), pages, n)
	}
	// $top above the page size continues through next links up to $top.
	f := getFeed(t, env, "/api/v2/Packages()?$filter=Id eq 'Paged'&$orderby=Version desc&$top=150&$inlinecount=allpages")
	if len(f.Entries) != 100 || f.Entries[0].Props.Version != "1.0.229" || f.Count == nil || *f.Count != n {
		t.Fatalf("first page: %d entries, first %s, count %v", len(f.Entries), f.Entries[0].Props.Version, f.Count)
	}
	next := strings.TrimPrefix(f.next(), "https://feed.example")
	if !strings.Contains(next, "%24skip=100") || !strings.Contains(next, "%24top=50") {
		t.Fatalf("next = %q", next)
	}
	f = getFeed(t, env, next)
	if len(f.Entries) != 50 || f.next() != "" || f.Entries[0].Props.Version != "1.0.129" {
		t.Errorf("second page: %d entries, next %q", len(f.Entries), f.next())
	}
	// A page that is not full has no next link, nor has a $top that is used up.
	if f := getFeed(t, env, "/api/v2/FindPackagesById()?id='Paged'&$skip=200"); len(f.Entries) != 30 || f.next() != "" {
		t.Errorf("last page: %d entries, next %q", len(f.Entries), f.next())
	}
	if f := getFeed(t, env, "/api/v2/Search()?$filter=IsLatestVersion&searchTerm=''&$top=30"); len(f.Entries) != 1 || f.next() != "" {
		t.Errorf("search: %d entries, next %q", len(f.Entries), f.next())
	}
	counts := map[string]string{
		"/api/v2/FindPackagesById()/$count?id='Paged'":                                              "230",
		"/api/v2/FindPackagesById()/$count?id='Paged'&$top=10":                                      "10",
		"/api/v2/FindPackagesById()/$count?id='Paged'&$skip=225":                                    "5",
		"/api/v2/Packages()/$count":                                                                 "230",
		"/api/v2/Packages/$count?$filter=IsLatestVersion":                                           "1",
		"/api/v2/Search()/$count?searchTerm='paged'&includePrerelease=true":                         "230",
		"/api/v2/Search()/$count?$filter=IsLatestVersion&searchTerm='paged'":                        "1",
		"/api/v2/GetUpdates()/$count?packageIds='Paged'&versions='1.0.200'&includeAllVersions=true": "29",
	}
	for path, want := range counts {
		resp, body := get(t, env, strings.ReplaceAll(path, " ", "%20"))
		if resp.StatusCode != 200 || string(body) != want || resp.Header.Get("Content-Type") != "text/plain;charset=utf-8" {
			t.Errorf("GET %s: %d %q, want 200 %q", path, resp.StatusCode, body, want)
		}
	}
}

func TestBadQueries(t *testing.T) {
	env := protocoltest.New(t)
	tests := []struct{ path, mention string }{
		{"/api/v2/Packages()?$filter=Foo eq 'x'", `unknown property "Foo"`},
		{"/api/v2/Packages()?$filter=Id eq", "ends too early"},
		{"/api/v2/Packages()?$orderby=Nope desc", `unknown property "Nope"`},
		{"/api/v2/Packages()?$expand=Foo", "$expand is not supported"},
		{"/api/v2/Packages()?$skiptoken='A','1.0'", "$skiptoken is not supported"},
		{"/api/v2/Packages()?$top=-5", "$top=-5"},
		{"/api/v2/Packages()?$format=json", "$format=json"},
		{"/api/v2/Search()?$filter=Published gt datetime'2020-01-01'", "typed literal datetime"},
		{"/api/v2/Packages(Id='x')", "needs Version"},
		{"/api/v2/GetUpdates()?packageIds='A|B'&versions='1.0'", "2 packageIds but 1 versions"},
		{"/api/v2/GetUpdates()?packageIds='A'&versions='x.y'", `version "x.y"`},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			resp, body := get(t, env, strings.ReplaceAll(tt.path, " ", "%20"))
			if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), tt.mention) {
				t.Errorf("status %d, body %q; want 400 mentioning %q", resp.StatusCode, body, tt.mention)
			}
			if !strings.Contains(resp.Header.Get("X-NuGet-Warning"), tt.mention) {
				t.Errorf("X-NuGet-Warning = %q", resp.Header.Get("X-NuGet-Warning"))
			}
		})
	}
	for _, path := range []string{"/api/v2/Nothing()", "/api/v2/Packages()/Foo", "/api/v2/Packages(Id='x',Version='not.a.version')"} {
		if resp, _ := get(t, env, path); resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: status %d, want 404", path, resp.StatusCode)
		}
	}
}

func TestAutocomplete(t *testing.T) {
	env := protocoltest.New(t)
	pushFixtures(t, env, "Fixture.Versions.1.0.0.nupkg", "Fixture.Versions.2.0.0.nupkg", "Fixture.Prerelease.1.0.0-beta.1.nupkg")
	pushSpecs(t, env, nugettest.Spec{ID: "Fixture.Versions", Version: "3.0.0-rc"})
	tests := []struct{ path, want string }{
		{"/api/v2/package-ids?partialId=fixture.v&includePrerelease=false", `["Fixture.Versions"]`},
		{"/api/v2/package-ids?partialId=fixture.p&includePrerelease=true&semVerLevel=2.0.0", `["Fixture.Prerelease"]`},
		{"/api/v2/package-ids?partialId=fixture.p&includePrerelease=true", `[]`},
		{"/api/v2/package-versions/fixture.versions?includePrerelease=false", `["1.0.0","2.0.0"]`},
		{"/api/v2/package-versions/Fixture.Versions?includePrerelease=true", `["1.0.0","2.0.0","3.0.0-rc"]`},
		{"/api/v2/package-versions/Nope", `[]`},
		{"/nuget/package-versions/Fixture.Versions", `["1.0.0","2.0.0"]`},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			resp, body := get(t, env, tt.path)
			if resp.StatusCode != 200 || string(body) != tt.want {
				t.Errorf("%d %s, want 200 %s", resp.StatusCode, body, tt.want)
			}
		})
	}
}

// TestChangesVisibleAtOnce: nothing is cached between requests, so a push or
// delete shows in the very next FindPackagesById.
func TestChangesVisibleAtOnce(t *testing.T) {
	env := protocoltest.New(t)
	path := "/api/v2/FindPackagesById()?id='Fixture.Versions'"
	if n := len(getFeed(t, env, path).Entries); n != 0 {
		t.Fatalf("%d entries before the push", n)
	}
	pushFixtures(t, env, "Fixture.Versions.1.0.0.nupkg")
	if n := len(getFeed(t, env, path).Entries); n != 1 {
		t.Fatalf("%d entries after the push, want 1", n)
	}
	if resp, body := env.Do(t, http.MethodDelete, "/api/v2/package/Fixture.Versions/1.0.0", nil, env.AdminKey); resp.StatusCode >= 300 {
		t.Fatalf("delete: %d %s", resp.StatusCode, body)
	}
	if n := len(getFeed(t, env, path).Entries); n != 0 {
		t.Fatalf("%d entries after the delete, want 0", n)
	}
}

func TestReadAuth(t *testing.T) {
	env := protocoltest.New(t, protocoltest.WithOptions(func(o *protocol.Options) { o.RequireAuthForReads = true }))
	pushFixtures(t, env, "Fixture.ChainC.1.0.0.nupkg")
	path := "/api/v2/FindPackagesById()?id='Fixture.ChainC'"
	resp, _ := get(t, env, path)
	if resp.StatusCode != http.StatusUnauthorized || !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Basic") {
		t.Errorf("anonymous: status %d, WWW-Authenticate %q; want 401 Basic", resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
	}
	// $metadata stays anonymous: the client's capability probe.
	if resp, _ := get(t, env, "/api/v2/$metadata"); resp.StatusCode != 200 {
		t.Errorf("$metadata: status %d, want 200", resp.StatusCode)
	}
	resp, body := env.Do(t, http.MethodGet, path, nil, "", "Authorization", "Basic "+basic("user", env.ReaderKey))
	if resp.StatusCode != 200 || !bytes.Contains(body, []byte("Fixture.ChainC")) {
		t.Errorf("with a reader key: status %d", resp.StatusCode)
	}
}

func basic(user, pass string) string {
	return base64.StdEncoding.EncodeToString([]byte(user + ":" + pass))
}
