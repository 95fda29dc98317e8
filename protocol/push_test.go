package protocol_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/feedserver/feedserver/auth"
	"github.com/feedserver/feedserver/protocol"
	"github.com/feedserver/feedserver/protocol/protocoltest"
)

func TestPushURLs(t *testing.T) {
	env := protocoltest.New(t)
	paths := []string{
		"/api/v2/package", "/api/v2/package/",
		"/nuget/packages", "/nuget/packages/",
		"/Spaces-1/nuget/packages", "/Spaces-1/nuget/packages/",
		"/spaces-2/nuget/packages/",
		"/nuget/packages?replace=true/", // NuGet.exe appends "/" inside the query
	}
	for i, path := range paths {
		for _, method := range []string{http.MethodPut, http.MethodPost} {
			t.Run(method+" "+path, func(t *testing.T) {
				id := fmt.Sprintf("Push.Url%d%s", i, method)
				body, ct := protocoltest.Multipart(t, "package", "package.nupkg", protocoltest.Nupkg(t, id, "1.0.0"))
				resp, data := env.Do(t, method, path, bytes.NewReader(body), env.PublisherKey, "Content-Type", ct)
				if resp.StatusCode != http.StatusCreated {
					t.Fatalf("status = %d (%s), want 201", resp.StatusCode, data)
				}
			})
		}
	}
	// The per-space pushes landed in their spaces: Spaces-2 is not the default space.
	if _, err := env.Feed.Get(t.Context(), "Spaces-2", "nuget", "Push.Url6PUT", "1.0.0"); err != nil {
		t.Errorf("package pushed to /spaces-2/nuget/packages/ not in Spaces-2: %v", err)
	}
	if _, err := env.Feed.Get(t.Context(), "Spaces-1", "nuget", "Push.Url6PUT", "1.0.0"); err == nil {
		t.Errorf("package pushed to /spaces-2/nuget/packages/ also found in Spaces-1")
	}
}

func TestPushBodies(t *testing.T) {
	env := protocoltest.New(t)
	tests := []struct {
		name        string
		contentType string
		body        func(pkg []byte) []byte
		chunked     bool
	}{
		{name: "raw body", contentType: "application/octet-stream", body: func(p []byte) []byte { return p }},
		{name: "raw body without content type", body: func(p []byte) []byte { return p }},
		{name: "raw body chunked", contentType: "application/octet-stream", body: func(p []byte) []byte { return p }, chunked: true},
		{name: "odd field name", contentType: "multipart/form-data; boundary=XyZ", body: func(p []byte) []byte {
			return multipartBody("XyZ", `form-data; name="fileToUpload"; filename="C:\\builds\\odd.nupkg"`, "multipart/form-data", p)
		}},
		{name: "quoted boundary with NuGet.exe headers", contentType: `multipart/form-data; boundary="146822fe-a19a-4103-8cc1-27707075bf06"`, chunked: true,
			body: func(p []byte) []byte {
				return multipartBody("146822fe-a19a-4103-8cc1-27707075bf06",
					`form-data; name=package; filename=package.nupkg; filename*=utf-8''package.nupkg`, "application/octet-stream", p)
			}},
		{name: "form field before the file", contentType: "multipart/form-data; boundary=b", body: func(p []byte) []byte {
			var buf bytes.Buffer
			buf.WriteString("--b\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhello\r\n")
			buf.Write(multipartBody("b", `form-data; name="data"; filename="x.nupkg"`, "", p))
			return buf.Bytes()
		}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pkg := protocoltest.Nupkg(t, fmt.Sprintf("Body.Case%d", i), "1.0.0")
			var body io.Reader = bytes.NewReader(tt.body(pkg))
			if tt.chunked {
				body = io.MultiReader(body) // unknown length: the client sends it chunked
			}
			req, err := http.NewRequest(http.MethodPut, env.URL+"/api/v2/package/", body)
			if err != nil {
				t.Fatal(err)
			}
			if tt.contentType != "" {
				req.Header.Set("Content-Type", tt.contentType)
			}
			req.Header.Set("X-NuGet-ApiKey", env.PublisherKey)
			resp, err := env.Server.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			data := protocoltest.ReadBody(t, resp)
			if resp.StatusCode != http.StatusCreated {
				t.Fatalf("status = %d (%s), want 201", resp.StatusCode, data)
			}
			if tt.chunked && len(req.TransferEncoding) == 0 && req.ContentLength > 0 {
				t.Fatalf("request was not chunked")
			}
		})
	}
}

