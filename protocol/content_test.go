package protocol_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/feedserver/feedserver/internal/golden"
	"github.com/feedserver/feedserver/protocol"
	"github.com/feedserver/feedserver/protocol/protocoltest"
)

func TestServiceIndexGolden(t *testing.T) {
	env := protocoltest.New(t)
	resp, body := env.Do(t, http.MethodGet, "/v3/index.json", nil, "",
		"X-Forwarded-Proto", "https", "X-Forwarded-Host", "feed.example")
	if resp.StatusCode != 200 {
		t.Fatalf("status = %d", resp.StatusCode)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q, want application/json", ct)
	}
	golden.Check(t, filepath.Join("testdata", "serviceindex.golden.json"), body)
}

func TestServiceIndexBaseURL(t *testing.T) {
	env := protocoltest.New(t, protocoltest.WithOptions(func(o *protocol.Options) {
		o.PublicURL = mustURL(t, "https://proxy.example/feed/")
	}))
	_, body := env.Do(t, http.MethodGet, "/v3/index.json", nil, "", "X-Forwarded-Host", "ignored.example")
	var doc struct {
		Resources []struct {
			ID   string `json:"@id"`
			Type string `json:"@type"`
		} `json:"resources"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatal(err)
	}
	for _, r := range doc.Resources {
		if !strings.HasPrefix(r.ID, "https://proxy.example/feed/") || strings.Contains(r.ID, "feed//") {
			t.Errorf("%s @id = %q, want it under the configured public URL", r.Type, r.ID)
		}
	}
	// Without a configured URL the request's host is used.
	plain := protocoltest.New(t)
	_, body = plain.Do(t, http.MethodGet, "/v3/index.json", nil, "")
	if !strings.Contains(string(body), `"`+plain.URL+`/api/v2/package"`) {
		t.Errorf("service index without a public URL does not use the request host %s:\n%s", plain.URL, body)
	}
}

func TestFlatContainer(t *testing.T) {
	env := protocoltest.New(t)
	pkgs := map[string][]byte{
		"1.0.0":        protocoltest.Nupkg(t, "Flat.MiXed", "1.0.0"),
		"2.0.0-Beta.1": protocoltest.Nupkg(t, "Flat.MiXed", "2.0.0-Beta.1"),
		"1.2.3.4":      protocoltest.Nupkg(t, "Flat.MiXed", "1.2.3.4"),
		"01.5":         protocoltest.Nupkg(t, "Flat.MiXed", "01.5"),
	}
	for v, p := range pkgs {
		if resp := env.Push(t, p, env.PublisherKey); resp.StatusCode != 201 {
			t.Fatalf("push %s: %d %s", v, resp.StatusCode, protocoltest.ReadBody(t, resp))
		}
	}

	t.Run("index.json", func(t *testing.T) {
		for _, path := range []string{"/v3/package/flat.mixed/index.json", "/v3/package/FLAT.MiXed/index.json"} {
			resp, body := env.Do(t, http.MethodGet, path, nil, "")
			want := `{"versions":["1.0.0","1.2.3.4","1.5.0","2.0.0-beta.1"]}`
			if resp.StatusCode != 200 || string(body) != want {
				t.Errorf("GET %s = %d %s, want 200 %s", path, resp.StatusCode, body, want)
			}
			if cc := resp.Header.Get("Cache-Control"); cc != "no-cache" {
				t.Errorf("Cache-Control = %q, want no-cache", cc)
			}
		}
		if resp, _ := env.Do(t, http.MethodGet, "/v3/package/no.such.package/index.json", nil, ""); resp.StatusCode != 404 {
			t.Errorf("unknown id: status %d, want 404", resp.StatusCode)
		}
	})

	t.Run("nupkg", func(t *testing.T) {
		paths := map[string]string{
			"/v3/package/flat.mixed/1.0.0/flat.mixed.1.0.0.nupkg":               "1.0.0",
			"/v3/package/Flat.MiXed/2.0.0-Beta.1/Flat.MiXed.2.0.0-Beta.1.nupkg": "2.0.0-Beta.1", // the 5.8 client keeps index.json's casing
			"/v3/package/flat.mixed/2.0.0-beta.1/flat.mixed.2.0.0-beta.1.nupkg": "2.0.0-Beta.1",
			"/v3/package/flat.mixed/1.5.0/flat.mixed.1.5.0.nupkg":               "01.5",
			"/v3/package/flat.mixed/1.2.3.4/flat.mixed.1.2.3.4.nupkg":           "1.2.3.4",
			"/api/v2/package/Flat.Mixed/1.0.0":                                  "1.0.0",
		}
		for path, v := range paths {
			resp, body := env.Do(t, http.MethodGet, path, nil, "")
			if resp.StatusCode != 200 || !bytes.Equal(body, pkgs[v]) {
				t.Errorf("GET %s = %d, %d bytes; want 200 and the pushed %s (%d bytes)", path, resp.StatusCode, len(body), v, len(pkgs[v]))
			}
			if ct := resp.Header.Get("Content-Type"); ct != "application/octet-stream" {
				t.Errorf("GET %s Content-Type = %q", path, ct)
			}
		}
		for _, path := range []string{
			"/v3/package/flat.mixed/1.0.0/flat.mixed.2.0.0.nupkg", // file name names another version
			"/v3/package/flat.mixed/9.0.0/flat.mixed.9.0.0.nupkg",
			"/v3/package/flat.mixed/1.0.0/other.1.0.0.nupkg",
			"/v3/package/flat.mixed/1.0.0/flat.mixed.1.0.0.zip",
		} {
			if resp, _ := env.Do(t, http.MethodGet, path, nil, ""); resp.StatusCode != 404 {
				t.Errorf("GET %s = %d, want 404", path, resp.StatusCode)
			}
		}
	})

	t.Run("nuspec", func(t *testing.T) {
		resp, body := env.Do(t, http.MethodGet, "/v3/package/flat.mixed/1.0.0/flat.mixed.nuspec", nil, "")
		if resp.StatusCode != 200 || !strings.Contains(string(body), "<id>Flat.MiXed</id>") {
			t.Fatalf("nuspec = %d %s", resp.StatusCode, body)
		}
		if ct := resp.Header.Get("Content-Type"); ct != "application/xml" {
			t.Errorf("nuspec Content-Type = %q, want application/xml", ct)
		}
	})

	t.Run("ETag, Range, HEAD", func(t *testing.T) {
		const path = "/v3/package/flat.mixed/1.0.0/flat.mixed.1.0.0.nupkg"
		resp, _ := env.Do(t, http.MethodGet, path, nil, "")
		etag := resp.Header.Get("ETag")
		if !strings.HasPrefix(etag, `"`) || !strings.HasSuffix(etag, `"`) || len(etag) < 80 {
			t.Fatalf("ETag = %q, want a quoted SHA-512", etag)
		}
		if cc := resp.Header.Get("Cache-Control"); !strings.Contains(cc, "max-age") {
			t.Errorf("Cache-Control = %q, want a max-age", cc)
		}
		resp, body := env.Do(t, http.MethodGet, path, nil, "", "If-None-Match", etag)
		if resp.StatusCode != http.StatusNotModified || len(body) != 0 {
			t.Errorf("If-None-Match: %d with %d bytes, want 304 and no body", resp.StatusCode, len(body))
		}
		resp, body = env.Do(t, http.MethodGet, path, nil, "", "Range", "bytes=0-3")
		if resp.StatusCode != http.StatusPartialContent || string(body) != "PK\x03\x04" {
			t.Errorf("Range: %d %q, want 206 and the zip magic", resp.StatusCode, body)
		}
		resp, body = env.Do(t, http.MethodHead, path, nil, "")
		if resp.StatusCode != 200 || len(body) != 0 || resp.ContentLength != int64(len(pkgs["1.0.0"])) {
			t.Errorf("HEAD: %d, %d body bytes, Content-Length %d; want 200, none, %d", resp.StatusCode, len(body), resp.ContentLength, len(pkgs["1.0.0"]))
		}
		resp, _ = env.Do(t, http.MethodHead, "/v3/package/flat.mixed/index.json", nil, "")
		if resp.StatusCode != 200 {
			t.Errorf("HEAD index.json: %d", resp.StatusCode)
		}
		idx, _ := env.Do(t, http.MethodGet, "/v3/package/flat.mixed/index.json", nil, "")
		resp, _ = env.Do(t, http.MethodGet, "/v3/package/flat.mixed/index.json", nil, "", "If-None-Match", idx.Header.Get("ETag"))
		if resp.StatusCode != http.StatusNotModified {
			t.Errorf("index.json If-None-Match: %d, want 304", resp.StatusCode)
		}
		resp, body = env.Do(t, http.MethodGet, "/v3/package/flat.mixed/index.json", nil, "", "Range", "bytes=0-11")
		if resp.StatusCode != http.StatusPartialContent || string(body) != `{"versions":` {
			t.Errorf("index.json Range: %d %q, want 206 and the first 12 bytes", resp.StatusCode, body)
		}
	})
}

func TestDownloadCount(t *testing.T) {
	env := protocoltest.New(t)
	if resp := env.Push(t, protocoltest.Nupkg(t, "Count.Me", "1.0.0"), env.PublisherKey); resp.StatusCode != 201 {
		t.Fatal(resp.StatusCode)
	}
	const path = "/v3/package/count.me/1.0.0/count.me.1.0.0.nupkg"
	resp, _ := env.Do(t, http.MethodGet, path, nil, "")            // counts
	env.Do(t, http.MethodHead, path, nil, "")                      // does not
	env.Do(t, http.MethodGet, path, nil, "", "Range", "bytes=0-1") // a resume: does not
	env.Do(t, http.MethodGet, path, nil, "", "If-None-Match", resp.Header.Get("ETag"))
	env.Do(t, http.MethodGet, "/api/v2/package/count.me/1.0.0", nil, "") // counts
	e, err := env.Feed.Get(t.Context(), "Spaces-1", "nuget", "count.me", "1.0.0")
	if err != nil {
		t.Fatal(err)
	}
	if e.Downloads != 2 {
		t.Errorf("downloads = %d, want 2", e.Downloads)
	}
}

// index.json is served from a cache of rendered documents, yet a push or a
// delete shows in the very next request; a long list comes gzipped.
func TestFlatIndexFollowsChanges(t *testing.T) {
	env := protocoltest.New(t)
	const path = "/v3/package/fresh.pkg/index.json"
	versions := func(header ...string) (*http.Response, []string) {
		t.Helper()
		resp, body := env.Do(t, http.MethodGet, path, nil, "", header...)
		var doc struct{ Versions []string }
		if resp.StatusCode == 200 {
			if err := json.Unmarshal(body, &doc); err != nil {
				t.Fatalf("%s: %v", body, err)
			}
		}
		return resp, doc.Versions
	}
	var want []string
	etag := ""
	for i := range 40 {
		v := fmt.Sprintf("1.0.%d", i)
		if resp := env.Push(t, protocoltest.Nupkg(t, "Fresh.Pkg", v), env.PublisherKey); resp.StatusCode != 201 {
			t.Fatal(resp.StatusCode)
		}
		want = append(want, v)
		for range 2 { // the second answer comes from the cache
			resp, got := versions("If-None-Match", etag)
			if resp.StatusCode != 200 || !slices.Equal(got, want) {
				t.Fatalf("after pushing %s: %d %v", v, resp.StatusCode, got)
			}
		}
		resp, _ := versions()
		etag = resp.Header.Get("ETag")
	}
	if resp, _ := versions("If-None-Match", etag); resp.StatusCode != http.StatusNotModified {
		t.Errorf("unchanged list: %d, want 304", resp.StatusCode)
	}

	// Forty versions are worth compressing; Go's client unzips them unasked.
	resp, got := versions()
	if !resp.Uncompressed || !slices.Equal(got, want) {
		t.Errorf("40 versions: gzipped %v, %d versions", resp.Uncompressed, len(got))
	}
	if v := resp.Header.Get("Vary"); v != "Accept-Encoding" {
		t.Errorf("Vary = %q, want Accept-Encoding", v)
	}

	if resp, _ := env.Do(t, http.MethodDelete, "/api/v2/package/Fresh.Pkg/1.0.0", nil, env.AdminKey); resp.StatusCode/100 != 2 {
		t.Fatalf("delete: %d", resp.StatusCode)
	}
	if _, got := versions(); !slices.Equal(got, want[1:]) {
		t.Errorf("after the delete: %v", got)
	}
	for _, v := range want[1:] {
		if resp, _ := env.Do(t, http.MethodDelete, "/api/v2/package/Fresh.Pkg/"+v, nil, env.AdminKey); resp.StatusCode/100 != 2 {
			t.Fatalf("delete %s: %d", v, resp.StatusCode)
		}
	}
	if resp, _ := versions(); resp.StatusCode != 404 {
		t.Errorf("every version deleted: %d, want 404", resp.StatusCode)
	}
}

func TestReadsRequireAuth(t *testing.T) {
	env := protocoltest.New(t, protocoltest.WithOptions(func(o *protocol.Options) { o.RequireAuthForReads = true }))
	if resp := env.Push(t, protocoltest.Nupkg(t, "Private.Pkg", "1.0.0"), env.PublisherKey); resp.StatusCode != 201 {
		t.Fatal(resp.StatusCode)
	}
	paths := []string{
		"/v3/package/private.pkg/index.json",
		"/v3/package/private.pkg/1.0.0/private.pkg.1.0.0.nupkg",
		"/v3/package/private.pkg/1.0.0/private.pkg.nuspec",
		"/api/v2/package/private.pkg/1.0.0",
	}
	for _, path := range paths {
		resp, _ := env.Do(t, http.MethodGet, path, nil, "")
		if resp.StatusCode != 401 || resp.Header.Get("WWW-Authenticate") != `Basic realm="feedserver"` {
			t.Errorf("anonymous GET %s = %d, WWW-Authenticate %q; want 401 with a Basic challenge",
				path, resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
		}
		req, _ := http.NewRequest(http.MethodGet, env.URL+path, nil)
		req.SetBasicAuth("anyone", "API-WRONGWRONGWRONGWRONGWRONGWRONG")
		if resp, err := env.Server.Client().Do(req); err != nil || resp.StatusCode != 401 {
			t.Errorf("wrong Basic password on %s: %v %v, want 401", path, resp.StatusCode, err)
		}
		req.SetBasicAuth("anyone", env.ReaderKey)
		resp, err := env.Server.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("reader key as Basic password on %s = %d, want 200", path, resp.StatusCode)
		}
		if cc := resp.Header.Get("Cache-Control"); strings.Contains(cc, "public") {
			t.Errorf("Cache-Control %q on an authenticated read, want private", cc)
		}
	}
}
