package web_test

import (
	"bytes"
	"encoding/json"
	"image"
	"image/png"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/feedserver/feedserver/fixtures"
	"github.com/feedserver/feedserver/nuget/nugettest"
	"github.com/feedserver/feedserver/protocol/protocoltest"
)

// pushFixtures pushes good fixtures by file name.
func pushFixtures(t *testing.T, env *protocoltest.Env, names ...string) {
	t.Helper()
	for _, n := range names {
		if resp := env.Push(t, fixtures.Good(n), env.AdminKey); resp.StatusCode != http.StatusCreated {
			t.Fatalf("push %s: %d %s", n, resp.StatusCode, protocoltest.ReadBody(t, resp))
		}
	}
}

// get fetches a page without a key and returns its status and body.
func get(t *testing.T, env *protocoltest.Env, path string) (*http.Response, string) {
	t.Helper()
	resp, body := env.Do(t, http.MethodGet, path, nil, "")
	return resp, string(body)
}

func TestRootRedirects(t *testing.T) {
	env := protocoltest.New(t)
	client := env.Server.Client()
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := client.Get(env.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "/packages" {
		t.Errorf("GET / = %d to %q, want 302 to /packages", resp.StatusCode, resp.Header.Get("Location"))
	}
}

func TestPackagesPage(t *testing.T) {
	env := protocoltest.New(t)
	pushFixtures(t, env, "Fixture.ChainA.1.0.0.nupkg", "Fixture.ChainB.1.1.0.nupkg", "Fixture.Prerelease.1.0.0-beta.1.nupkg",
		"Fixture.Versions.1.0.0.nupkg", "Fixture.Versions.2.0.0.nupkg")
	raw, ct := protocoltest.Multipart(t, "file", "MyApp.Web.2.1.0.zip", nugettest.Zip(t, map[string][]byte{"a.txt": []byte("a")}))
	if resp, body := env.Do(t, http.MethodPost, "/api/packages/raw", bytes.NewReader(raw), env.AdminKey, "Content-Type", ct); resp.StatusCode != http.StatusCreated {
		t.Fatalf("raw upload: %d %s", resp.StatusCode, body)
	}
	if resp, body := env.Do(t, http.MethodPut, "/api/packages/team/generic/cli-tool/1.2.3/tool.tar.gz", strings.NewReader("bytes"), env.AdminKey); resp.StatusCode != http.StatusCreated {
		t.Fatalf("generic upload: %d %s", resp.StatusCode, body)
	}

	tests := []struct {
		name, path string
		want       []string
		notWant    []string
	}{
		{name: "all", path: "/packages", want: []string{"Fixture.ChainA", "Fixture.Versions", "MyApp.Web", "cli-tool", ">2.0.0<", "of 5 packages"},
			notWant: []string{"Fixture.Prerelease"}},
		{name: "search", path: "/packages?q=ChainA", want: []string{"Fixture.ChainA"}, notWant: []string{"Fixture.Versions"}},
		{name: "prerelease", path: "/packages?prerelease=true&kind=nuget", want: []string{"Fixture.Prerelease", "1.0.0-beta.1"}, notWant: []string{"MyApp.Web"}},
		{name: "archives", path: "/packages?kind=raw", want: []string{"MyApp.Web", "2.1.0", "Archive"}, notWant: []string{"Fixture.ChainA", "cli-tool"}},
		{name: "generic", path: "/packages?kind=generic", want: []string{"cli-tool", "1.2.3", "/packages/generic/team/cli-tool"}, notWant: []string{"Fixture.ChainA"}},
		{name: "owner", path: "/packages?owner=team", want: []string{"cli-tool"}, notWant: []string{"Fixture.ChainA"}},
		{name: "space", path: "/packages?space=Spaces-2", want: []string{"No packages found.", `<a href="/packages">Show all packages</a>`}},
		{name: "nothing", path: "/packages?q=nosuchthing", want: []string{"No packages found."}, notWant: []string{"No packages here yet"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := get(t, env, tt.path)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d, want 200", resp.StatusCode)
			}
			for _, w := range tt.want {
				if !strings.Contains(body, w) {
					t.Errorf("page lacks %q\n%s", w, body[strings.Index(body, "<main"):])
				}
			}
			for _, w := range tt.notWant {
				if strings.Contains(body, w) {
					t.Errorf("page has %q", w)
				}
			}
		})
	}
}

