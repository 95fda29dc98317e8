package web_test

import (
	"context"
	"html"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/feedserver/feedserver/feed"
	"github.com/feedserver/feedserver/index"
	"github.com/feedserver/feedserver/nuget/nugettest"
	"github.com/feedserver/feedserver/protocol"
	"github.com/feedserver/feedserver/protocol/protocoltest"
)

func TestAPIKeys(t *testing.T) {
	env := protocoltest.New(t)
	sameOrigin := []string{"Sec-Fetch-Site", "same-origin", "Content-Type", "application/json"}

	// Create, shown once; list without the key; revoke; it stops working.
	resp, body := env.Do(t, http.MethodPost, "/api/admin/apikeys", strings.NewReader(`{"name":"build","role":"publisher","spaces":["Spaces-2"]}`), env.AdminKey, sameOrigin...)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("create: %d %s", resp.StatusCode, body)
	}
	var created struct {
		Key, ID, Name string
		Spaces        []string
	}
	decode(t, body, &created)
	if !strings.HasPrefix(created.Key, "API-") || !strings.HasPrefix(created.ID, "apikeys-") || created.Spaces[0] != "Spaces-2" {
		t.Fatalf("created %+v", created)
	}
	resp, body = env.Do(t, http.MethodGet, "/api/admin/apikeys", nil, env.AdminKey)
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), created.ID) || strings.Contains(string(body), created.Key) {
		t.Fatalf("list: %d %s", resp.StatusCode, body)
	}
	if resp, _ := env.Do(t, http.MethodGet, "/api/admin/apikeys", nil, created.Key); resp.StatusCode != http.StatusForbidden {
		t.Errorf("list with a publisher key: %d, want 403", resp.StatusCode)
	}
	if resp, body := env.Do(t, http.MethodDelete, "/api/admin/apikeys/"+created.ID, nil, env.AdminKey, sameOrigin...); resp.StatusCode != http.StatusNoContent {
		t.Fatalf("revoke: %d %s", resp.StatusCode, body)
	}
	if resp, _ := env.Do(t, http.MethodGet, "/api/admin/apikeys", nil, created.Key); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("revoked key: %d, want 401", resp.StatusCode)
	}

	tests := []struct {
		name, method, path, body, key string
		header                        []string
		want                          int
	}{
		{name: "no key", method: "GET", path: "/api/admin/apikeys", want: 401},
		{name: "reader", method: "GET", path: "/api/admin/apikeys", key: env.ReaderKey, want: 403},
		{name: "cross-site create", method: "POST", path: "/api/admin/apikeys", body: `{"name":"x","role":"reader"}`, key: env.AdminKey,
			header: []string{"Sec-Fetch-Site", "cross-site"}, want: 403},
		{name: "foreign origin create", method: "POST", path: "/api/admin/apikeys", body: `{"name":"x","role":"reader"}`, key: env.AdminKey,
			header: []string{"Origin", "https://evil.example"}, want: 403},
		{name: "cross-site revoke", method: "DELETE", path: "/api/admin/apikeys/apikeys-abc", key: env.AdminKey,
			header: []string{"Sec-Fetch-Site", "same-site"}, want: 403},
		{name: "bad role", method: "POST", path: "/api/admin/apikeys", body: `{"name":"x","role":"king"}`, key: env.AdminKey, want: 400},
		{name: "no name", method: "POST", path: "/api/admin/apikeys", body: `{"role":"reader"}`, key: env.AdminKey, want: 400},
		{name: "not JSON", method: "POST", path: "/api/admin/apikeys", body: `name=x`, key: env.AdminKey, want: 400},
		{name: "duplicate name", method: "POST", path: "/api/admin/apikeys", body: `{"name":"administrator","role":"reader"}`, key: env.AdminKey, want: 409},
		{name: "revoke by name refused", method: "DELETE", path: "/api/admin/apikeys/reader", key: env.AdminKey, want: 400},
		{name: "revoke unknown", method: "DELETE", path: "/api/admin/apikeys/apikeys-000000000000", key: env.AdminKey, want: 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := env.Do(t, tt.method, tt.path, strings.NewReader(tt.body), tt.key, tt.header...)
			if resp.StatusCode != tt.want {
				t.Errorf("%s %s = %d %s, want %d", tt.method, tt.path, resp.StatusCode, body, tt.want)
			}
			if !strings.Contains(string(body), `"ErrorMessage"`) {
				t.Errorf("error body %s is not the Octopus error shape", body)
			}
		})
	}
}

