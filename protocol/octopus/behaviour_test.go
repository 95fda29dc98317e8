package octopus_test

import (
	"bytes"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/feedserver/feedserver/nuget/nugettest"
	"github.com/feedserver/feedserver/protocol"
	"github.com/feedserver/feedserver/protocol/protocoltest"
)

// Two spaces, two space-limited keys: a key of one space cannot read, push
// or delete in the other, and the packages of the two never mix.
func TestSpacesIsolation(t *testing.T) {
	e := newEnv(t)
	code, body := e.upload(t, "/api/Spaces-1/packages/raw", e.Space1Key, "One.1.0.0.zip", archive(1, 10))
	wantStatus(t, "push to own space 1", code, body, 201)
	code, body = e.upload(t, "/api/Spaces-2/packages/raw", e.Space2Key, "Two.1.0.0.zip", archive(2, 10))
	wantStatus(t, "push to own space 2", code, body, 201)
	// The same id and version in both spaces are two packages.
	code, body = e.upload(t, "/api/Spaces-2/packages/raw", e.Space2Key, "One.1.0.0.zip", archive(3, 10))
	wantStatus(t, "same package in space 2", code, body, 201)

	for _, tc := range []struct {
		name, method, path, key string
		want                    int
	}{
		{"space-2 key pushes to space 1", "PUSH", "/api/Spaces-1/packages/raw", e.Space2Key, 403},
		{"space-2 key pushes to the default route", "PUSH", "/api/packages/raw", e.Space2Key, 403},
		{"space-1 key pushes to space 2", "PUSH", "/api/Spaces-2/packages/raw", e.Space1Key, 403},
		{"space-2 key lists space 1", "GET", "/api/Spaces-1/packages", e.Space2Key, 403},
		{"space-2 key gets from space 1", "GET", "/api/Spaces-1/packages/packages-One.1.0.0", e.Space2Key, 403},
		{"space-2 key downloads from space 1", "GET", "/api/Spaces-1/packages/packages-One.1.0.0/raw", e.Space2Key, 403},
		{"space-2 key reads space 1's root", "GET", "/api/Spaces-1", e.Space2Key, 403},
		{"space-2 admin deletes in space 1", "DELETE", "/api/Spaces-1/packages/packages-One.1.0.0", e.Space2AdminKey, 403},
		{"space-2 admin bulk-deletes in space 1", "DELETE", "/api/Spaces-1/packages/bulk?ids=packages-One.1.0.0", e.Space2AdminKey, 403},
		{"unknown space", "GET", "/api/Spaces-7/packages", e.AdminKey, 404},
		{"push to unknown space", "PUSH", "/api/Spaces-7/packages/raw", e.AdminKey, 404},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var code int
			var body []byte
			switch tc.method {
			case "PUSH":
				code, body = e.upload(t, tc.path, tc.key, "Three.1.0.0.zip", archive(4, 10))
			default:
				code, body, _ = e.send(t, req{method: tc.method, path: tc.path, header: map[string]string{"X-Octopus-ApiKey": tc.key}})
			}
			wantStatus(t, tc.name, code, body, tc.want)
			if str(decode[obj](t, body), "ErrorMessage") == "" {
				t.Errorf("no ErrorMessage in %s", body)
			}
		})
	}

	// What each space lists; the limited keys see only their space.
	for _, tc := range []struct{ path, key, want string }{
		{"/api/Spaces-1/packages", e.AdminKey, "One"},
		{"/api/packages", e.Space1Key, "One"},
		{"/api/Spaces-2/packages", e.AdminKey, "One Two"},
		{"/api/spaces-2/packages", e.Space2Key, "One Two"},
	} {
		code, body := e.get(t, tc.path, tc.key)
		wantStatus(t, tc.path, code, body, 200)
		var ids []string
		for _, it := range items(decode[obj](t, body)) {
			ids = append(ids, str(it, "PackageId"))
		}
		if strings.Join(ids, " ") != tc.want {
			t.Errorf("%s: got %v, want %s", tc.path, ids, tc.want)
		}
	}
	code, body = e.get(t, "/api/spaces/all", e.Space2Key)
	if all := decode[[]obj](t, body); code != 200 || len(all) != 1 || str(all[0], "Id") != "Spaces-2" {
		t.Errorf("spaces/all for the space-2 key: got %d %s", code, body)
	}
	// Deleting in one space leaves the other's package of the same name.
	code, body, _ = e.send(t, req{method: "DELETE", path: "/api/Spaces-2/packages/packages-One.1.0.0", header: map[string]string{"X-Octopus-ApiKey": e.Space2AdminKey}})
	wantStatus(t, "delete in space 2", code, body, 200)
	code, body = e.get(t, "/api/Spaces-1/packages/packages-One.1.0.0", e.AdminKey)
	wantStatus(t, "space 1's copy", code, body, 200)

	// NuGet's per-space push lands in that space, and an unknown space is a 404.
	nupkg := nugettest.Build(t, nugettest.Spec{ID: "Spaced.Lib", Version: "1.0.0"})
	resp := e.PushTo(t, "/Spaces-2/nuget/packages", nupkg, e.Space2Key)
	wantStatus(t, "nuget push to Spaces-2", resp.StatusCode, nil, 201)
	code, body = e.get(t, "/api/Spaces-2/packages?nuGetPackageId=Spaced.Lib", e.AdminKey)
	if n := num(decode[obj](t, body), "TotalResults"); code != 200 || n != 1 {
		t.Errorf("Spaced.Lib in Spaces-2: got %d %s", code, body)
	}
	code, body = e.get(t, "/api/Spaces-1/packages?nuGetPackageId=Spaced.Lib", e.AdminKey)
	if n := num(decode[obj](t, body), "TotalResults"); code != 200 || n != 0 {
		t.Errorf("Spaced.Lib leaked into Spaces-1: got %d %s", code, body)
	}
	resp = e.PushTo(t, "/Spaces-9/nuget/packages", nupkg, e.AdminKey)
	wantStatus(t, "nuget push to an unknown space", resp.StatusCode, nil, 404)
	resp = e.PushTo(t, "/Spaces-1/nuget/packages", nupkg, e.Space2Key)
	wantStatus(t, "nuget push by a space-2 key to Spaces-1", resp.StatusCode, nil, 403)
}

