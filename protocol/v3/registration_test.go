package v3_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/feedserver/feedserver/nuget/nugettest"
	"github.com/feedserver/feedserver/protocol"
	"github.com/feedserver/feedserver/protocol/protocoltest"
)

func TestServiceIndex(t *testing.T) {
	env := protocoltest.New(t)
	code, body := get(t, env, "/v3/index.json")
	if code != http.StatusOK {
		t.Fatalf("status %d", code)
	}
	assertGolden(t, "serviceindex.json", body)

	var doc struct {
		Resources []struct {
			ID            string `json:"@id"`
			Type          string `json:"@type"`
			ClientVersion string `json:"clientVersion"`
		} `json:"resources"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatal(err)
	}
	byType := map[string]string{}
	for _, r := range doc.Resources {
		if _, dup := byType[r.Type]; dup {
			t.Errorf("type %s listed twice", r.Type)
		}
		byType[r.Type] = r.ID
	}
	// The types NuGet.exe 5.8 recognises (docs/protocol/nuget.md §2.2) and the hive each must reach.
	for typ, want := range map[string]string{
		"SearchQueryService/3.0.0-beta":        "https://feed.example/v3/search",
		"SearchAutocompleteService/3.0.0-beta": "https://feed.example/v3/autocomplete",
		"RegistrationsBaseUrl/3.0.0-beta":      "https://feed.example/v3/registration/",
		"RegistrationsBaseUrl/3.4.0":           "https://feed.example/v3/registration/",
		"RegistrationsBaseUrl/3.6.0":           "https://feed.example/v3/registration-semver2/",
		"RegistrationsBaseUrl/Versioned":       "https://feed.example/v3/registration-semver2/",
		"LegacyGallery/2.0.0":                  "https://feed.example/api/v2",
		"PackageDetailsUriTemplate/5.1.0":      "https://feed.example/packages/{id}/{version}",
		"PackagePublish/2.0.0":                 "https://feed.example/api/v2/package",
		"PackageBaseAddress/3.0.0":             "https://feed.example/v3/package/",
		"SymbolPackagePublish/4.9.0":           "https://feed.example/api/v2/symbolpackage",
	} {
		if got := byType[typ]; got != want {
			t.Errorf("%s = %q, want %q", typ, got, want)
		}
	}

	// Under http the details template is left out: NuGet accepts only https templates.
	_, plain := env.Do(t, http.MethodGet, "/v3/index.json", nil, "")
	if strings.Contains(string(plain), "PackageDetailsUriTemplate") {
		t.Errorf("http service index lists PackageDetailsUriTemplate:\n%s", plain)
	}
}

func TestRegistrationGolden(t *testing.T) {
	env := protocoltest.New(t)
	pushFixture(t, env, "Fixture.Versions.1.0.0.nupkg", "Fixture.Versions.2.0.0.nupkg",
		"Fixture.Groups.3.0.0.nupkg", "Fixture.Plain.1.0.0.nupkg", "Fixture.Metadata.1.0.0.nupkg",
		"Fixture.LicenseFile.1.0.0.nupkg", "Fixture.Readme.1.0.0.nupkg")
	resp, _ := env.Do(t, http.MethodDelete, "/api/v2/package/Fixture.Versions/1.0.0", nil, env.AdminKey)
	if resp.StatusCode/100 != 2 {
		t.Fatalf("delete: %d", resp.StatusCode)
	}
	// 1.0.0 back, to unlist it (the default delete mode removed it).
	pushFixture(t, env, "Fixture.Versions.1.0.0.nupkg")
	if _, err := env.Feed.SetListed(t.Context(), "Spaces-1", "nuget", "Fixture.Versions", "1.0.0", false); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct{ golden, path string }{
		{"registration-inlined.json", "/v3/registration/fixture.versions/index.json"},
		{"registration-groups.json", "/v3/registration-semver2/fixture.groups/index.json"},
		{"registration-license.json", "/v3/registration/fixture.plain/index.json"},
		{"registration-metadata.json", "/v3/registration-semver2/fixture.metadata/index.json"},
		{"leaf.json", "/v3/registration/fixture.versions/2.0.0.json"},
		// iconUrl and licenseUrl of an embedded icon and licence file point into the flat container.
		{"registration-embedded.json", "/v3/registration-semver2/fixture.licensefile/index.json"},
		{"registration-readme.json", "/v3/registration-semver2/fixture.readme/index.json"},
	} {
		t.Run(tc.golden, func(t *testing.T) {
			code, body := get(t, env, tc.path)
			if code != http.StatusOK {
				t.Fatalf("status %d: %s", code, body)
			}
			assertGolden(t, tc.golden, body)
		})
	}
}

func TestRegistrationPaged(t *testing.T) {
	env := protocoltest.New(t)
	const n = 130
	for i := range n {
		pushSpec(t, env, nugettest.Spec{ID: "Many.Versions", Version: fmt.Sprintf("1.%d.0", i)})
	}
	code, body := get(t, env, "/v3/registration/many.versions/index.json")
	if code != http.StatusOK {
		t.Fatalf("status %d", code)
	}
	assertGolden(t, "registration-paged.json", body)
	var ix regIndex
	if err := json.Unmarshal(body, &ix); err != nil {
		t.Fatal(err)
	}
	if ix.Count != 3 || len(ix.Items) != 3 {
		t.Fatalf("count %d, %d pages; want 3 pages of 64, 64, 2", ix.Count, len(ix.Items))
	}
	var all []string
	for i, p := range ix.Items {
		if len(p.Items) != 0 {
			t.Errorf("page %d inlines %d items; from 128 versions pages are fetched apart", i, len(p.Items))
		}
		// The client fetches the page at its @id, which must be under the public base URL.
		path, ok := strings.CutPrefix(p.ID, "https://feed.example")
		if !ok {
			t.Fatalf("page @id %q not under the public URL", p.ID)
		}
		var page regPage
		pageBody := getJSON(t, env, path, &page)
		if i == 0 {
			assertGolden(t, "registration-page.json", pageBody)
		}
		if page.Count != len(page.Items) || page.Lower != p.Lower || page.Upper != p.Upper {
			t.Errorf("page %d: count %d, %d items, %s..%s; index says %d, %s..%s",
				i, page.Count, len(page.Items), page.Lower, page.Upper, p.Count, p.Lower, p.Upper)
		}
		for _, l := range page.Items {
			all = append(all, l.CatalogEntry.Version)
		}
	}
	if len(all) != n || all[0] != "1.0.0" || all[n-1] != "1.129.0" || all[2] != "1.2.0" {
		t.Errorf("versions over all pages: %d, first %v", len(all), all[:min(3, len(all))])
	}

	// 127 versions: one inlined page.
	resp, _ := env.Do(t, http.MethodDelete, "/api/v2/package/Many.Versions/1.5.0", nil, env.AdminKey)
	resp2, _ := env.Do(t, http.MethodDelete, "/api/v2/package/Many.Versions/1.6.0", nil, env.AdminKey)
	resp3, _ := env.Do(t, http.MethodDelete, "/api/v2/package/Many.Versions/1.7.0", nil, env.AdminKey)
	if resp.StatusCode/100 != 2 || resp2.StatusCode/100 != 2 || resp3.StatusCode/100 != 2 {
		t.Fatalf("deletes: %d %d %d", resp.StatusCode, resp2.StatusCode, resp3.StatusCode)
	}
	getJSON(t, env, "/v3/registration/many.versions/index.json", &ix)
	if ix.Count != 1 || len(ix.Items[0].Items) != 127 {
		t.Errorf("127 versions: %d pages, %d inlined; want 1 page of 127", ix.Count, len(ix.Items[0].Items))
	}
	// A page URL that covers nothing is a 404, not an empty page (the client would choke on it).
	if code, _ := get(t, env, "/v3/registration/many.versions/page/9.0.0/9.9.0.json"); code != http.StatusNotFound {
		t.Errorf("empty page: status %d, want 404", code)
	}
}

func TestSemVer1HiveHidesSemVer2(t *testing.T) {
	env := protocoltest.New(t)
	pushFixture(t, env, "Fixture.Prerelease.1.0.0-beta.1.nupkg", "Fixture.Metadata.1.0.0.nupkg")
	pushSpec(t, env,
		nugettest.Spec{ID: "Mixed", Version: "1.0.0"},
		nugettest.Spec{ID: "Mixed", Version: "2.0.0-beta.1"},  // dotted label
		nugettest.Spec{ID: "Mixed", Version: "1.5.0-beta"},    // SemVer1 prerelease
		nugettest.Spec{ID: "Mixed", Version: "3.0.0+build.7"}, // metadata
		nugettest.Spec{ID: "Mixed", Version: "4.0.0", Dependencies: []string{"Other:[1.0.0-a.1, )"}},
	)
	tests := []struct {
		path     string
		wantCode int
		want     []string
	}{
		{"/v3/registration/fixture.prerelease/index.json", 404, nil},
		{"/v3/registration-semver2/fixture.prerelease/index.json", 200, []string{"1.0.0-beta.1"}},
		{"/v3/registration/fixture.metadata/index.json", 404, nil},
		{"/v3/registration-semver2/fixture.metadata/index.json", 200, []string{"1.0.0+build.5"}},
		{"/v3/registration/mixed/index.json", 200, []string{"1.0.0", "1.5.0-beta"}},
		{"/v3/registration-semver2/mixed/index.json", 200, []string{"1.0.0", "1.5.0-beta", "2.0.0-beta.1", "3.0.0+build.7", "4.0.0"}},
		{"/v3/registration/fixture.prerelease/1.0.0-beta.1.json", 404, nil},
		{"/v3/registration-semver2/fixture.prerelease/1.0.0-beta.1.json", 200, nil},
		{"/v3/registration/mixed/4.0.0.json", 404, nil},
		{"/v3/registration/no.such.package/index.json", 404, nil},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			code, body := get(t, env, tt.path)
			if code != tt.wantCode {
				t.Fatalf("status %d, want %d: %s", code, tt.wantCode, body)
			}
			if tt.want == nil {
				return
			}
			var ix regIndex
			if err := json.Unmarshal(body, &ix); err != nil {
				t.Fatal(err)
			}
			if got := ix.versions(); !slices.Equal(got, tt.want) {
				t.Errorf("versions %v, want %v", got, tt.want)
			}
		})
	}
}

func TestRegistrationCaseInsensitive(t *testing.T) {
	env := protocoltest.New(t)
	pushFixture(t, env, "FiXture.MiXedCase.1.0.0.nupkg")
	for _, path := range []string{
		"/v3/registration/fixture.mixedcase/index.json",
		"/v3/registration/FIXTURE.MIXEDCASE/index.json",
		"/v3/registration-semver2/FiXture.MiXedCase/index.json",
	} {
		var ix regIndex
		getJSON(t, env, path, &ix)
		leaf := ix.Items[0].Items[0]
		if leaf.CatalogEntry.ID != "FiXture.MiXedCase" {
			t.Errorf("%s: id %q, want the pushed casing", path, leaf.CatalogEntry.ID)
		}
		if !strings.HasSuffix(leaf.PackageContent, "/v3/package/fixture.mixedcase/1.0.0/fixture.mixedcase.1.0.0.nupkg") {
			t.Errorf("%s: packageContent %q, want the lowercase flat-container URL", path, leaf.PackageContent)
		}
	}
	if code, _ := get(t, env, "/v3/registration/FIXTURE.mixedcase/1.0.0.json"); code != http.StatusOK {
		t.Errorf("leaf in other case: %d", code)
	}
}

// The packageContent of a leaf is what nuget install downloads: it must serve the pushed bytes.
func TestPackageContentDownloads(t *testing.T) {
	env := protocoltest.New(t)
	nupkg := nugettest.Build(t, nugettest.Spec{ID: "Down.Load", Version: "1.0.0-Beta"})
	push(t, env, nupkg)
	var ix regIndex
	getJSON(t, env, "/v3/registration/down.load/index.json", &ix)
	u := strings.Replace(ix.Items[0].Items[0].PackageContent, "https://feed.example", "", 1)
	resp, body := env.Do(t, http.MethodGet, u, nil, "")
	if resp.StatusCode != 200 || !bytes.Equal(body, nupkg) {
		t.Errorf("GET %s: %d, %d bytes; want the %d pushed bytes", u, resp.StatusCode, len(body), len(nupkg))
	}
}

// A push, a delete or a listing change is visible to the very next request,
// whatever the cache holds.
func TestRegistrationFreshness(t *testing.T) {
	env := protocoltest.New(t, protocoltest.WithOptions(func(o *protocol.Options) { o.DeleteMode = "delete" }))
	const path = "/v3/registration/fresh/index.json"
	versions := func() ([]string, []bool) {
		var ix regIndex
		getJSON(t, env, path, &ix)
		var listed []bool
		for _, p := range ix.Items {
			for _, l := range p.Items {
				listed = append(listed, *l.CatalogEntry.Listed)
			}
		}
		return ix.versions(), listed
	}
	pushSpec(t, env, nugettest.Spec{ID: "Fresh", Version: "1.0.0"})
	versions() // warm the cache
	versions()
	pushSpec(t, env, nugettest.Spec{ID: "Fresh", Version: "1.1.0"})
	if got, _ := versions(); !slices.Equal(got, []string{"1.0.0", "1.1.0"}) {
		t.Errorf("after push: %v", got)
	}
	if _, err := env.Feed.SetListed(t.Context(), "Spaces-1", "nuget", "Fresh", "1.1.0", false); err != nil {
		t.Fatal(err)
	}
	if got, listed := versions(); !slices.Equal(listed, []bool{true, false}) {
		t.Errorf("after unlist: %v listed %v", got, listed)
	}
	resp, _ := env.Do(t, http.MethodDelete, "/api/v2/package/Fresh/1.0.0", nil, env.AdminKey)
	if resp.StatusCode/100 != 2 {
		t.Fatalf("delete: %d", resp.StatusCode)
	}
	if got, _ := versions(); !slices.Equal(got, []string{"1.1.0"}) {
		t.Errorf("after delete: %v", got)
	}
	resp, _ = env.Do(t, http.MethodDelete, "/api/v2/package/Fresh/1.1.0", nil, env.AdminKey)
	if resp.StatusCode/100 != 2 {
		t.Fatalf("delete: %d", resp.StatusCode)
	}
	if code, _ := get(t, env, path); code != http.StatusNotFound {
		t.Errorf("after deleting every version: %d, want 404", code)
	}
}

func TestRegistrationGzipAndETag(t *testing.T) {
	env := protocoltest.New(t)
	pushFixture(t, env, "Fixture.Groups.3.0.0.nupkg")
	const path = "/v3/registration/fixture.groups/index.json"
	_, plain := get(t, env, path)

	// Ask for gzip explicitly, so the test client does not decompress behind our back.
	req, _ := http.NewRequest(http.MethodGet, env.URL+path, nil)
	req.Header.Set("Accept-Encoding", "gzip")
	req.Header.Set("X-Forwarded-Proto", "https")
	req.Header.Set("X-Forwarded-Host", "feed.example")
	resp, err := env.Server.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("Content-Encoding %q, want gzip", resp.Header.Get("Content-Encoding"))
	}
	zr, err := gzip.NewReader(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	unzipped, err := io.ReadAll(zr)
	if err != nil || !bytes.Equal(unzipped, plain) {
		t.Errorf("gzipped body differs from the plain one (err %v)", err)
	}

	etag := resp.Header.Get("ETag")
	req.Header.Set("If-None-Match", etag)
	resp2, err := env.Server.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp2.Body.Close()
	if resp2.StatusCode != http.StatusNotModified {
		t.Errorf("If-None-Match %s: status %d, want 304", etag, resp2.StatusCode)
	}
}

func TestRegistrationReadAuth(t *testing.T) {
	env := protocoltest.New(t, protocoltest.WithOptions(func(o *protocol.Options) { o.RequireAuthForReads = true }))
	pushFixture(t, env, "Fixture.Plain.1.0.0.nupkg")
	for _, path := range []string{"/v3/registration/fixture.plain/index.json", "/v3/search?q=plain", "/v3/autocomplete?q=fix"} {
		resp, _ := env.Do(t, http.MethodGet, path, nil, "")
		if resp.StatusCode != http.StatusUnauthorized || !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Basic") {
			t.Errorf("%s anonymous: %d %q, want 401 with a Basic challenge", path, resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
		}
		req, _ := http.NewRequest(http.MethodGet, env.URL+path, nil)
		req.SetBasicAuth("user", env.ReaderKey)
		resp, err := env.Server.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("%s with the reader key: %d", path, resp.StatusCode)
		}
	}
}