// actionButtons finds the administrator buttons of a page.
var actionButtons = regexp.MustCompile(`<button type="button" class="act[^"]*" data-method="([A-Z]+)" data-url="([^"]+)" data-header="([^"]+)"(?: data-body="([^"]*)")?[^>]*>([^<]+)</button>`)

// click sends what the page's script sends for the button labelled label
// whose URL holds version, on the page at path.
func click(t *testing.T, env *protocoltest.Env, path, label, version, key string) *http.Response {
	t.Helper()
	_, page := get(t, env, path)
	for _, m := range actionButtons.FindAllStringSubmatch(page, -1) {
		if m[5] != label || !strings.Contains(m[2], version) {
			continue
		}
		method, url, header, body := m[1], html.UnescapeString(m[2]), m[3], html.UnescapeString(m[4])
		value := key
		if header == "Authorization" {
			value = "Bearer " + key
		}
		resp, data := env.Do(t, method, url, strings.NewReader(body), "", header, value, "Sec-Fetch-Site", "same-origin", "Content-Type", "application/json")
		if resp.StatusCode >= 300 {
			t.Fatalf("%s %s: %d %s", method, url, resp.StatusCode, data)
		}
		return resp
	}
	t.Fatalf("%s has no %q button", path, label)
	return nil
}

func TestActionButtons(t *testing.T) {
	for _, mode := range []string{"delete", "unlist"} {
		t.Run(mode, func(t *testing.T) {
			env := protocoltest.New(t, protocoltest.WithOptions(func(o *protocol.Options) { o.DeleteMode = mode }))
			ctx := context.Background()
			for _, v := range []string{"1.0.0", "2.0.0"} {
				if resp := env.Push(t, nugettest.Build(t, nugettest.Spec{ID: "Acts", Version: v}), env.AdminKey); resp.StatusCode != 201 {
					t.Fatalf("push: %d", resp.StatusCode)
				}
			}
			raw, ct := protocoltest.Multipart(t, "file", "Arch.1.0.0.zip", nugettest.Zip(t, map[string][]byte{"a": []byte("a")}))
			if resp, body := env.Do(t, "POST", "/api/Spaces-2/packages/raw", strings.NewReader(string(raw)), env.AdminKey, "Content-Type", ct); resp.StatusCode != 201 {
				t.Fatalf("raw: %d %s", resp.StatusCode, body)
			}
			listed := func(space string, kind index.Kind, id, v string) bool {
				e, err := env.Feed.Get(ctx, space, kind, id, v)
				if err != nil {
					t.Fatal(err)
				}
				return e.Listed
			}

			click(t, env, "/packages/Acts/2.0.0", "Unlist", "2.0.0", env.AdminKey)
			if listed(feed.DefaultSpace, index.KindNuGet, "Acts", "2.0.0") {
				t.Errorf("Unlist left Acts 2.0.0 listed")
			}
			click(t, env, "/packages/Acts/2.0.0", "Relist", "2.0.0", env.AdminKey)
			if !listed(feed.DefaultSpace, index.KindNuGet, "Acts", "2.0.0") {
				t.Errorf("Relist left Acts 2.0.0 unlisted")
			}
			click(t, env, "/packages/Acts/1.0.0", "Delete", "1.0.0", env.AdminKey)
			if _, err := env.Feed.Get(ctx, feed.DefaultSpace, index.KindNuGet, "Acts", "1.0.0"); err == nil {
				t.Errorf("Delete left Acts 1.0.0 in place")
			}

			archive := "/packages/Arch/1.0.0?space=Spaces-2&kind=raw"
			click(t, env, archive, "Unlist", "1.0.0", env.AdminKey)
			if listed("Spaces-2", index.KindRaw, "Arch", "1.0.0") {
				t.Errorf("Unlist left the archive listed")
			}
			click(t, env, archive, "Relist", "1.0.0", env.AdminKey)
			click(t, env, archive, "Delete", "1.0.0", env.AdminKey)
			if _, err := env.Feed.Get(ctx, "Spaces-2", index.KindRaw, "Arch", "1.0.0"); err == nil {
				t.Errorf("Delete left the archive in place")
			}
		})
	}
}