// TestEmptyFeedPage checks that the list of an empty feed points a newcomer
// to the examples and the upload form, while a search that finds nothing
// only says so.
func TestEmptyFeedPage(t *testing.T) {
	env := protocoltest.New(t)
	tests := []struct {
		path    string
		want    []string
		notWant []string
	}{
		{"/packages", []string{"No packages here yet.", `<a href="/examples">Show examples</a>`, `<a href="/upload">upload a package</a>`}, []string{"No packages found."}},
		{"/packages?prerelease=true", []string{"No packages here yet."}, nil},
		{"/packages?q=anything", []string{"No packages found."}, []string{"No packages here yet.", `href="/upload">upload`}},
		{"/packages?kind=generic", []string{"No packages found."}, []string{"No packages here yet."}},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			resp, body := get(t, env, tt.path)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d, want 200", resp.StatusCode)
			}
			main := body[strings.Index(body, "<main"):]
			for _, w := range tt.want {
				if !strings.Contains(main, w) {
					t.Errorf("page lacks %q\n%s", w, main)
				}
			}
			for _, w := range tt.notWant {
				if strings.Contains(main, w) {
					t.Errorf("page has %q", w)
				}
			}
		})
	}
}

func TestPackagePaging(t *testing.T) {
	env := protocoltest.New(t)
	for i := range 30 {
		pkg := nugettest.Build(t, nugettest.Spec{ID: "Paged.Pkg" + string(rune('A'+i%26)) + strings.Repeat("x", i/26), Version: "1.0.0"})
		if resp := env.Push(t, pkg, env.AdminKey); resp.StatusCode != http.StatusCreated {
			t.Fatalf("push: %d", resp.StatusCode)
		}
	}
	_, first := get(t, env, "/packages")
	_, second := get(t, env, "/packages?page=2")
	if !strings.Contains(first, "1–25 of 30") || !strings.Contains(first, `href="/packages?page=2"`) {
		t.Errorf("first page lacks its range or next link")
	}
	if !strings.Contains(second, "26–30 of 30") || !strings.Contains(second, `rel="prev"`) {
		t.Errorf("second page lacks its range or previous link")
	}
}

func TestPackagePage(t *testing.T) {
	env := protocoltest.New(t)
	pushFixtures(t, env, "Fixture.ChainA.1.0.0.nupkg", "Fixture.ChainB.1.1.0.nupkg", "Fixture.Versions.1.0.0.nupkg",
		"Fixture.Versions.2.0.0.nupkg", "Fixture.LicenseFile.1.0.0.nupkg", "Fixture.Groups.3.0.0.nupkg")
	tests := []struct {
		name, path string
		status     int
		want       []string
	}{
		{name: "dependencies link to the feed", path: "/packages/Fixture.ChainA/1.0.0", status: 200, want: []string{
			`href="/packages/Fixture.ChainB"`, "[1.0.0, 2.0.0)",
			"dotnet add package Fixture.ChainA --version 1.0.0",
			`&lt;PackageReference Include=&#34;Fixture.ChainA&#34; Version=&#34;1.0.0&#34; /&gt;`,
			"nuget install Fixture.ChainA -Version 1.0.0 -Source " + env.URL + "/v3/index.json",
			env.URL + "/v3/package/fixture.chaina/1.0.0/fixture.chaina.1.0.0.nupkg",
		}},
		{name: "missing dependency is not linked", path: "/packages/Fixture.ChainB/1.1.0", status: 200, want: []string{"Fixture.ChainC", "not on this feed", "≥ 1.0.0"}},
		{name: "latest without version", path: "/packages/fixture.versions", status: 200, want: []string{"Fixture.Versions <span class=\"ver\">2.0.0", ">1.0.0</a>", ">2.0.0</a>"}},
		{name: "older version", path: "/packages/Fixture.Versions/1.0.0", status: 200, want: []string{"Fixture.Versions <span class=\"ver\">1.0.0"}},
		{name: "links and licence file", path: "/packages/Fixture.LicenseFile/1.0.0", status: 200, want: []string{"Source repository", "Project site", "LICENSE.txt"}},
		{name: "groups", path: "/packages/Fixture.Groups/3.0.0", status: 200, want: []string{".NETStandard2.0", "No dependencies."}},
		{name: "unknown package", path: "/packages/Nope", status: 404, want: []string{"no such package"}},
		{name: "unknown version", path: "/packages/Fixture.Versions/9.9.9", status: 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := get(t, env, tt.path)
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d", resp.StatusCode, tt.status)
			}
			for _, w := range tt.want {
				if !strings.Contains(body, w) {
					t.Errorf("page lacks %q\n%s", w, body[strings.Index(body, "<main"):])
				}
			}
		})
	}
}

