package protocol_test

import (
	"archive/zip"
	"bufio"
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/feedserver/feedserver/protocol/httpx"
	"github.com/feedserver/feedserver/protocol/protocoltest"
)

// nupkgWithNuspec builds a package around the nuspec text as given.
func nupkgWithNuspec(t *testing.T, name, nuspec string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write([]byte(nuspec)); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// scriptNuspec is issue 17 row 3: a valid nuspec that carries an XHTML
// script, which a browser rendering application/xml would run.
const scriptNuspec = `<?xml version="1.0" encoding="utf-8"?>
<package xmlns="http://schemas.microsoft.com/packaging/2013/05/nuspec.xsd">
  <metadata>
    <id>Xss.Nuspec</id>
    <version>1.0.0</version>
    <authors>someone</authors>
    <description>A description.</description>
    <html:script xmlns:html="http://www.w3.org/1999/xhtml">alert(document.domain)</html:script>
  </metadata>
</package>
`

// TestPackageBytesAreNeverActiveContent: every answer that carries bytes a
// package supplied is an attachment under a sandbox CSP, with nosniff; the
// nuspec still comes back byte for byte, as NuGet clients read it.
func TestPackageBytesAreNeverActiveContent(t *testing.T) {
	env := protocoltest.New(t)
	pkg := nupkgWithNuspec(t, "Xss.Nuspec.nuspec", scriptNuspec)
	if resp := env.Push(t, pkg, env.PublisherKey); resp.StatusCode != http.StatusCreated {
		t.Fatalf("push: %d %s", resp.StatusCode, protocoltest.ReadBody(t, resp))
	}
	body, ct := protocoltest.Multipart(t, "file", "Xss.Raw.1.0.0.zip", []byte("<html><script>alert(1)</script></html>"))
	if resp, b := env.Do(t, http.MethodPost, "/api/packages/raw", bytes.NewReader(body), env.PublisherKey, "Content-Type", ct); resp.StatusCode != http.StatusCreated {
		t.Fatalf("raw upload: %d %s", resp.StatusCode, b)
	}
	if resp, b := env.Do(t, http.MethodPut, "/api/packages/admin/generic/xss/1.0/page.html", strings.NewReader("<script>alert(1)</script>"), env.AdminKey); resp.StatusCode != http.StatusCreated {
		t.Fatalf("generic upload: %d %s", resp.StatusCode, b)
	}
	for _, tc := range []struct{ path, ctype, file string }{
		{"/v3/package/xss.nuspec/1.0.0/xss.nuspec.nuspec", "application/xml", "xss.nuspec.nuspec"},
		{"/v3/package/xss.nuspec/1.0.0/xss.nuspec.1.0.0.nupkg", "application/octet-stream", "xss.nuspec.1.0.0.nupkg"},
		{"/api/v2/package/Xss.Nuspec/1.0.0", "application/octet-stream", "xss.nuspec.1.0.0.nupkg"},
		{"/api/packages/packages-Xss.Raw.1.0.0/raw", "application/octet-stream", "Xss.Raw.1.0.0.zip"},
		{"/api/packages/admin/generic/xss/1.0/page.html", "application/octet-stream", "page.html"},
	} {
		resp, got := env.Do(t, http.MethodGet, tc.path, nil, "")
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s: %d %s", tc.path, resp.StatusCode, got)
			continue
		}
		h := resp.Header
		if h.Get("Content-Type") != tc.ctype || h.Get("X-Content-Type-Options") != "nosniff" ||
			h.Get("Content-Security-Policy") != httpx.PackageCSP ||
			!strings.HasPrefix(h.Get("Content-Disposition"), "attachment;") || !strings.Contains(h.Get("Content-Disposition"), tc.file) {
			t.Errorf("GET %s: headers %v", tc.path, h)
		}
		if strings.HasSuffix(tc.path, ".nuspec") && string(got) != scriptNuspec {
			t.Errorf("the nuspec is not served byte for byte:\n%s", got)
		}
	}
}

// TestEveryAnswerIsNoSniff samples each family, errors included.
func TestEveryAnswerIsNoSniff(t *testing.T) {
	env := protocoltest.New(t)
	for _, p := range []string{
		"/healthz", "/v3/index.json", "/v3/package/none/index.json", "/api/v2/Packages()", "/api",
		"/api/packages/x", "/api/packages/o/generic/n", "/packages", "/no/such/route", "/metrics",
	} {
		resp, _ := env.Do(t, http.MethodGet, p, nil, "")
		if resp.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("GET %s (%d): no nosniff", p, resp.StatusCode)
		}
	}
}