// multipartBody is one file part with the given Content-Disposition, written by hand
// so tests control quoting the way real clients do it.
func multipartBody(boundary, disposition, partType string, data []byte) []byte {
	var buf bytes.Buffer
	fmt.Fprintf(&buf, "--%s\r\n", boundary)
	if partType != "" {
		fmt.Fprintf(&buf, "Content-Type: %s\r\n", partType)
	}
	fmt.Fprintf(&buf, "Content-Disposition: %s\r\n\r\n", disposition)
	buf.Write(data)
	fmt.Fprintf(&buf, "\r\n--%s--\r\n", boundary)
	return buf.Bytes()
}

func TestPushStatus(t *testing.T) {
	env := protocoltest.New(t, protocoltest.WithOptions(func(o *protocol.Options) { o.MaxUploadBytes = 256 << 10 }))
	pkg := protocoltest.Nupkg(t, "Status.Pkg", "1.0.0")
	notZip := []byte("this is not a zip archive")
	big := protocoltest.NupkgPadded(t, "Status.Big", "1.0.0", 2<<20)

	tests := []struct {
		name        string
		body        []byte
		key         string
		want        int
		wantText    string
		wantWarning bool
		wantAuth    string // WWW-Authenticate
	}{
		{name: "created", body: pkg, key: "publisher", want: 201},
		{name: "duplicate", body: pkg, key: "publisher", want: 409,
			wantText: "A package with ID 'Status.Pkg' and version '1.0.0' already exists and cannot be modified."},
		{name: "duplicate by admin without replace", body: pkg, key: "admin", want: 409},
		{name: "not a zip", body: notZip, key: "publisher", want: 400, wantText: "zip", wantWarning: true},
		{name: "no key", body: protocoltest.Nupkg(t, "Status.NoKey", "1.0.0"), want: 401, wantAuth: "ApiKey"},
		{name: "wrong key", body: protocoltest.Nupkg(t, "Status.Wrong", "1.0.0"), key: "API-WRONGWRONGWRONGWRONGWRONGWRONG", want: 403},
		{name: "malformed key", body: protocoltest.Nupkg(t, "Status.Wrong", "1.0.0"), key: "not-a-key", want: 403},
		{name: "reader may not push", body: protocoltest.Nupkg(t, "Status.Reader", "1.0.0"), key: "reader", want: 403, wantText: "BuiltInFeedPush"},
		{name: "too large", body: big, key: "publisher", want: 413, wantWarning: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := env.Push(t, tt.body, keyOf(env, tt.key))
			body := protocoltest.ReadBody(t, resp)
			if resp.StatusCode != tt.want {
				t.Fatalf("status = %d (%s), want %d", resp.StatusCode, body, tt.want)
			}
			if !strings.Contains(body, tt.wantText) {
				t.Errorf("body = %q, want it to contain %q", body, tt.wantText)
			}
			warning := resp.Header.Get("X-NuGet-Warning")
			if tt.wantWarning && (warning == "" || strings.ContainsAny(warning, "\r\n")) {
				t.Errorf("X-NuGet-Warning = %q, want a one-line message", warning)
			}
			if got := resp.Header.Get("WWW-Authenticate"); !strings.HasPrefix(got, tt.wantAuth) || (tt.wantAuth == "" && got != "") {
				t.Errorf("WWW-Authenticate = %q, want prefix %q", got, tt.wantAuth)
			}
		})
	}
	// Nothing refused was stored.
	for _, id := range []string{"Status.NoKey", "Status.Wrong", "Status.Reader", "Status.Big"} {
		if vs, err := env.Feed.Versions(t.Context(), "Spaces-1", "nuget", id); err != nil || len(vs) != 0 {
			t.Errorf("%s: versions = %v, %v; want none", id, vs, err)
		}
	}
}

func keyOf(env *protocoltest.Env, who string) string {
	switch who {
	case "admin":
		return env.AdminKey
	case "publisher":
		return env.PublisherKey
	case "reader":
		return env.ReaderKey
	}
	return who
}

