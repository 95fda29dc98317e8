package generic_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	_ "github.com/mattn/go-sqlite3"

	"github.com/feedserver/feedserver/auth"
	"github.com/feedserver/feedserver/feed/generic/generictest"
	"github.com/feedserver/feedserver/internal/golden"
	"github.com/feedserver/feedserver/protocol"
	"github.com/feedserver/feedserver/protocol/protocoltest"
)

// env is a server with an owner store, the owner "acme" and a publisher key
// limited to it.
type env struct {
	*protocoltest.Env
	owners  *auth.Owners
	acmeKey string // publisher, owner "acme" only
}

func newEnv(t *testing.T, opts ...func(*protocol.Options)) *env {
	t.Helper()
	ctx := context.Background()
	owners := generictest.Owners(t, "acme")
	options := []protocoltest.Option{protocoltest.WithOptions(func(o *protocol.Options) { o.Owners = owners })}
	for _, o := range opts {
		options = append(options, protocoltest.WithOptions(o))
	}
	e := &env{Env: protocoltest.New(t, options...), owners: owners}
	var err error
	e.acmeKey, _, err = e.Keys.Create(ctx, auth.KeySpec{Name: "acme-ci", Role: auth.RolePublisher, Owners: []string{"acme"}})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// request is one HTTP request of a table.
type request struct {
	method, path string
	body         []byte
	header       []string // name, value pairs
}

func (e *env) send(t *testing.T, r request) (*http.Response, []byte) {
	t.Helper()
	var body io.Reader
	if r.body != nil {
		body = bytes.NewReader(r.body)
	}
	return e.Do(t, r.method, r.path, body, "", r.header...)
}

func basic(key string) []string {
	return []string{"Authorization", "Basic " + base64.StdEncoding.EncodeToString([]byte("ci-user:"+key))}
}

func bearer(key string) []string { return []string{"Authorization", "Bearer " + key} }

func sum(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

const base = "/api/packages/acme/generic"

func TestUpload(t *testing.T) {
	e := newEnv(t)
	multipartBody, multipartType := protocoltest.Multipart(t, "file", "ignored-name.bin", []byte("from a form"))
	tests := []struct {
		name       string
		req        request
		wantStatus int
		wantBody   []byte // stored content, for 201
		wantText   string // in the error body
	}{
		{"raw body, Basic auth", request{PUT, base + "/tool/1.0.0/raw.bin", []byte("raw bytes"), basic(e.PublisherKey)}, 201, []byte("raw bytes"), ""},
		{"multipart, first file part", request{PUT, base + "/tool/1.0.0/form.bin", multipartBody, append(basic(e.PublisherKey), "Content-Type", multipartType)}, 201, []byte("from a form"), ""},
		{"Bearer", request{PUT, base + "/tool/1.0.0/bearer.bin", []byte("b"), bearer(e.PublisherKey)}, 201, []byte("b"), ""},
		{"token scheme", request{PUT, base + "/tool/1.0.0/token.bin", []byte("t"), []string{"Authorization", "token " + e.PublisherKey}}, 201, []byte("t"), ""},
		{"X-NuGet-ApiKey", request{PUT, base + "/tool/1.0.0/nuget.bin", []byte("n"), []string{"X-NuGet-ApiKey", e.PublisherKey}}, 201, []byte("n"), ""},
		{"key limited to the owner", request{PUT, base + "/tool/1.0.0/ci.bin", []byte("ci"), bearer(e.acmeKey)}, 201, []byte("ci"), ""},
		{"empty file", request{PUT, base + "/tool/1.0.0/empty.bin", []byte{}, bearer(e.PublisherKey)}, 201, []byte{}, ""},
		{"version with an inner space", request{PUT, base + "/tool/1.0%20beta/space.bin", []byte("s"), bearer(e.PublisherKey)}, 201, []byte("s"), ""},
		{"names at the edge of the rules", request{PUT, base + "/a/_.-+9/-", []byte("edge"), bearer(e.PublisherKey)}, 201, []byte("edge"), ""},
		{"long name", request{PUT, base + "/" + strings.Repeat("n", 200) + "/1/" + strings.Repeat("f", 200), []byte("long"), bearer(e.PublisherKey)}, 201, []byte("long"), ""},
		{"owner in upper case", request{PUT, "/api/packages/ACME/generic/tool/1.0.0/upper-owner.bin", []byte("u"), bearer(e.PublisherKey)}, 201, []byte("u"), ""},

		{"second upload of the same file", request{PUT, base + "/tool/1.0.0/raw.bin", []byte("again"), bearer(e.PublisherKey)}, 409, nil, "already exists"},
		{"same file name in another case", request{PUT, base + "/TOOL/1.0.0/RAW.BIN", []byte("again"), bearer(e.PublisherKey)}, 409, nil, "already exists"},
		{"anonymous", request{PUT, base + "/tool/1.0.0/anon.bin", []byte("x"), nil}, 401, nil, "API key"},
		{"unknown key", request{PUT, base + "/tool/1.0.0/x.bin", []byte("x"), bearer("API-" + strings.Repeat("X", 32))}, 401, nil, "invalid"},
		{"reader key", request{PUT, base + "/tool/1.0.0/x.bin", []byte("x"), bearer(e.ReaderKey)}, 403, nil, "BuiltInFeedPush"},
		{"key limited to another owner", request{PUT, "/api/packages/other/generic/tool/1.0.0/x.bin", []byte("x"), bearer(e.acmeKey)}, 403, nil, `owner "other"`},
		{"publisher to an owner that does not exist", request{PUT, "/api/packages/nobody/generic/tool/1.0.0/x.bin", []byte("x"), bearer(e.PublisherKey)}, 403, nil, "feedserver owner create nobody"},
		{"administrator creates the owner", request{PUT, "/api/packages/newteam/generic/tool/1.0.0/x.bin", []byte("x"), basic(e.AdminKey)}, 201, []byte("x"), ""},

		{"name with a space", request{PUT, base + "/a%20b/1.0/x.bin", []byte("x"), bearer(e.PublisherKey)}, 400, nil, "invalid package name"},
		{"one-character name that is not alphanumeric", request{PUT, base + "/-/1.0/x.bin", []byte("x"), bearer(e.PublisherKey)}, 400, nil, "invalid package name"},
		{"name too long", request{PUT, base + "/" + strings.Repeat("n", 201) + "/1/x", []byte("x"), bearer(e.PublisherKey)}, 400, nil, "longer than 200"},
		{"file name with a space", request{PUT, base + "/tool/1.0/a%20b.bin", []byte("x"), bearer(e.PublisherKey)}, 400, nil, "invalid file name"},
		{"file name with a question mark", request{PUT, base + "/tool/1.0/a%3Fb", []byte("x"), bearer(e.PublisherKey)}, 400, nil, "invalid file name"},
		{"version with leading whitespace", request{PUT, base + "/tool/%201.0/x.bin", []byte("x"), bearer(e.PublisherKey)}, 400, nil, "leading or trailing whitespace"},
		{"version with trailing whitespace", request{PUT, base + "/tool/1.0%09/x.bin", []byte("x"), bearer(e.PublisherKey)}, 400, nil, "leading or trailing whitespace"},
		{"invalid owner", request{PUT, "/api/packages/-x/generic/tool/1.0/x.bin", []byte("x"), bearer(e.PublisherKey)}, 400, nil, "owner"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, data := e.send(t, tt.req)
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("status = %d (%s), want %d", resp.StatusCode, data, tt.wantStatus)
			}
			if tt.wantStatus == http.StatusUnauthorized && resp.Header.Get("WWW-Authenticate") == "" {
				t.Errorf("401 without WWW-Authenticate")
			}
			if tt.wantText != "" && !protocoltest.Contains(string(data), tt.wantText) {
				t.Errorf("body %q does not say %q", data, tt.wantText)
			}
			if tt.wantBody == nil {
				return
			}
			get, got := e.send(t, request{GET, resp.Header.Get("Location")[len(e.URL):], nil, nil})
			if get.StatusCode != http.StatusOK || !bytes.Equal(got, tt.wantBody) {
				t.Errorf("GET %s = %d %q, want 200 %q", resp.Header.Get("Location"), get.StatusCode, got, tt.wantBody)
			}
		})
	}
}