// Overwrite modes and the legacy replace parameter, any case.
func TestOverwriteModes(t *testing.T) {
	e := newEnv(t)
	first := archive(1, 100)
	second := archive(2, 120)
	for _, tc := range []struct {
		name, query, key string
		want             int
		wantSize         int
	}{
		{"first push", "", e.PublisherKey, 201, 100},
		{"default fails", "", e.PublisherKey, 409, 100},
		{"replace=false fails", "?replace=false", e.AdminKey, 409, 100},
		{"IgnoreIfExists keeps the old file", "?overwriteMode=ignoreifexists", e.PublisherKey, 200, 100},
		{"OverwriteExisting needs administer", "?overwriteMode=OverwriteExisting", e.PublisherKey, 403, 100},
		{"OverwriteExisting replaces", "?OVERWRITEMODE=OVERWRITEEXISTING", e.AdminKey, 201, 120},
		{"replace=True (.NET) replaces", "?replace=True", e.AdminKey, 201, 120},
		{"overwriteMode wins over replace", "?overwriteMode=FailIfExists&replace=true", e.AdminKey, 409, 120},
		{"a bad mode is a 400", "?overwriteMode=Sometimes", e.AdminKey, 400, 120},
		{"same version spelled 1.0.0.0", "", e.PublisherKey, 409, 120},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data, name := second, "Mode.1.0.0.zip"
			if tc.name == "first push" {
				data = first
			}
			if strings.Contains(tc.name, "1.0.0.0") {
				name = "Mode.1.0.0.0.zip"
			}
			code, body := e.upload(t, "/api/packages/raw"+tc.query, tc.key, name, data)
			wantStatus(t, "push", code, body, tc.want)
			_, body = e.get(t, "/api/packages/Mode.1.0.0", e.ReaderKey)
			if got := num(decode[obj](t, body), "PackageSizeBytes"); got != float64(tc.wantSize) {
				t.Errorf("stored size: got %v, want %d", got, tc.wantSize)
			}
		})
	}
}