func TestEscapesPackageText(t *testing.T) {
	env := protocoltest.New(t)
	pushFixtures(t, env, "Fixture.Xss.1.0.0.nupkg")
	for _, path := range []string{"/packages", "/packages/Fixture.Xss", "/packages/Fixture.Xss/1.0.0"} {
		t.Run(path, func(t *testing.T) {
			_, body := get(t, env, path)
			if !strings.Contains(body, "&lt;script&gt;alert(1)&lt;/script&gt;") {
				t.Errorf("the description is not shown escaped")
			}
			// The only script elements are the page's own.
			for _, m := range regexp.MustCompile(`(?i)<script[^>]*>`).FindAllString(body, -1) {
				if !strings.Contains(m, "/static/app.js?v=") {
					t.Errorf("page has a foreign script element %q", m)
				}
			}
			if regexp.MustCompile(`(?i)href="\s*javascript:`).MatchString(body) {
				t.Errorf("page has a javascript: link")
			}
		})
	}
}

func TestSecurityHeaders(t *testing.T) {
	env := protocoltest.New(t)
	for _, path := range []string{"/packages", "/upload", "/examples", "/admin", "/packages/Nope"} {
		resp, _ := get(t, env, path)
		csp := resp.Header.Get("Content-Security-Policy")
		if !strings.Contains(csp, "default-src 'self'") || !strings.Contains(csp, "frame-ancestors 'none'") {
			t.Errorf("%s: CSP %q", path, csp)
		}
		if resp.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: no nosniff", path)
		}
		if resp.Header.Values("Set-Cookie") != nil {
			t.Errorf("%s sets a cookie", path)
		}
	}
}

func TestExamplesUseThePublicURL(t *testing.T) {
	env := protocoltest.New(t)
	_, body := get(t, env, "/examples")
	for _, w := range []string{
		"nuget push MyPackage.1.0.0.nupkg -Source " + env.URL + "/v3/index.json",
		"dotnet nuget push MyPackage.1.0.0.nupkg --source " + env.URL + "/v3/index.json",
		"Package source:     " + env.URL + "/api/v2/package",
		"octo push --package MyApp.Web.1.0.0.zip --server " + env.URL,
		"OCTOPUS_URL=" + env.URL,
		env.URL + "/api/Spaces-1/packages/raw?overwriteMode=FailIfExists",
		env.URL + "/api/packages/myteam/generic/tool/1.0.0/tool-linux-amd64.tar.gz",
		`value=&#34;` + env.URL + `/v3/index.json&#34;`,
	} {
		if !strings.Contains(body, w) {
			t.Errorf("examples lack %q", w)
		}
	}
	// Behind a proxy the forwarded host is the public URL.
	_, proxied := env.Do(t, http.MethodGet, "/examples", nil, "", "X-Forwarded-Proto", "https", "X-Forwarded-Host", "feed.example")
	if !strings.Contains(string(proxied), "--server https://feed.example ") {
		t.Errorf("examples behind a proxy do not use https://feed.example")
	}
}

func TestNoKeyInPages(t *testing.T) {
	env := protocoltest.New(t)
	pushFixtures(t, env, "Fixture.Plain.1.0.0.nupkg")
	for _, path := range []string{"/packages", "/packages/Fixture.Plain", "/upload", "/examples", "/admin"} {
		_, body := env.Do(t, http.MethodGet, path, nil, env.AdminKey)
		if strings.Contains(string(body), env.AdminKey) {
			t.Errorf("%s shows the request's key", path)
		}
	}
}

