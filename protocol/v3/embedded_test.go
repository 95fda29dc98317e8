package v3_test

import (
	"archive/zip"
	"bytes"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/feedserver/feedserver/fixtures"
	"github.com/feedserver/feedserver/nuget/nugettest"
	"github.com/feedserver/feedserver/protocol/protocoltest"
)

// zipEntry is one file of a package, for comparing served bytes with.
func zipEntry(t *testing.T, nupkg []byte, name string) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(nupkg), int64(len(nupkg)))
	if err != nil {
		t.Fatal(err)
	}
	rc, err := zr.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	data, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// jpegIcon is the start of a JPEG: ReadEmbeddedFiles checks the signature only.
var jpegIcon = []byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00")

// newEmbeddedEnv is a server holding two NuGet-made packages: one with an
// icon and a licence file (NuGet.exe 5.8), one with a readme; it returns
// their bytes.
func newEmbeddedEnv(t *testing.T) (env *protocoltest.Env, licenseFile, readme []byte) {
	env = protocoltest.New(t)
	licenseFile = fixtures.Good("Fixture.LicenseFile.1.0.0.nupkg")
	readme = fixtures.Good("Fixture.Readme.1.0.0.nupkg")
	push(t, env, licenseFile)
	push(t, env, readme)
	return env, licenseFile, readme
}

// TestEmbeddedFiles: the flat container's {id}/{version}/readme, /icon and
// /license serve the files the nuspec names, byte for byte, with the type of
// each (a readme is Markdown, a licence plain text, never HTML) under the
// headers of package bytes; a package that names none, or names a file it
// does not hold, is a 404.
func TestEmbeddedFiles(t *testing.T) {
	env, licenseFile, readme := newEmbeddedEnv(t)
	hostile := nugettest.Build(t, nugettest.Spec{ID: "Hostile.Text", Version: "2.0.0",
		ExtraMetadata: `<readme>docs\readme.md</readme><icon>img/logo.jpg</icon><license type="file">LICENSE.md</license>`,
		Files: map[string][]byte{
			"docs/readme.md": []byte("# Hi\n<script>alert(1)</script>\n<html><body>x</body></html>\n"),
			"img/logo.jpg":   jpegIcon,
			"LICENSE.md":     []byte("<!doctype html><script>alert(2)</script> MIT"),
		}})
	push(t, env, hostile)
	// Named but absent: a package pushed before these files were checked.
	missing := nugettest.Build(t, nugettest.Spec{ID: "Missing.Icon", Version: "1.0.0",
		ExtraMetadata: `<icon>icon.png</icon><readme>README.md</readme>`,
		Files:         map[string][]byte{"README.md": {0x00, 0x01}}}) // not text: refused by nuget.org's rule
	push(t, env, missing)

	for _, tc := range []struct {
		path, contentType, file string
		want                    []byte
	}{
		{"/v3/package/fixture.licensefile/1.0.0/icon", "image/png", "icon.png", zipEntry(t, licenseFile, "icon.png")},
		{"/v3/package/fixture.licensefile/1.0.0/license", "text/plain; charset=utf-8", "LICENSE.txt", zipEntry(t, licenseFile, "LICENSE.txt")},
		{"/v3/package/Fixture.LicenseFile/1.0/license", "text/plain; charset=utf-8", "LICENSE.txt", zipEntry(t, licenseFile, "LICENSE.txt")},
		{"/v3/package/fixture.readme/1.0.0/readme", "text/markdown; charset=utf-8", "README.md", zipEntry(t, readme, "README.md")},
		{"/v3/package/hostile.text/2.0.0/readme", "text/markdown; charset=utf-8", "readme.md", zipEntry(t, hostile, "docs/readme.md")},
		{"/v3/package/hostile.text/2.0.0/icon", "image/jpeg", "logo.jpg", jpegIcon},
		{"/v3/package/hostile.text/2.0.0/license", "text/plain; charset=utf-8", "LICENSE.md", zipEntry(t, hostile, "LICENSE.md")},
	} {
		for _, method := range []string{http.MethodGet, http.MethodHead} {
			resp, body := env.Do(t, method, tc.path, nil, "")
			h := resp.Header
			if resp.StatusCode != http.StatusOK {
				t.Errorf("%s %s: status %d, want 200: %s", method, tc.path, resp.StatusCode, body)
				continue
			}
			if got := h.Get("Content-Type"); got != tc.contentType {
				t.Errorf("%s %s: Content-Type %q, want %q", method, tc.path, got, tc.contentType)
			}
			if h.Get("X-Content-Type-Options") != "nosniff" || !strings.HasPrefix(h.Get("Content-Security-Policy"), "sandbox") ||
				!strings.HasPrefix(h.Get("Content-Disposition"), "attachment;") || !strings.Contains(h.Get("Content-Disposition"), tc.file) {
				t.Errorf("%s %s: headers of package bytes missing: nosniff %q, CSP %q, disposition %q", method, tc.path,
					h.Get("X-Content-Type-Options"), h.Get("Content-Security-Policy"), h.Get("Content-Disposition"))
			}
			if h.Get("ETag") == "" {
				t.Errorf("%s %s: no ETag", method, tc.path)
			}
			if method == http.MethodGet && !bytes.Equal(body, tc.want) {
				t.Errorf("GET %s: %q, want the package's %q", tc.path, body, tc.want)
			}
			if method == http.MethodHead && h.Get("Content-Length") != strconv.Itoa(len(tc.want)) {
				t.Errorf("HEAD %s: Content-Length %q, want %d", tc.path, h.Get("Content-Length"), len(tc.want))
			}
		}
	}

	for _, path := range []string{
		"/v3/package/fixture.licensefile/1.0.0/readme", // NuGet.exe 5.8 pack writes no <readme>
		"/v3/package/fixture.readme/1.0.0/icon",
		"/v3/package/fixture.readme/1.0.0/license",   // a licence expression, no file
		"/v3/package/missing.icon/1.0.0/icon",        // named, not in the package
		"/v3/package/missing.icon/1.0.0/readme",      // not text
		"/v3/package/fixture.readme/9.9.9/readme",    // no such version
		"/v3/package/no.such.package/1.0.0/readme",   // no such id
		"/v3/package/fixture.readme/1.0.0/readme.md", // no other names
	} {
		resp, body := env.Do(t, http.MethodGet, path, nil, "")
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: status %d, want 404: %s", path, resp.StatusCode, body)
		}
	}
}

