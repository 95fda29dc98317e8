package octopus_test

// Each test replays, request by request, what one real client sends
// (docs/protocol/octopus.md §1) and checks every field that client reads.

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
)

// octopackjs 0.2.4: one POST, field "file", X-Octopus-ApiKey, ?replace=true
// only when asked; success is 200 or 201; the README reads Title, Version
// and PackageSizeBytes.
func TestOctopackjs(t *testing.T) {
	e := newEnv(t)
	zip := archive(1, 230)
	for _, tc := range []struct {
		name, path, key string
		want            int
	}{
		{"default space", "/api/packages/raw", e.PublisherKey, http.StatusCreated},
		{"spaceId option", "/api/Spaces-2/packages/raw", e.Space2Key, http.StatusCreated},
		{"replace=true by an administrator", "/api/packages/raw?replace=true", e.AdminKey, http.StatusCreated},
		{"replace=true by a publisher", "/api/packages/raw?replace=true", e.PublisherKey, http.StatusForbidden},
		{"again without replace", "/api/packages/raw", e.PublisherKey, http.StatusConflict},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, body := e.upload(t, tc.path, tc.key, "Hello.1.0.0.zip", zip)
			wantStatus(t, "push", code, body, tc.want)
			p := decode[obj](t, body)
			if code >= 300 {
				if str(p, "ErrorMessage") == "" {
					t.Errorf("error body without ErrorMessage: %s", body)
				}
				return
			}
			if str(p, "Title") != "Hello" || str(p, "Version") != "1.0.0" || num(p, "PackageSizeBytes") != float64(len(zip)) {
				t.Errorf("got Title %q Version %q PackageSizeBytes %v, want Hello 1.0.0 %d", str(p, "Title"), str(p, "Version"), p["PackageSizeBytes"], len(zip))
			}
		})
	}
}

