package octopus_test

import (
	"testing"
)

// The wire documents clients parse, compared with testdata/*.golden.json
// (regenerate with go test ./protocol/octopus -update). Links are path-only,
// so no host or port needs normalising; times and random ids do.
func TestGoldenDocuments(t *testing.T) {
	e := newEnv(t)
	code, body := e.upload(t, "/api/Spaces-1/packages/raw", e.PublisherKey, "MyApp.Website.1.1.0.zip", []byte("PK\x03\x04 golden archive"))
	wantStatus(t, "upload", code, body, 201)
	checkGolden(t, "package.golden.json", body)

	for _, tc := range []struct{ name, path, key string }{
		{"root.golden.json", "/api", ""},
		{"spaceroot.golden.json", "/api/Spaces-2", e.AdminKey},
		{"feed.golden.json", "/api/Spaces-1/feeds/feeds-builtin", e.ReaderKey},
		{"feeds.golden.json", "/api/Spaces-1/feeds?feedType=BuiltIn&take=1", e.ReaderKey},
		{"spaces.golden.json", "/api/spaces?partialName=def&skip=0&take=1", e.AdminKey},
		{"user.golden.json", "/api/users/me", e.ReaderKey},
		{"collection.golden.json", "/api/Spaces-1/packages?take=1", e.ReaderKey},
		{"versions.golden.json", "/api/Spaces-1/feeds/feeds-builtin/packages/versions?packageId=MyApp.Website", e.ReaderKey},
		{"stats.golden.json", "/api/Spaces-1/feeds/stats", e.ReaderKey},
		{"error-404.golden.json", "/api/Spaces-1/packages/packages-Missing.1.0.0", e.ReaderKey},
		{"error-401.golden.json", "/api/users/me", ""},
		{"error-space.golden.json", "/api/Spaces-9", e.AdminKey},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, body := e.get(t, tc.path, tc.key)
			checkGolden(t, tc.name, body)
		})
	}
	code, body = e.upload(t, "/api/Spaces-1/packages/raw", e.PublisherKey, "MyApp.Website.1.1.0.zip", []byte("other"))
	wantStatus(t, "duplicate", code, body, 409)
	checkGolden(t, "error-409.golden.json", body)
	code, body = e.upload(t, "/api/Spaces-1/packages/raw", e.ReaderKey, "MyApp.Website.1.1.1.zip", []byte("other"))
	wantStatus(t, "reader push", code, body, 403)
	checkGolden(t, "error-403.golden.json", body)
	code, body = e.upload(t, "/api/Spaces-1/packages/raw", e.PublisherKey, "MyApp.Website.zip", []byte("other"))
	wantStatus(t, "bad name", code, body, 400)
	checkGolden(t, "error-400.golden.json", body)
}