// Error statuses and bodies (docs/protocol/octopus.md §2.4, §8).
func TestErrors(t *testing.T) {
	e := newEnv(t, protocoltest.WithOptions(func(o *protocol.Options) { o.MaxUploadBytes = 4096 }))
	for _, tc := range []struct {
		name      string
		key       string
		file      string
		data      []byte
		rawBody   []byte
		want      int
		wantInMsg string
	}{
		{"no key", "", "A.1.0.0.zip", archive(1, 10), nil, 401, "You must be logged in"},
		{"invalid key", "API-WRONGWRONGWRONGWRONGWRONGWRONG", "A.1.0.0.zip", archive(1, 10), nil, 401, "The API key you provided was not valid"},
		{"reader pushes", e.ReaderKey, "A.1.0.0.zip", archive(1, 10), nil, 403, "Missing permission: BuiltInFeedPush"},
		{"name without version", e.PublisherKey, "MyApp.zip", archive(1, 10), nil, 400, "<PackageId>.<Version>"},
		{"unsupported extension", e.PublisherKey, "MyApp.1.0.0.exe", archive(1, 10), nil, 400, "<PackageId>.<Version>"},
		{"empty file", e.PublisherKey, "A.1.0.0.zip", nil, nil, 400, "The uploaded package file had length equal to 0"},
		{"no file part", e.PublisherKey, "", nil, []byte("--b\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\nv\r\n--b--\r\n"), 400, "A package file must be provided"},
		{"too large", e.PublisherKey, "A.1.0.0.zip", archive(1, 200<<10), nil, 413, "size limit"},
		{"not a nupkg", e.PublisherKey, "A.1.0.0.nupkg", archive(1, 10), nil, 400, "zip"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var code int
			var body []byte
			if tc.rawBody != nil {
				code, body, _ = e.send(t, req{method: "POST", path: "/api/packages/raw", body: tc.rawBody,
					header: map[string]string{"X-Octopus-ApiKey": tc.key, "Content-Type": "multipart/form-data; boundary=b"}})
			} else {
				code, body = e.upload(t, "/api/packages/raw", tc.key, tc.file, tc.data)
			}
			wantStatus(t, "push", code, body, tc.want)
			eb := decode[obj](t, body)
			if !strings.Contains(str(eb, "ErrorMessage"), tc.wantInMsg) {
				t.Errorf("ErrorMessage: got %q, want it to contain %q", str(eb, "ErrorMessage"), tc.wantInMsg)
			}
			if _, ok := eb["Errors"].([]any); !ok {
				t.Errorf("Errors is not an array: %s", body)
			}
			if tc.want == 403 && str(eb, "HelpText") == "" {
				t.Errorf("403 without HelpText: %s", body)
			}
		})
	}
	code, body := e.get(t, "/api/packages?take=30", "")
	wantStatus(t, "nothing was stored", code, body, 200)
	if n := num(decode[obj](t, body), "TotalResults"); n != 0 {
		t.Errorf("failed pushes stored %v packages", n)
	}
	code, body = e.get(t, "/api/packages/packages-Nope.1.0.0", "")
	wantStatus(t, "missing package", code, body, 404)
	code, body = e.get(t, "/api/users/me", "")
	wantStatus(t, "users/me anonymous", code, body, 401)
	code, body = e.get(t, "/api/packages?nuGetPackageId=A&filter=B", "")
	wantStatus(t, "both nuGetPackageId and filter", code, body, 400)
}

// Reads need a key when the server says so; the root document never does.
func TestRequireAuthForReads(t *testing.T) {
	e := newEnv(t, protocoltest.WithOptions(func(o *protocol.Options) { o.RequireAuthForReads = true }))
	code, body := e.get(t, "/api", "")
	wantStatus(t, "root", code, body, 200)
	code, body = e.get(t, "/api/Spaces-1/packages", "")
	wantStatus(t, "anonymous list", code, body, 401)
	code, body = e.get(t, "/api/Spaces-1/packages", e.ReaderKey)
	wantStatus(t, "reader list", code, body, 200)
}