func TestTraversalIsRefusedInEverySegment(t *testing.T) {
	e := newEnv(t)
	// Each attempt replaces one segment of /api/packages/acme/generic/tool/1.0/x.bin.
	attempts := []string{"..", ".", "%2e", "%2E", ".%2e", "%2e%2e", "%2E%2E", "..%2f..%2fetc", "a%2fb", "a%5cb", "..%5c..", "%2e%2e%2f.ssh%2fauthorized_keys"}
	segments := []string{"owner", "name", "version", "file"}
	for i, part := range segments {
		for _, attempt := range attempts {
			parts := []string{"acme", "tool", "1.0", "x.bin"}
			parts[i] = attempt
			path := "/api/packages/" + parts[0] + "/generic/" + strings.Join(parts[1:], "/")
			for _, method := range []string{PUT, GET, DELETE} {
				t.Run(method+" "+part+" "+attempt, func(t *testing.T) {
					resp, data := e.send(t, request{method, path, []byte("x"), bearer(e.AdminKey)})
					if resp.StatusCode != http.StatusBadRequest {
						t.Fatalf("%s %s = %d (%s), want 400", method, path, resp.StatusCode, data)
					}
				})
			}
		}
	}
	// Nothing was stored anywhere.
	var stored []string
	filepath.WalkDir(filepath.Join(e.Dir, "packages"), func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			stored = append(stored, p)
		}
		return nil
	})
	if len(stored) != 0 {
		t.Errorf("files stored by traversal attempts: %v", stored)
	}
}