// TestSpaceIDsAreCanonical is issue 17 row 7: every spelling of a space id
// is that space (Spaces-01 is Spaces-1), on every route; a number no space
// has is a 404; no folder is ever made for a spelling.
func TestSpaceIDsAreCanonical(t *testing.T) {
	env := protocoltest.New(t)
	pkg := protocoltest.Nupkg(t, "Space.Canon", "1.0.0")
	if resp := env.PushTo(t, "/Spaces-01/nuget/packages", pkg, env.AdminKey); resp.StatusCode != http.StatusCreated {
		t.Fatalf("PUT /Spaces-01/nuget/packages: %d %s", resp.StatusCode, protocoltest.ReadBody(t, resp))
	}
	for _, p := range []string{"/spaces-001/nuget/packages/", "/Spaces-1/nuget/packages", "/nuget/packages"} {
		if resp := env.PushTo(t, p, pkg, env.AdminKey); resp.StatusCode != http.StatusConflict {
			t.Errorf("PUT %s of the same package: %d, want 409 (the same space)", p, resp.StatusCode)
		}
	}
	for _, p := range []string{"/Spaces-0/nuget/packages", "/Spaces-00/nuget/packages", "/Spaces-9/nuget/packages", "/Spaces-0000000000000000001/nuget/packages"} {
		if resp := env.PushTo(t, p, pkg, env.AdminKey); resp.StatusCode != http.StatusNotFound {
			t.Errorf("PUT %s: %d, want 404", p, resp.StatusCode)
		}
	}
	body, ct := protocoltest.Multipart(t, "file", "Space.Raw.1.0.0.zip", []byte("zip"))
	if resp, b := env.Do(t, http.MethodPost, "/api/Spaces-02/packages/raw", bytes.NewReader(body), env.AdminKey, "Content-Type", ct); resp.StatusCode != http.StatusCreated {
		t.Errorf("POST /api/Spaces-02/packages/raw: %d %s", resp.StatusCode, b)
	}
	for p, want := range map[string]string{
		"/api/Spaces-01/packages":                         `"Id": "packages-Space.Canon.1.0.0"`,
		"/api/spaces-2/packages/packages-Space.Raw.1.0.0": `/api/Spaces-2/packages/packages-Space.Raw.1.0.0`,
		"/api/Spaces-002":                                 `"Id": "Spaces-2"`,
	} {
		if resp, b := env.Do(t, http.MethodGet, p, nil, env.AdminKey); resp.StatusCode != http.StatusOK || !strings.Contains(string(b), want) {
			t.Errorf("GET %s: %d %.300s, want %s", p, resp.StatusCode, b, want)
		}
	}
	var dirs []string
	_ = filepath.WalkDir(filepath.Join(env.Dir, "packages"), func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() && strings.HasPrefix(d.Name(), "spaces-") {
			dirs = append(dirs, d.Name())
		}
		return nil
	})
	if strings.Join(dirs, ",") != "spaces-1,spaces-2" {
		t.Errorf("space folders after the pushes: %v, want spaces-1 and spaces-2", dirs)
	}
}

// TestIDsThatWouldFoldAreRefused is issue 17 row 8: an id whose lowercase
// folds into another id's (KELVIN SIGN) is refused, and reading it does not
// find the ASCII one.
func TestIDsThatWouldFoldAreRefused(t *testing.T) {
	env := protocoltest.New(t)
	kelvin := "Sec.\u212Aelvin"
	if resp := env.Push(t, protocoltest.Nupkg(t, kelvin, "1.0.0"), env.PublisherKey); resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("push %s: %d %s", kelvin, resp.StatusCode, protocoltest.ReadBody(t, resp))
	}
	body, ct := protocoltest.Multipart(t, "file", kelvin+".1.0.0.zip", []byte("zip"))
	if resp, b := env.Do(t, http.MethodPost, "/api/packages/raw", bytes.NewReader(body), env.PublisherKey, "Content-Type", ct); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("raw upload %s: %d %s", kelvin, resp.StatusCode, b)
	}
	if resp := env.Push(t, protocoltest.Nupkg(t, "Sec.Kelvin", "1.0.0"), env.PublisherKey); resp.StatusCode != http.StatusCreated {
		t.Fatalf("push Sec.Kelvin: %d %s", resp.StatusCode, protocoltest.ReadBody(t, resp))
	}
	for _, p := range []string{
		"/v3/package/" + url.PathEscape(kelvin) + "/index.json",
		"/api/v2/package/" + url.PathEscape(kelvin) + "/1.0.0",
		"/api/packages/" + url.PathEscape(kelvin) + ".1.0.0",
	} {
		if resp, b := env.Do(t, http.MethodGet, p, nil, ""); resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: %d %s, want 404 (it is not Sec.Kelvin)", p, resp.StatusCode, b)
		}
	}
	if resp, b := env.Do(t, http.MethodGet, "/v3/search?q=kelvin", nil, ""); resp.StatusCode != http.StatusOK || !strings.Contains(string(b), `"Sec.Kelvin"`) {
		t.Errorf("search kelvin: %d %s", resp.StatusCode, b)
	}
}