// @octopusdeploy/api-client 3.11.0: GET /api, spaces by partialName, then
// parallel uploads with fileToUpload and a guessed part type; list by filter
// then get by Items[0].Id.
func TestAPIClient(t *testing.T) {
	e := newEnv(t)
	hdr := func(key string) map[string]string {
		return map[string]string{"X-Octopus-ApiKey": key, "Accept": "application/json, text/plain, */*",
			"Accept-Encoding": "gzip,deflate,compress", "User-Agent": "ts-octopusdeploy test"}
	}
	code, body, _ := e.send(t, req{method: "GET", path: "/api", header: hdr(e.PublisherKey)})
	wantStatus(t, "GET /api", code, body, 200)
	root := decode[obj](t, body)
	if str(root, "Version") == "" || len(str(root, "InstallationId")) != 36 {
		t.Errorf("root: got Version %q InstallationId %q, want both set", str(root, "Version"), str(root, "InstallationId"))
	}
	_, body2, _ := e.send(t, req{method: "GET", path: "/api", header: hdr(e.PublisherKey)})
	if str(decode[obj](t, body2), "InstallationId") != str(root, "InstallationId") {
		t.Errorf("InstallationId changed between requests")
	}

	for _, name := range []string{"Default", "Second"} {
		code, body, _ = e.send(t, req{method: "GET", path: "/api/spaces?partialName=" + url.QueryEscape(name) + "&skip=0&take=2147483647", header: hdr(e.AdminKey)})
		wantStatus(t, "spaces", code, body, 200)
		spaces := decode[obj](t, body)
		if num(spaces, "TotalResults") == 0 {
			t.Fatalf("spaces?partialName=%s: TotalResults 0", name)
		}
		found := ""
		for _, it := range items(spaces) {
			if str(it, "Name") == name {
				found = str(it, "Id")
			}
		}
		want := map[string]string{"Default": "Spaces-1", "Second": "Spaces-2"}[name]
		if found != want {
			t.Errorf("space %s: got Id %q, want %s", name, found, want)
		}
	}

	// Parallel pushes, as Promise.allSettled sends them.
	files := map[string]string{"Hello.1.0.0.zip": "application/zip", "Hello.1.0.1.tar.gz": "application/gzip",
		"Hello.Web.2.0.0.jar": "application/java-archive", "Hello.1.0.2.tar.bz2": "application/x-bzip2"}
	var wg sync.WaitGroup
	for name, ct := range files {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b, ctype := multipartBody(t, "fileToUpload", name, ct, archive(uint64(len(name)), 300))
			h := hdr(e.PublisherKey)
			h["Content-Type"] = ctype
			code, body, _ := e.send(t, req{method: "POST", path: "/api/Spaces-1/packages/raw?overwriteMode=IgnoreIfExists", header: h, body: b})
			if code != 201 {
				t.Errorf("push %s: got %d %s, want 201", name, code, body)
			}
		}()
	}
	wg.Wait()

	// A duplicate: the message api-client builds (ErrorMessage + "\n" + Errors)
	// contains what its own integration test looks for.
	b, ct := multipartBody(t, "fileToUpload", "Hello.1.0.0.zip", "application/zip", archive(9, 10))
	h := hdr(e.PublisherKey)
	h["Content-Type"] = ct
	code, body, _ = e.send(t, req{method: "POST", path: "/api/Spaces-1/packages/raw?overwriteMode=FailIfExists", header: h, body: b})
	wantStatus(t, "duplicate", code, body, 409)
	eb := decode[obj](t, body)
	msg := str(eb, "ErrorMessage")
	for _, x := range eb["Errors"].([]any) {
		msg += "\n" + x.(string)
	}
	if !strings.Contains(msg, "A package with the same name and version already exists") {
		t.Errorf("duplicate message: got %q", msg)
	}

	code, body, _ = e.send(t, req{method: "GET", path: "/api/Spaces-1/packages?filter=Hello", header: hdr(e.ReaderKey)})
	wantStatus(t, "list", code, body, 200)
	list := decode[obj](t, body)
	if num(list, "TotalResults") != 4 || len(items(list)) != 4 {
		t.Fatalf("list filter=Hello: got %v results, want 4: %s", list["TotalResults"], body)
	}
	first := items(list)[0]
	code, body, _ = e.send(t, req{method: "GET", path: "/api/Spaces-1/packages/" + str(first, "Id"), header: hdr(e.ReaderKey)})
	wantStatus(t, "get", code, body, 200)
	got := decode[obj](t, body)
	if str(got, "PackageId") != str(first, "PackageId") || str(got, "Version") != str(first, "Version") || str(got, "PackageId") == "" {
		t.Errorf("get: got %s %s, want %s %s", str(got, "PackageId"), str(got, "Version"), str(first, "PackageId"), str(first, "Version"))
	}

	// The accessToken variant: Bearer and no API-key header.
	b, ct = multipartBody(t, "fileToUpload", "Bearer.1.0.0.zip", "application/zip", archive(3, 10))
	code, body, _ = e.send(t, req{method: "POST", path: "/api/Spaces-1/packages/raw?overwriteMode=IgnoreIfExists", body: b,
		header: map[string]string{"Authorization": "Bearer " + e.PublisherKey, "Content-Type": ct}})
	wantStatus(t, "bearer push", code, body, 201)
}