const (
	PUT    = http.MethodPut
	GET    = http.MethodGet
	HEAD   = http.MethodHead
	DELETE = http.MethodDelete
)

func TestDownload(t *testing.T) {
	e := newEnv(t)
	content := bytes.Repeat([]byte("0123456789"), 1000)
	path := base + "/tool/2.0%20rc/Tool.tar.gz"
	if resp, data := e.send(t, request{PUT, path, content, bearer(e.PublisherKey)}); resp.StatusCode != 201 {
		t.Fatalf("upload: %d %s", resp.StatusCode, data)
	}
	etag := `"` + sum(content) + `"`
	tests := []struct {
		name       string
		req        request
		wantStatus int
		wantBody   []byte
	}{
		{"GET", request{GET, path, nil, nil}, 200, content},
		{"GET ignoring case", request{GET, "/api/packages/Acme/generic/TOOL/2.0%20RC/tool.TAR.GZ", nil, nil}, 200, content},
		{"HEAD", request{HEAD, path, nil, nil}, 200, []byte{}},
		{"Range", request{GET, path, nil, []string{"Range", "bytes=10-19"}}, 206, content[10:20]},
		{"If-None-Match", request{GET, path, nil, []string{"If-None-Match", etag}}, 304, []byte{}},
		{"a wrong key is ignored on anonymous reads", request{GET, path, nil, bearer("API-" + strings.Repeat("Q", 32))}, 200, content},
		{"missing file", request{GET, base + "/tool/2.0%20rc/other.tar.gz", nil, nil}, 404, nil},
		{"missing version", request{GET, base + "/tool/3.0/Tool.tar.gz", nil, nil}, 404, nil},
		{"missing owner", request{GET, "/api/packages/nobody/generic/tool/2.0%20rc/Tool.tar.gz", nil, nil}, 404, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, data := e.send(t, tt.req)
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("status = %d (%s), want %d", resp.StatusCode, data, tt.wantStatus)
			}
			if tt.wantBody != nil && !bytes.Equal(data, tt.wantBody) {
				t.Errorf("body = %d bytes, want %d", len(data), len(tt.wantBody))
			}
			if resp.StatusCode >= 300 {
				return
			}
			for name, want := range map[string]string{
				"Content-Type":        "application/octet-stream",
				"ETag":                etag,
				"X-Checksum-SHA256":   sum(content),
				"Content-Disposition": `attachment; filename="Tool.tar.gz"; filename*=UTF-8''Tool.tar.gz`,
				"Accept-Ranges":       "bytes",
			} {
				if got := resp.Header.Get(name); got != want {
					t.Errorf("%s = %q, want %q", name, got, want)
				}
			}
			if resp.Header.Get("Last-Modified") == "" {
				t.Errorf("no Last-Modified")
			}
		})
	}
}