func TestStaticAssets(t *testing.T) {
	env := protocoltest.New(t)
	_, page := get(t, env, "/packages")
	m := regexp.MustCompile(`/static/style\.css\?v=[0-9a-f]+`).FindString(page)
	if m == "" {
		t.Fatal("the page links no versioned style sheet")
	}
	resp, _ := get(t, env, m)
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/css") ||
		!strings.Contains(resp.Header.Get("Cache-Control"), "immutable") {
		t.Errorf("GET %s = %d %q %q", m, resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("Cache-Control"))
	}
	if resp, _ := get(t, env, "/static/nope.js"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown asset: %d, want 404", resp.StatusCode)
	}
}

// TestPageWeight: the package list with a full page of packages ships under
// 100 KB of HTML, CSS and JavaScript together.
func TestPageWeight(t *testing.T) {
	env := protocoltest.New(t)
	for i := range 30 {
		pkg := nugettest.Build(t, nugettest.Spec{ID: "Weight.Package" + strings.Repeat("X", i), Version: "1.0.0",
			Description: strings.Repeat("A long description that fills the line. ", 20)})
		if resp := env.Push(t, pkg, env.AdminKey); resp.StatusCode != http.StatusCreated {
			t.Fatalf("push: %d", resp.StatusCode)
		}
	}
	_, html := get(t, env, "/packages")
	total := len(html)
	for _, u := range regexp.MustCompile(`/static/[a-z]+\.(?:css|js)\?v=[0-9a-f]+`).FindAllString(html, -1) {
		_, body := get(t, env, u)
		total += len(body)
	}
	const limit = 100_000
	t.Logf("packages page: %d bytes of HTML, %d bytes in all", len(html), total)
	if total >= limit {
		t.Errorf("packages page ships %d bytes, want under %d", total, limit)
	}
}

func TestUploadPageHasNoKey(t *testing.T) {
	env := protocoltest.New(t)
	_, body := get(t, env, "/upload")
	// The key input has no name: a native form submit can never send it.
	if m := regexp.MustCompile(`<input id="apikey"[^>]*>`).FindString(body); m == "" || strings.Contains(m, "name=") || strings.Contains(m, "value=") {
		t.Errorf("key input %q must exist without name or value", m)
	}
}

func decode(t *testing.T, body []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(body, v); err != nil {
		t.Fatalf("decode %s: %v", body, err)
	}
}

// embeddedSpec is a NuGet package that embeds a readme with HTML and a
// script in it, an icon and a licence file.
func embeddedSpec(t *testing.T, id string) nugettest.Spec {
	var icon bytes.Buffer
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	for i := 0; i < len(img.Pix); i += 4 {
		copy(img.Pix[i:], []byte{0x1f, 0x6f, 0xb5, 0xff}) // opaque blue, visible in the screenshot
	}
	if err := png.Encode(&icon, img); err != nil {
		t.Fatal(err)
	}
	return nugettest.Spec{ID: id, Version: "1.0.0",
		ExtraMetadata: `<readme>docs/README.md</readme><icon>images/icon.png</icon><license type="file">LICENSE.txt</license>`,
		Files: map[string][]byte{
			"docs/README.md": []byte("# Readme heading\n\nSome **bold** text.\n\n<script>document.title='pwned'</script>\n\n" +
				"[bad link](javascript:alert(1)) <img src=x onerror=\"alert(2)\">\n"),
			"images/icon.png": icon.Bytes(),
			"LICENSE.txt":     []byte("Licence line one.\n<b>not bold</b>\n"),
		},
	}
}