// Octopus.Client (.NET) and octo: link-driven discovery (root, users/me,
// the user's spaces, the space home), an upload with a Windows path as file
// name and .NET's unquoted Content-Disposition, GetPackage without the
// prefix and Hash verification, and DELETE sent as POST with
// X-HTTP-Method-Override.
func TestDotNetClient(t *testing.T) {
	e := newEnv(t)
	key := e.AdminKey
	_, body := e.get(t, "/api", key)
	root := decode[obj](t, body)
	if v := str(root, "ApiVersion"); !strings.HasPrefix(v, "3.0.") {
		t.Fatalf("ApiVersion: got %q, want 3.0.x", v)
	}
	code, body := e.get(t, str(links(root), "CurrentUser"), key)
	wantStatus(t, "users/me", code, body, 200)
	me := decode[obj](t, body)
	if str(me, "DisplayName") == "" || me["IsService"] != true {
		t.Errorf("users/me: got DisplayName %q IsService %v", str(me, "DisplayName"), me["IsService"])
	}
	code, body = e.get(t, str(links(me), "Spaces"), key)
	wantStatus(t, "user spaces", code, body, 200)
	var home string
	for _, sp := range decode[[]obj](t, body) {
		if sp["IsDefault"] == true {
			home = str(links(sp), "SpaceHome")
		}
	}
	if home != "/api/Spaces-1" {
		t.Fatalf("default space home: got %q, want /api/Spaces-1", home)
	}
	// octo --space Spaces-2: by id through the Spaces template.
	code, body = e.get(t, expandTemplate(str(links(root), "Spaces"), map[string]string{"id": "Spaces-2"}), key)
	wantStatus(t, "spaces/Spaces-2", code, body, 200)
	if n := str(decode[obj](t, body), "Name"); n != "Second" {
		t.Errorf("Spaces-2 name: got %q, want Second", n)
	}
	code, body = e.get(t, home, key)
	wantStatus(t, "space home", code, body, 200)
	spaceLinks := links(decode[obj](t, body))
	upload := str(spaceLinks, "PackageUpload")
	if !strings.Contains(upload, "overwriteMode") || str(spaceLinks, "PackageDeltaSignature") == "" {
		t.Fatalf("space links: PackageUpload %q PackageDeltaSignature %q", upload, str(spaceLinks, "PackageDeltaSignature"))
	}

	zip := archive(7, 1000)
	var b strings.Builder
	boundary := "c6b4d6a0-9a38-4c5e-9c1c-2f8f2d7d5e11"
	fmt.Fprintf(&b, "--%s\r\nContent-Type: application/octet-stream\r\nContent-Disposition: form-data; name=file; filename=\"C:\\\\path\\\\to\\\\MyApp.1.0.0.zip\"; filename*=utf-8''C%%3A%%5Cpath%%5Cto%%5CMyApp.1.0.0.zip\r\n\r\n%s\r\n--%s--\r\n",
		boundary, zip, boundary)
	code, body, _ = e.send(t, req{method: "POST", path: expandTemplate(upload, map[string]string{"overwriteMode": "FailIfExists"}),
		body: []byte(b.String()), header: map[string]string{"X-Octopus-ApiKey": key, "User-Agent": "OctopusClient-dotnet/14.0.0",
			"Content-Type": `multipart/form-data; boundary="` + boundary + `"`}})
	wantStatus(t, "upload", code, body, 201)
	if p := decode[obj](t, body); str(p, "PackageId") != "MyApp" || str(p, "Hash") != sha1hex(zip) {
		t.Fatalf("upload: got PackageId %q Hash %q, want MyApp %s", str(p, "PackageId"), str(p, "Hash"), sha1hex(zip))
	}

	// VerifyTransfer after a timeout: GetPackage(id, version) without the prefix.
	packages := str(spaceLinks, "Packages")
	code, body = e.get(t, expandTemplate(packages, map[string]string{"id": "MyApp.1.0.0"}), key)
	wantStatus(t, "GetPackage", code, body, 200)
	if h := str(decode[obj](t, body), "Hash"); h != sha1hex(zip) {
		t.Errorf("Hash: got %q, want %q", h, sha1hex(zip))
	}
	// ListPackages(packageId) and LatestPackages.
	for _, q := range []map[string]string{{"nuGetPackageId": "MyApp", "take": "30", "skip": "0"}, {"latest": "true", "take": "30", "skip": "0"}} {
		code, body = e.get(t, expandTemplate(packages, q), key)
		wantStatus(t, "list", code, body, 200)
		if n := num(decode[obj](t, body), "TotalResults"); n != 1 {
			t.Errorf("list %v: got %v results, want 1", q, n)
		}
	}

	// DeletePackage: DELETE sent as POST with the override header.
	code, body, _ = e.send(t, req{method: "POST", path: expandTemplate(packages, map[string]string{"id": "packages-MyApp.1.0.0"}),
		header: map[string]string{"X-Octopus-ApiKey": key, "X-HTTP-Method-Override": "DELETE"}})
	wantStatus(t, "delete via override", code, body, 200)
	code, body = e.get(t, "/api/Spaces-1/packages/packages-MyApp.1.0.0", key)
	wantStatus(t, "get after delete", code, body, 404)

	// DeletePackages: the {?ids} list expands comma-joined.
	for _, v := range []string{"1.0.0", "2.0.0"} {
		code, body = e.upload(t, "/api/Spaces-1/packages/raw", key, "Bulk."+v+".zip", archive(8, 50))
		wantStatus(t, "upload "+v, code, body, 201)
	}
	bulk := expandTemplate(str(spaceLinks, "PackagesBulk"), map[string]string{"ids": "packages-Bulk.1.0.0,packages-Bulk.2.0.0"})
	code, body, _ = e.send(t, req{method: "POST", path: bulk, header: map[string]string{"X-Octopus-ApiKey": key, "X-HTTP-Method-Override": "DELETE"}})
	wantStatus(t, "bulk delete", code, body, 200)
	code, body = e.get(t, "/api/Spaces-1/packages?nuGetPackageId=Bulk", key)
	if n := num(decode[obj](t, body), "TotalResults"); code != 200 || n != 0 {
		t.Errorf("after bulk delete: got %d with %v results, want none", code, n)
	}
}