func TestReadsNeedAKeyWhenConfigured(t *testing.T) {
	e := newEnv(t, func(o *protocol.Options) { o.RequireAuthForReads = true })
	path := base + "/tool/1.0/a.txt"
	if resp, data := e.send(t, request{PUT, path, []byte("a"), bearer(e.PublisherKey)}); resp.StatusCode != 201 {
		t.Fatalf("upload: %d %s", resp.StatusCode, data)
	}
	ctx := context.Background()
	otherReader, _, err := e.Keys.Create(ctx, auth.KeySpec{Name: "other-reader", Role: auth.RoleReader, Owners: []string{"other"}})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		req        request
		wantStatus int
	}{
		{"anonymous download", request{GET, path, nil, nil}, 401},
		{"anonymous listing", request{GET, base + "/tool", nil, nil}, 401},
		{"wrong key", request{GET, path, nil, basic("API-" + strings.Repeat("Z", 32))}, 401},
		{"reader key", request{GET, path, nil, basic(e.ReaderKey)}, 200},
		{"reader listing", request{GET, base + "/tool", nil, bearer(e.ReaderKey)}, 200},
		{"reader of another owner", request{GET, path, nil, bearer(otherReader)}, 403},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, data := e.send(t, tt.req)
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("status = %d (%s), want %d", resp.StatusCode, data, tt.wantStatus)
			}
			if tt.wantStatus == 200 && !strings.HasPrefix(resp.Header.Get("Cache-Control"), "private") {
				t.Errorf("Cache-Control = %q, want private", resp.Header.Get("Cache-Control"))
			}
		})
	}
}

func TestDelete(t *testing.T) {
	e := newEnv(t)
	for _, f := range []string{"1.0/a.txt", "1.0/b.txt", "2.0/a.txt", "3.0/only.txt"} {
		if resp, data := e.send(t, request{PUT, base + "/tool/" + f, []byte(f), bearer(e.PublisherKey)}); resp.StatusCode != 201 {
			t.Fatalf("upload %s: %d %s", f, resp.StatusCode, data)
		}
	}
	steps := []struct {
		name       string
		req        request
		wantStatus int
	}{
		{"anonymous", request{DELETE, base + "/tool/1.0/a.txt", nil, nil}, 401},
		{"publisher may not delete", request{DELETE, base + "/tool/1.0/a.txt", nil, bearer(e.PublisherKey)}, 403},
		{"administrator deletes a file", request{DELETE, base + "/tool/1.0/A.TXT", nil, bearer(e.AdminKey)}, 204},
		{"the file is gone", request{GET, base + "/tool/1.0/a.txt", nil, nil}, 404},
		{"its sibling stays", request{GET, base + "/tool/1.0/b.txt", nil, nil}, 200},
		{"deleting it again", request{DELETE, base + "/tool/1.0/a.txt", nil, bearer(e.AdminKey)}, 404},
		{"the last file of a version", request{DELETE, base + "/tool/3.0/only.txt", nil, basic(e.AdminKey)}, 204},
		{"deleting the last file deleted the version", request{DELETE, base + "/tool/3.0", nil, bearer(e.AdminKey)}, 404},
		{"a whole version", request{DELETE, base + "/tool/1.0", nil, bearer(e.AdminKey)}, 204},
		{"its files are gone", request{GET, base + "/tool/1.0/b.txt", nil, nil}, 404},
		{"deleting a missing version", request{DELETE, base + "/tool/1.0", nil, bearer(e.AdminKey)}, 404},
		{"the name is free again", request{PUT, base + "/tool/1.0/a.txt", []byte("new"), bearer(e.PublisherKey)}, 201},
	}
	for _, s := range steps {
		resp, data := e.send(t, s.req)
		if resp.StatusCode != s.wantStatus {
			t.Fatalf("%s: %s %s = %d (%s), want %d", s.name, s.req.method, s.req.path, resp.StatusCode, data, s.wantStatus)
		}
	}
	resp, data := e.send(t, request{GET, base + "/tool", nil, nil})
	if resp.StatusCode != 200 {
		t.Fatalf("listing: %d %s", resp.StatusCode, data)
	}
	var versions []string
	for _, m := range regexp.MustCompile(`"version": "([^"]*)"`).FindAllStringSubmatch(string(data), -1) {
		versions = append(versions, m[1])
	}
	if got := strings.Join(versions, ","); got != "2.0,1.0" {
		t.Errorf("versions listed = %s, want 2.0,1.0 (by creation)", got)
	}
}