func TestGenericPackagePage(t *testing.T) {
	env := protocoltest.New(t)
	for _, v := range []string{"1.0.0", "1.1.0"} {
		if resp, body := env.Do(t, http.MethodPut, "/api/packages/team/generic/Tool/"+v+"/tool.tar.gz", strings.NewReader("bytes "+v), env.AdminKey); resp.StatusCode != 201 {
			t.Fatalf("upload: %d %s", resp.StatusCode, body)
		}
	}
	resp, body := get(t, env, "/packages/generic/team/Tool")
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	for _, w := range []string{"1.1.0", "1.0.0", env.URL + "/api/packages/team/generic/Tool/1.1.0/tool.tar.gz", "curl -fsS"} {
		if !strings.Contains(body, w) {
			t.Errorf("page lacks %q", w)
		}
	}
	click(t, env, "/packages/generic/team/Tool", "Delete version", "1.1.0", env.AdminKey)
	if _, body := get(t, env, "/packages/generic/team/Tool"); strings.Contains(body, "Tool/1.1.0/") {
		t.Errorf("the deleted version is still shown")
	}
	if resp, _ := get(t, env, "/packages/generic/team/none"); resp.StatusCode != 404 {
		t.Errorf("unknown generic package: %d, want 404", resp.StatusCode)
	}
}

func TestSetListedNeedsAdminister(t *testing.T) {
	env := protocoltest.New(t)
	if resp := env.Push(t, nugettest.Build(t, nugettest.Spec{ID: "L", Version: "1.0.0"}), env.AdminKey); resp.StatusCode != 201 {
		t.Fatal(resp.StatusCode)
	}
	tests := []struct {
		name, path, body, key string
		want                  int
	}{
		{name: "publisher", path: "/api/admin/packages/Spaces-1/nuget/L/1.0.0/listed", body: `{"listed":false}`, key: env.PublisherKey, want: 403},
		{name: "anonymous", path: "/api/admin/packages/Spaces-1/nuget/L/1.0.0/listed", body: `{"listed":false}`, want: 401},
		{name: "bad kind", path: "/api/admin/packages/Spaces-1/generic/L/1.0.0/listed", body: `{"listed":false}`, key: env.AdminKey, want: 400},
		{name: "no body", path: "/api/admin/packages/Spaces-1/nuget/L/1.0.0/listed", body: `{}`, key: env.AdminKey, want: 400},
		{name: "unknown", path: "/api/admin/packages/Spaces-1/nuget/L/9.0.0/listed", body: `{"listed":false}`, key: env.AdminKey, want: 404},
		{name: "space in any case", path: "/api/admin/packages/spaces-1/nuget/l/1.0.0/listed", body: `{"listed":false}`, key: env.AdminKey, want: 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := env.Do(t, http.MethodPut, tt.path, strings.NewReader(tt.body), tt.key)
			if resp.StatusCode != tt.want {
				t.Errorf("got %d %s, want %d", resp.StatusCode, body, tt.want)
			}
		})
	}
}

func TestRequireAuthForReads(t *testing.T) {
	env := protocoltest.New(t, protocoltest.WithOptions(func(o *protocol.Options) { o.RequireAuthForReads = true }))
	resp, _ := get(t, env, "/packages")
	if resp.StatusCode != http.StatusUnauthorized || !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Basic") {
		t.Errorf("anonymous: %d %q, want 401 with a Basic challenge", resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
	}
	req, _ := http.NewRequest(http.MethodGet, env.URL+"/packages", nil)
	req.SetBasicAuth("me", env.ReaderKey)
	r2, err := env.Server.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	r2.Body.Close()
	if r2.StatusCode != http.StatusOK {
		t.Errorf("with a reader key by Basic: %d, want 200", r2.StatusCode)
	}
}