func TestPackagePageEmbeddedFiles(t *testing.T) {
	env := protocoltest.New(t)
	if resp := env.Push(t, nugettest.Build(t, embeddedSpec(t, "Shown.Readme")), env.AdminKey); resp.StatusCode != http.StatusCreated {
		t.Fatalf("push: %d", resp.StatusCode)
	}
	resp, body := get(t, env, "/packages/Shown.Readme/1.0.0")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("page: %d %s", resp.StatusCode, body)
	}
	for _, want := range []string{
		`<div class="readme" id="readme"><h1>Readme heading</h1>`,
		`<strong>bold</strong>`,
		`&lt;script&gt;document.title=`, // the script is text
		`src="/v3/package/shown.readme/1.0.0/icon"`,
		`<dd>LICENSE.txt (below)</dd>`,
		`<pre class="licence" id="licence-text">Licence line one.` + "\n" + `&lt;b&gt;not bold&lt;/b&gt;`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	for _, bad := range []string{"<script>document", "javascript:", "onerror=\"alert"} {
		if strings.Contains(body, bad) {
			t.Errorf("the page holds %q", bad)
		}
	}
	// The icon is served as package bytes (attachment, sandbox CSP, nosniff),
	// which an <img> displays: those headers bind documents, not images.
	resp, icon := env.Do(t, http.MethodGet, "/v3/package/shown.readme/1.0.0/icon", nil, "")
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "image/png" || !bytes.HasPrefix(icon, []byte("\x89PNG")) {
		t.Errorf("icon: %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
}

func TestPackagePageDeprecation(t *testing.T) {
	env := protocoltest.New(t)
	for _, s := range []nugettest.Spec{{ID: "Dep.Old", Version: "1.0.0"}, {ID: "Dep.New", Version: "2.0.0"}} {
		if resp := env.Push(t, nugettest.Build(t, s), env.AdminKey); resp.StatusCode != http.StatusCreated {
			t.Fatalf("push: %d", resp.StatusCode)
		}
	}
	if _, body := get(t, env, "/packages/Dep.Old/1.0.0"); strings.Contains(body, `id="deprecation"`) || !strings.Contains(body, `id="deprecate-form"`) {
		t.Errorf("before: a deprecation shown, or no form to set one")
	}
	resp, answer := env.Do(t, http.MethodPut, "/api/admin/deprecation", strings.NewReader(
		`{"id":"Dep.Old","versions":["1.0.0"],"reasons":["Legacy","CriticalBugs"],"message":"Use <Dep.New>.","alternatePackageId":"Dep.New","alternatePackageVersion":"2.0.0"}`), env.AdminKey)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("PUT: %d %s", resp.StatusCode, answer)
	}
	_, body := get(t, env, "/packages/Dep.Old/1.0.0")
	for _, want := range []string{
		`id="deprecation"`, "no longer maintained, has critical bugs", `Use &lt;Dep.New&gt;.`,
		`<a href="/packages/Dep.New/2.0.0">Dep.New</a> 2.0.0 or later`,
		`value="Legacy" checked`, `value="CriticalBugs" checked`, `value="Other">`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
}

// A version with a symbol package lists its PDBs, linked to the symbol
// server; one without shows no such line.
func TestPackagePageSymbols(t *testing.T) {
	env := protocoltest.New(t)
	pushFixtures(t, env, "Fixture.Symbols.1.0.0.nupkg", "Fixture.Plain.1.0.0.nupkg")
	if _, err := env.Feed.PushSymbols(t.Context(), "", bytes.NewReader(fixtures.Good("Fixture.Symbols.1.0.0.snupkg")), false); err != nil {
		t.Fatal(err)
	}
	_, body := get(t, env, "/packages/Fixture.Symbols/1.0.0")
	link := env.URL + "/download/symbols/fixture.symbols.pdb/497b72f6390a44fc878e5a2d63b6cc4bffffffff/fixture.symbols.pdb"
	if want := `<dd id="symbols"><a href="` + link + `" download>Fixture.Symbols.pdb</a>`; !strings.Contains(body, want) {
		t.Errorf("page lacks %q\n%s", want, body[strings.Index(body, "<aside"):])
	}
	if resp, pdb := env.Do(t, http.MethodGet, strings.TrimPrefix(link, env.URL), nil, ""); resp.StatusCode != 200 || len(pdb) != 192 {
		t.Errorf("the page's symbol link: %d, %d bytes; want the 192-byte PDB", resp.StatusCode, len(pdb))
	}
	if _, body := get(t, env, "/packages/Fixture.Plain/1.0.0"); strings.Contains(body, `id="symbols"`) {
		t.Error("a package without symbols shows a symbols line")
	}
}