func TestReplace(t *testing.T) {
	env := protocoltest.New(t)
	first := protocoltest.Nupkg(t, "Replace.Me", "1.0.0")
	second := protocoltest.NupkgPadded(t, "Replace.Me", "1.0.0", 100)
	if resp := env.Push(t, first, env.PublisherKey); resp.StatusCode != 201 {
		t.Fatalf("first push: %d", resp.StatusCode)
	}
	for _, path := range []string{"/nuget/packages?replace=true/", "/api/v2/package/?Replace=TRUE"} {
		if resp := env.PushTo(t, path, second, env.PublisherKey); resp.StatusCode != http.StatusForbidden {
			t.Errorf("publisher replace via %s: status = %d, want 403", path, resp.StatusCode)
		}
	}
	if resp := env.PushTo(t, "/nuget/packages?replace=false", second, env.AdminKey); resp.StatusCode != http.StatusConflict {
		t.Errorf("admin push with replace=false: status = %d, want 409", resp.StatusCode)
	}
	if resp := env.PushTo(t, "/nuget/packages?replace=true/", second, env.AdminKey); resp.StatusCode != http.StatusCreated {
		t.Fatalf("admin replace: status = %d, want 201", resp.StatusCode)
	}
	_, got := env.Do(t, http.MethodGet, "/v3/package/replace.me/1.0.0/replace.me.1.0.0.nupkg", nil, "")
	if !bytes.Equal(got, second) {
		t.Errorf("after replace the download is %d bytes, want the second package (%d bytes)", len(got), len(second))
	}
}

func TestDelete(t *testing.T) {
	env := protocoltest.New(t)
	for _, v := range []string{"1.0.0", "2.0.0", "3.0.0"} {
		if resp := env.Push(t, protocoltest.Nupkg(t, "Delete.Me", v), env.PublisherKey); resp.StatusCode != 201 {
			t.Fatalf("push %s: %d", v, resp.StatusCode)
		}
	}
	steps := []struct {
		name, path, key string
		want            int
	}{
		{"no key", "/api/v2/package/Delete.Me/1.0.0", "", 401},
		{"publisher may not delete", "/api/v2/package/Delete.Me/1.0.0", "publisher", 403},
		{"admin deletes, id as typed", "/api/v2/package/DELETE.me/1.0", "admin", 204},
		{"gone", "/api/v2/package/Delete.Me/1.0.0", "admin", 404},
		{"octopus url", "/nuget/packages/Delete.Me/2.0.0", "admin", 204},
		{"replace=true source quirk", "/nuget/Delete.Me/3.0.0", "admin", 204},
		{"unknown id", "/api/v2/package/No.Such/1.0.0", "admin", 404},
	}
	for _, s := range steps {
		resp, body := env.Do(t, http.MethodDelete, s.path, nil, keyOf(env, s.key))
		if resp.StatusCode != s.want {
			t.Errorf("%s: DELETE %s = %d (%s), want %d", s.name, s.path, resp.StatusCode, body, s.want)
		}
	}
	if resp, _ := env.Do(t, http.MethodGet, "/v3/package/delete.me/index.json", nil, ""); resp.StatusCode != 404 {
		t.Errorf("index.json after deleting every version = %d, want 404", resp.StatusCode)
	}
}

func TestUnlistModeAndRelist(t *testing.T) {
	env := protocoltest.New(t, protocoltest.WithOptions(func(o *protocol.Options) { o.DeleteMode = "unlist" }))
	if resp := env.Push(t, protocoltest.Nupkg(t, "Unlist.Me", "1.0.0"), env.PublisherKey); resp.StatusCode != 201 {
		t.Fatalf("push: %d", resp.StatusCode)
	}
	if resp, _ := env.Do(t, http.MethodDelete, "/api/v2/package/Unlist.Me/1.0.0", nil, env.AdminKey); resp.StatusCode != 204 {
		t.Fatalf("delete (unlist) = %d, want 204", resp.StatusCode)
	}
	e, err := env.Feed.Get(t.Context(), "Spaces-1", "nuget", "Unlist.Me", "1.0.0")
	if err != nil || e.Listed {
		t.Fatalf("after unlist: entry %+v, %v; want it kept and unlisted", e.Listed, err)
	}
	// Unlisted versions stay in the flat container (docs/protocol/nuget.md §3).
	if resp, body := env.Do(t, http.MethodGet, "/v3/package/unlist.me/index.json", nil, ""); resp.StatusCode != 200 || !strings.Contains(string(body), "1.0.0") {
		t.Errorf("index.json after unlist = %d %s, want 1.0.0 listed", resp.StatusCode, body)
	}
	if resp, _ := env.Do(t, http.MethodPost, "/api/v2/package/unlist.me/1.0.0", nil, env.PublisherKey); resp.StatusCode != 403 {
		t.Errorf("relist by publisher = %d, want 403", resp.StatusCode)
	}
	if resp, _ := env.Do(t, http.MethodPost, "/api/v2/package/unlist.me/1.0.0", nil, env.AdminKey); resp.StatusCode != 200 {
		t.Errorf("relist = %d, want 200", resp.StatusCode)
	}
	if e, err := env.Feed.Get(t.Context(), "Spaces-1", "nuget", "Unlist.Me", "1.0.0"); err != nil || !e.Listed {
		t.Errorf("after relist: listed = %v, %v; want true", e.Listed, err)
	}
	if resp, _ := env.Do(t, http.MethodPost, "/api/v2/package/unlist.me/9.0.0", nil, env.AdminKey); resp.StatusCode != 404 {
		t.Errorf("relist of an absent version = %d, want 404", resp.StatusCode)
	}
}