// go-octopusdeploy and the octopus CLI: GET /api/ with the slash, the space
// root (404 for an unknown space), spaces/all, uploads with 201/200
// semantics, feeds?feedType=BuiltIn then packages/versions newest first.
func TestGoClient(t *testing.T) {
	e := newEnv(t)
	key := e.PublisherKey
	code, body := e.get(t, "/api/", key)
	wantStatus(t, "GET /api/", code, body, 200)
	code, body = e.get(t, "/api/Spaces-1", key)
	wantStatus(t, "space root", code, body, 200)
	if id := str(decode[obj](t, body), "Id"); id != "Spaces-1" {
		t.Errorf("space root Id: got %q", id)
	}
	code, body = e.get(t, "/api/Spaces-99", key)
	wantStatus(t, "unknown space root", code, body, 404)

	code, body = e.get(t, "/api/spaces/all", key)
	wantStatus(t, "spaces/all", code, body, 200)
	all := decode[[]obj](t, body)
	if len(all) != 2 || str(all[0], "Name") != "Default" || all[0]["IsDefault"] != true {
		t.Errorf("spaces/all: got %s", body)
	}

	for _, tc := range []struct {
		file, mode string
		want       int
	}{
		{"pterm.1.0.0.zip", "FailIfExists", 201},
		{"pterm.1.0.0.zip", "IgnoreIfExists", 200},
		{"pterm.1.0.0.zip", "FailIfExists", 409},
		{"pterm.1.10.0.zip", "FailIfExists", 201},
		{"pterm.1.2.0-beta.1.zip", "FailIfExists", 201},
	} {
		code, body := e.upload(t, "/api/Spaces-1/packages/raw?overwriteMode="+tc.mode, key, tc.file, archive(2, 64))
		wantStatus(t, tc.file+" "+tc.mode, code, body, tc.want)
		if code < 300 {
			p := decode[obj](t, body)
			for _, f := range []string{"PackageId", "NuGetPackageId", "FeedId", "NuGetFeedId", "Title", "Version", "Published", "FileExtension", "Id", "Hash"} {
				if str(p, f) == "" {
					t.Errorf("%s: field %s empty in %s", tc.file, f, body)
				}
			}
		} else if !strings.HasPrefix(str(decode[obj](t, body), "ErrorMessage"), "A package with the same ID and version already exists.") {
			t.Errorf("409 body: %s", body)
		}
	}

	code, body = e.get(t, "/api/Spaces-1/feeds?feedType=BuiltIn&take=1", key)
	wantStatus(t, "feeds", code, body, 200)
	feeds := items(decode[obj](t, body))
	if len(feeds) != 1 || str(feeds[0], "FeedType") != "BuiltIn" {
		t.Fatalf("feeds: got %s", body)
	}
	code, body = e.get(t, "/api/Spaces-1/feeds/"+str(feeds[0], "Id")+"/packages/versions?packageId=pterm&take=10", key)
	wantStatus(t, "versions", code, body, 200)
	var got []string
	for _, it := range items(decode[obj](t, body)) {
		got = append(got, str(it, "Version"))
	}
	if want := "1.10.0 1.2.0-beta.1 1.0.0"; strings.Join(got, " ") != want {
		t.Errorf("versions: got %v, want %s", got, want)
	}
	code, body = e.get(t, "/api/Spaces-1/feeds/feeds-builtin/packages/versions?packageId=pterm&includePreRelease=false&take=1", key)
	if it := items(decode[obj](t, body)); code != 200 || len(it) != 1 || str(it[0], "Version") != "1.10.0" {
		t.Errorf("latest stable: got %d %s", code, body)
	}
	code, body = e.get(t, "/api/Spaces-1/feeds/feeds-builtin/packages/versions", key)
	wantStatus(t, "versions without packageId", code, body, 400)

	// package list: take=2147483647, and filter with take=1 (one page, Page.Next present).
	code, body = e.get(t, "/api/Spaces-1/packages?take=2147483647", key)
	if l := decode[obj](t, body); code != 200 || num(l, "TotalResults") != 3 || links(l)["Page.Next"] != nil {
		t.Errorf("list all: got %d %s", code, body)
	}
	code, body = e.get(t, "/api/Spaces-1/packages?filter=pterm&take=1", key)
	if l := decode[obj](t, body); code != 200 || len(items(l)) != 1 || str(links(l), "Page.Next") == "" {
		t.Errorf("list take=1: got %d %s", code, body)
	}
}