func TestListingGolden(t *testing.T) {
	e := newEnv(t)
	for _, u := range []struct{ path, body string }{
		{"/MyTool/1.0.0/tool-linux.tar.gz", "linux"},
		{"/mytool/1.0.0/tool-windows.zip", "windows"},
		{"/mytool/2.0%20beta/tool-linux.tar.gz", "linux"},
		{"/other/1.0/x", "x"},
	} {
		if resp, data := e.send(t, request{PUT, base + u.path, []byte(u.body), bearer(e.PublisherKey)}); resp.StatusCode != 201 {
			t.Fatalf("upload %s: %d %s", u.path, resp.StatusCode, data)
		}
	}
	resp, data := e.send(t, request{GET, base + "/MYTOOL", nil, nil})
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("listing: %d %s %s", resp.StatusCode, resp.Header.Get("Content-Type"), data)
	}
	got := strings.ReplaceAll(string(data), e.URL, "http://feed.example")
	got = regexp.MustCompile(`"created": "[^"]*"`).ReplaceAllString(got, `"created": "TIME"`)
	golden.Check(t, filepath.Join("testdata", "listing.golden.json"), []byte(got))

	for _, missing := range []string{base + "/nothing", "/api/packages/nobody/generic/mytool"} {
		if resp, data := e.send(t, request{GET, missing, nil, nil}); resp.StatusCode != 404 {
			t.Errorf("GET %s = %d (%s), want 404", missing, resp.StatusCode, data)
		}
	}
}

func TestUploadSizeLimit(t *testing.T) {
	e := newEnv(t, func(o *protocol.Options) { o.MaxUploadBytes = 1000 })
	for _, tt := range []struct {
		name    string
		size    int
		chunked bool
		want    int
	}{
		{"at the limit", 1000, false, 201},
		{"Content-Length over the limit", 200_000, false, 413},
		{"chunked over the limit", 200_000, true, 413},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var body io.Reader = bytes.NewReader(make([]byte, tt.size))
			if tt.chunked {
				body = io.MultiReader(body) // unknown length: sent chunked
			}
			resp, data := e.Do(t, PUT, base+"/tool/1.0/"+strings.ReplaceAll(tt.name, " ", "-"), body, "", bearer(e.PublisherKey)...)
			if resp.StatusCode != tt.want {
				t.Fatalf("status = %d (%s), want %d", resp.StatusCode, data, tt.want)
			}
		})
	}
}

func TestUploadMetrics(t *testing.T) {
	e := newEnv(t)
	body := make([]byte, 12345)
	if resp, data := e.send(t, request{PUT, base + "/tool/1.0/m.bin", body, bearer(e.PublisherKey)}); resp.StatusCode != 201 {
		t.Fatalf("upload: %d %s", resp.StatusCode, data)
	}
	resp, data := e.send(t, request{GET, "/metrics", nil, nil})
	if resp.StatusCode != 200 {
		t.Fatalf("metrics: %d", resp.StatusCode)
	}
	for _, want := range []string{
		`feedserver_received_bytes_total{protocol="generic"} 12345`,
		`feedserver_pushes_total{outcome="created",protocol="generic"} 1`,
		`route="/api/packages/{owner}/generic/{name}/{version}/{file}"`,
	} {
		if !strings.Contains(string(data), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

func TestOwnerCreatedByAdministratorPush(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	if ok, _ := e.owners.Exists(ctx, "fresh"); ok {
		t.Fatal("owner exists before the push")
	}
	resp, data := e.send(t, request{PUT, "/api/packages/Fresh/generic/tool/1.0/a", []byte("a"), bearer(e.AdminKey)})
	if resp.StatusCode != 201 {
		t.Fatalf("admin push: %d %s", resp.StatusCode, data)
	}
	if ok, err := e.owners.Exists(ctx, "fresh"); !ok || err != nil {
		t.Errorf("owner after the admin's push: %v %v, want it created", ok, err)
	}
	// Now a publisher may push there too.
	if resp, data := e.send(t, request{PUT, "/api/packages/fresh/generic/tool/1.0/b", []byte("b"), bearer(e.PublisherKey)}); resp.StatusCode != 201 {
		t.Errorf("publisher push to the new owner: %d %s", resp.StatusCode, data)
	}
}