// TestEmbeddedFileURLs: the URLs a client is given lead to the files:
// ReadmeUriTemplate/6.13.0 from the service index, expanded as NuGet.Client
// does, and the registration leaf's iconUrl and licenseUrl.
func TestEmbeddedFileURLs(t *testing.T) {
	env, licenseFile, readme := newEmbeddedEnv(t)

	var index struct {
		Resources []struct {
			ID   string `json:"@id"`
			Type string `json:"@type"`
		} `json:"resources"`
	}
	getJSON(t, env, "/v3/index.json", &index)
	template := ""
	for _, r := range index.Resources {
		if r.Type == "ReadmeUriTemplate/6.13.0" {
			template = r.ID
		}
	}
	if template == "" {
		t.Fatal("no ReadmeUriTemplate/6.13.0 in the service index")
	}
	// NuGet.Client replaces the two names literally (Resources/ReadmeUriTemplateResource.cs).
	readmeURL := strings.NewReplacer("{lower_id}", "fixture.readme", "{lower_version}", "1.0.0").Replace(template)
	if code, body := fetch(t, env, readmeURL); code != http.StatusOK || !bytes.Equal(body, zipEntry(t, readme, "README.md")) {
		t.Errorf("GET %s: status %d, %q; want the package's README.md", readmeURL, code, body)
	}

	// The leaves inlined in the registration index carry the catalog entry.
	var reg struct {
		Items []struct {
			Items []struct {
				CatalogEntry struct {
					IconURL    string `json:"iconUrl"`
					LicenseURL string `json:"licenseUrl"`
				} `json:"catalogEntry"`
			} `json:"items"`
		} `json:"items"`
	}
	getJSON(t, env, "/v3/registration-semver2/fixture.licensefile/index.json", &reg)
	if len(reg.Items) != 1 || len(reg.Items[0].Items) != 1 {
		t.Fatalf("registration index: %+v, want one page of one leaf", reg)
	}
	entry := reg.Items[0].Items[0].CatalogEntry
	for name, tc := range map[string]struct {
		url  string
		want []byte
	}{
		"iconUrl":    {entry.IconURL, zipEntry(t, licenseFile, "icon.png")},
		"licenseUrl": {entry.LicenseURL, zipEntry(t, licenseFile, "LICENSE.txt")},
	} {
		if !strings.HasPrefix(tc.url, "https://feed.example/v3/package/fixture.licensefile/1.0.0/") {
			t.Errorf("%s = %q, want the flat container's", name, tc.url)
			continue
		}
		if code, body := fetch(t, env, tc.url); code != http.StatusOK || !bytes.Equal(body, tc.want) {
			t.Errorf("GET %s (%s): status %d, %q; want %q", tc.url, name, code, body, tc.want)
		}
	}
}

// fetch GETs an absolute URL under https://feed.example from the test server.
func fetch(t *testing.T, env *protocoltest.Env, u string) (int, []byte) {
	t.Helper()
	path, ok := strings.CutPrefix(u, "https://feed.example")
	if !ok {
		t.Fatalf("URL %q is not under the public base URL", u)
	}
	resp, body := env.Do(t, http.MethodGet, path, nil, "")
	return resp.StatusCode, body
}