// curl as Octopus' docs show it, and the docs' PowerShell (fileData, part
// type multipart/form-data) and the apikey query parameter in any case.
func TestCurlAndScripts(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		name, path, field, partType, file string
		header                            map[string]string
	}{
		{"docs curl", "/api/Spaces-1/packages/raw", "data", "application/octet-stream", "MyApp.1.0.0.zip", map[string]string{"X-Octopus-ApiKey": e.PublisherKey}},
		{"apikey query", "/api/packages/raw?apikey=" + e.PublisherKey, "fileData", "multipart/form-data", "MyApp.1.0.1.zip", nil},
		{"ApiKey query", "/api/packages/raw?ApiKey=" + e.PublisherKey, "filedata", "application/zip", "MyApp.1.0.2.tgz", nil},
		{"lower-case space id", "/api/spaces-1/packages/raw", "file", "application/zip", "/home/ci/out/MyApp.1.0.3.tar.gz", map[string]string{"X-Octopus-ApiKey": e.PublisherKey}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, ct := multipartBody(t, tc.field, tc.file, tc.partType, archive(4, 100))
			h := map[string]string{"Content-Type": ct}
			for k, v := range tc.header {
				h[k] = v
			}
			code, body, _ := e.send(t, req{method: "POST", path: tc.path, header: h, body: b})
			wantStatus(t, "push", code, body, 201)
			if p := decode[obj](t, body); str(p, "PackageId") != "MyApp" {
				t.Errorf("PackageId: got %q", str(p, "PackageId"))
			}
		})
	}
	code, body := e.get(t, "/api/Spaces-1/packages?nuGetPackageId=MyApp&take=30", e.ReaderKey)
	l := decode[obj](t, body)
	if code != 200 || num(l, "TotalResults") != 4 {
		t.Fatalf("list: got %d %s", code, body)
	}
	var exts []string
	for _, it := range items(l) {
		exts = append(exts, str(it, "Version")+str(it, "FileExtension"))
	}
	if want := "1.0.3.tar.gz 1.0.2.tgz 1.0.1.zip 1.0.0.zip"; strings.Join(exts, " ") != want {
		t.Errorf("versions and extensions: got %v, want %s", exts, want)
	}
	// The docs' download script: Links.Raw.
	code, body = e.get(t, "/api/Spaces-1/packages/packages-MyApp.1.0.0", e.ReaderKey)
	wantStatus(t, "get", code, body, 200)
	raw := str(links(decode[obj](t, body)), "Raw")
	code, data := e.get(t, raw, e.ReaderKey)
	wantStatus(t, "raw", code, data, 200)
	if string(data) != string(archive(4, 100)) {
		t.Errorf("raw download differs from the upload")
	}
}