// A .nupkg pushed with NuGet is visible through the Octopus API (with its
// nuspec metadata), and one uploaded through the Octopus API is a NuGet
// package on the flat container.
func TestNuGetInterop(t *testing.T) {
	e := newEnv(t)
	pushed := nugettest.Build(t, nugettest.Spec{ID: "Interop.Lib", Version: "1.2.3-beta.1", Title: "Interop library",
		Description: "Described.", ExtraMetadata: "<summary>Short.</summary><releaseNotes>Fixed things.</releaseNotes>"})
	resp := e.PushTo(t, "/nuget/packages", pushed, e.PublisherKey)
	wantStatus(t, "nuget push", resp.StatusCode, nil, 201)
	code, body := e.get(t, "/api/Spaces-1/packages/packages-Interop.Lib.1.2.3-beta.1", e.ReaderKey)
	wantStatus(t, "octopus get", code, body, 200)
	p := decode[obj](t, body)
	for f, want := range map[string]string{"PackageId": "Interop.Lib", "Version": "1.2.3-beta.1", "Title": "Interop library",
		"Description": "Described.", "Summary": "Short.", "ReleaseNotes": "Fixed things.", "FileExtension": ".nupkg", "Hash": sha1hex(pushed)} {
		if got := str(p, f); got != want {
			t.Errorf("%s: got %q, want %q", f, got, want)
		}
	}
	code, body = e.get(t, "/api/Spaces-1/packages/notes?packageIds=packages-Interop.Lib.1.2.3-beta.1,Interop.Lib:9.9.9", e.ReaderKey)
	wantStatus(t, "notes", code, body, 200)
	notes := decode[obj](t, body)["Packages"].([]any)
	if len(notes) != 2 {
		t.Fatalf("notes: got %s", body)
	}
	if n := notes[0].(map[string]any)["Notes"].(map[string]any); n["Succeeded"] != true || n["Notes"] != "Fixed things." {
		t.Errorf("notes of a stored package: got %v", n)
	}
	if n := notes[1].(map[string]any)["Notes"].(map[string]any); n["Succeeded"] != false || n["FailureReason"] == nil {
		t.Errorf("notes of a missing package: got %v", n)
	}

	uploaded := nugettest.Build(t, nugettest.Spec{ID: "Octo.Pushed", Version: "2.0.0"})
	code, body = e.upload(t, "/api/packages/raw", e.PublisherKey, "whatever-name.nupkg", uploaded)
	wantStatus(t, "octopus upload of a nupkg", code, body, 201)
	if p := decode[obj](t, body); str(p, "PackageId") != "Octo.Pushed" || str(p, "Version") != "2.0.0" {
		t.Errorf("identity from the nuspec: got %s %s", str(p, "PackageId"), str(p, "Version"))
	}
	r2, data := e.Do(t, "GET", "/v3/package/octo.pushed/2.0.0/octo.pushed.2.0.0.nupkg", nil, "")
	if r2.StatusCode != 200 || !bytes.Equal(data, uploaded) {
		t.Errorf("flat container download: got %d, %d bytes, want 200 and the upload", r2.StatusCode, len(data))
	}
	// And NuGet delete removes it from the Octopus view.
	r3, _ := e.Do(t, "DELETE", "/nuget/packages/Octo.Pushed/2.0.0", nil, e.AdminKey)
	wantStatus(t, "nuget delete", r3.StatusCode, nil, http.StatusNoContent)
	code, body = e.get(t, "/api/packages/Octo.Pushed.2.0.0", e.ReaderKey)
	wantStatus(t, "after nuget delete", code, body, 404)
}

// A feedserver behind a path prefix writes that prefix into every link
// (Octopus.Client resolves "/..." links against the host only).
func TestLinksCarryThePublicPathPrefix(t *testing.T) {
	public, _ := url.Parse("https://example.com/octopus/")
	e := newEnv(t, protocoltest.WithOptions(func(o *protocol.Options) { o.PublicURL = public }))
	code, body := e.get(t, "/api", "")
	wantStatus(t, "root", code, body, 200)
	if l := str(links(decode[obj](t, body)), "PackageUpload"); l != "/octopus/api/Spaces-1/packages/raw{?replace,overwriteMode}" {
		t.Errorf("PackageUpload: got %q", l)
	}
	code, body = e.upload(t, "/api/packages/raw", e.PublisherKey, "Prefixed.1.0.0.zip", archive(1, 10))
	wantStatus(t, "upload", code, body, 201)
	if l := str(links(decode[obj](t, body)), "Raw"); l != "/octopus/api/Spaces-1/packages/packages-Prefixed.1.0.0/raw" {
		t.Errorf("Raw: got %q", l)
	}
}