// TestSearchTextIsBounded: a search text past index.MaxQueryText is a 400
// on every client protocol that searches, not work that grows with it (the
// web page cuts its own query text short).
func TestSearchTextIsBounded(t *testing.T) {
	env := protocoltest.New(t)
	long := url.QueryEscape(strings.Repeat("a ", 2000))
	for _, p := range []string{
		"/v3/search?q=" + long,
		"/v3/autocomplete?q=" + long,
		"/api/v2/Search()?searchTerm='" + long + "'",
	} {
		if resp, b := env.Do(t, http.MethodGet, p, nil, ""); resp.StatusCode != http.StatusBadRequest {
			t.Errorf("GET %.60s: %d %.200s", p, resp.StatusCode, b)
		}
	}
}

// TestStalledUploadAnswerIsQuiet is issue 17 row 11: the 400 a stalled
// upload gets, on each protocol that takes uploads, names no socket address.
func TestStalledUploadAnswerIsQuiet(t *testing.T) {
	env := protocoltest.New(t)
	env.Server.Config.Handler = httpx.IdleBody(300 * time.Millisecond)(env.Server.Config.Handler)
	host := strings.TrimPrefix(env.URL, "http://")
	for _, tc := range []struct{ method, path, header string }{
		{"PUT", "/api/v2/package", "X-NuGet-ApiKey: " + env.PublisherKey + "\r\nContent-Type: multipart/form-data; boundary=b\r\n"},
		{"POST", "/api/packages/raw", "X-Octopus-ApiKey: " + env.PublisherKey + "\r\nContent-Type: multipart/form-data; boundary=b\r\n"},
		{"PUT", "/api/packages/admin/generic/stall/1.0/f.bin", "Authorization: Bearer " + env.AdminKey + "\r\n"},
	} {
		conn, err := net.Dial("tcp", host)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		body := "--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"Stall.1.0.0.zip\"\r\n\r\nPK"
		fmt.Fprintf(conn, "%s %s HTTP/1.1\r\nHost: %s\r\n%sContent-Length: 100000\r\n\r\n%s", tc.method, tc.path, host, tc.header, body)
		_ = conn.SetReadDeadline(time.Now().Add(20 * time.Second))
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatalf("%s %s: %v", tc.method, tc.path, err)
		}
		got, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		text := string(got) + fmt.Sprint(resp.Header)
		if resp.StatusCode != http.StatusBadRequest || strings.Contains(text, "127.0.0.1") || strings.Contains(text, "tcp") {
			t.Errorf("%s %s: %d %s", tc.method, tc.path, resp.StatusCode, text)
		}
	}
}

// TestV2ValuesAreBounded: GetUpdates' id list and the ids and versions of
// the v2 paths are held to their limits (400), not looked up one by one.
func TestV2ValuesAreBounded(t *testing.T) {
	env := protocoltest.New(t)
	ids := strings.TrimSuffix(strings.Repeat("A|", 1001), "|")
	versions := strings.TrimSuffix(strings.Repeat("1.0|", 1001), "|")
	long := strings.Repeat("a", 300)
	for p, want := range map[string]int{
		"/api/v2/GetUpdates()?packageIds='" + url.QueryEscape(ids) + "'&versions='" + url.QueryEscape(versions) + "'": 400,
		"/api/v2/Packages(Id='" + long + "',Version='1.0.0')":                                                         400,
		"/api/v2/Packages(Id='A',Version='" + strings.Repeat("1.", 200) + "1')":                                       404, // not a version: no such package
		"/api/v2/FindPackagesById()?id='" + long + "'":                                                                400,
	} {
		resp, b := env.Do(t, http.MethodGet, p, nil, "")
		if resp.StatusCode != want || len(b) > 2000 {
			t.Errorf("GET %.80s: %d %.300s, want %d", p, resp.StatusCode, b, want)
		}
	}
}