// A refused push of a large body still gets its status to the client: the
// server drains the upload instead of resetting the connection mid-send.
func TestRefusedLargePushGetsStatus(t *testing.T) {
	env := protocoltest.New(t, protocoltest.WithOptions(func(o *protocol.Options) { o.MaxUploadBytes = 1 << 20 }))
	big := protocoltest.NupkgPadded(t, "Large.Refused", "1.0.0", 8<<20)
	tests := []struct {
		name    string
		key     string
		chunked bool
		want    int
	}{
		{"no key", "", false, 401},
		{"no key chunked", "", true, 401},
		{"reader key", env.ReaderKey, true, 403},
		{"too large by Content-Length", env.PublisherKey, false, 413},
		{"too large chunked", env.PublisherKey, true, 413},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body, ct := protocoltest.Multipart(t, "package", "package.nupkg", big)
			var r io.Reader = bytes.NewReader(body)
			if tt.chunked {
				r = io.MultiReader(r)
			}
			req, _ := http.NewRequest(http.MethodPut, env.URL+"/api/v2/package/", r)
			req.Header.Set("Content-Type", ct)
			if tt.key != "" {
				req.Header.Set("X-NuGet-ApiKey", tt.key)
			}
			resp, err := env.Server.Client().Do(req)
			if err != nil {
				t.Fatalf("the client saw %v instead of a status", err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.want {
				t.Errorf("status = %d, want %d", resp.StatusCode, tt.want)
			}
		})
	}
}

// Concurrent pushes of one version end with one 201 and 409s for the rest.
func TestConcurrentPushesOneWinner(t *testing.T) {
	env := protocoltest.New(t)
	pkg := protocoltest.Nupkg(t, "Race.Pkg", "1.0.0")
	codes := make(chan int, 8)
	for range 8 {
		go func() {
			body, ct := protocoltest.Multipart(t, "package", "package.nupkg", pkg)
			req, _ := http.NewRequest(http.MethodPut, env.URL+"/api/v2/package/", bytes.NewReader(body))
			req.Header.Set("Content-Type", ct)
			req.Header.Set("X-NuGet-ApiKey", env.PublisherKey)
			resp, err := env.Server.Client().Do(req)
			if err != nil {
				codes <- 0
				return
			}
			resp.Body.Close()
			codes <- resp.StatusCode
		}()
	}
	count := map[int]int{}
	for range 8 {
		count[<-codes]++
	}
	if count[201] != 1 || count[409] != 7 {
		t.Errorf("status counts = %v, want one 201 and seven 409", count)
	}
}

func TestSpaceRestrictedKey(t *testing.T) {
	env := protocoltest.New(t)
	key, _, err := env.Keys.Create(t.Context(), auth.KeySpec{Name: "space2", Role: auth.RoleAdministrator, Spaces: []string{"Spaces-2"}})
	if err != nil {
		t.Fatal(err)
	}
	if resp := env.PushTo(t, "/Spaces-2/nuget/packages/", protocoltest.Nupkg(t, "Space.Pkg", "1.0.0"), key); resp.StatusCode != 201 {
		t.Errorf("push to its own space = %d, want 201", resp.StatusCode)
	}
	if resp := env.PushTo(t, "/nuget/packages/", protocoltest.Nupkg(t, "Space.Pkg", "1.0.0"), key); resp.StatusCode != 403 {
		t.Errorf("push to the default space = %d, want 403", resp.StatusCode)
	}
	if resp, _ := env.Do(t, http.MethodDelete, "/Spaces-2/nuget/packages/Space.Pkg/1.0.0", nil, key); resp.StatusCode != 204 {
		t.Errorf("delete in its own space = %d, want 204", resp.StatusCode)
	}
}
