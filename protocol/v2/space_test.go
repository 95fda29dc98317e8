package v2_test

import (
	"bytes"
	"encoding/xml"
	"net/http"
	"strings"
	"testing"

	"github.com/feedserver/feedserver/nuget/nugettest"
	"github.com/feedserver/feedserver/protocol/protocoltest"
)

// TestSpaceFeed: the v2 feed of Spaces-2 at /Spaces-2/api/v2/ and
// /Spaces-2/nuget/ lists what was pushed there and nothing of Spaces-1, its
// links point into Spaces-2, and those links serve the pushed bytes.
func TestSpaceFeed(t *testing.T) {
	env := protocoltest.New(t)
	inSpace := nugettest.Build(t, nugettest.Spec{ID: "Space.Only", Version: "1.0.0", Payload: []byte("in Spaces-2")})
	if resp := env.PushTo(t, "/Spaces-2/api/v2/package/", inSpace, env.AdminKey); resp.StatusCode != http.StatusCreated {
		t.Fatalf("push to Spaces-2: status %d: %s", resp.StatusCode, protocoltest.ReadBody(t, resp))
	}
	pushSpecs(t, env, nugettest.Spec{ID: "Default.Only", Version: "1.0.0"})

	assertGolden(t, "space-servicedocument.golden.xml", getOK(t, env, "/Spaces-2/api/v2/"))
	body := getOK(t, env, "/Spaces-2/api/v2/FindPackagesById()?id='Space.Only'")
	assertGolden(t, "space-findpackagesbyid.golden.xml", body)

	// Each base of the space, in any spelling of its id, lists only the space's package.
	for _, base := range []string{"/Spaces-2/api/v2", "/Spaces-2/nuget", "/spaces-02/api/v2", "/SPACES-2/nuget"} {
		f := parseFeed(t, getOK(t, env, base+"/Packages()"))
		if len(f.Entries) != 1 || f.Entries[0].Props.ID != "Space.Only" {
			t.Errorf("%s/Packages(): %d entries %v, want Space.Only only", base, len(f.Entries), entryIDs(f))
			continue
		}
		// The download link names the space in its canonical spelling.
		const want = "https://feed.example/Spaces-2/api/v2/package/Space.Only/1.0.0"
		if src := f.Entries[0].Content.Src; src != want {
			t.Errorf("%s/Packages(): content src %q, want %q", base, src, want)
		}
	}
	// The default feed does not see it, and the space's does not see the default's.
	for path, absent := range map[string]string{
		"/api/v2/FindPackagesById()?id='Space.Only'":            "Space.Only",
		"/nuget/Search()?searchTerm='Space.Only'":               "Space.Only",
		"/Spaces-2/api/v2/FindPackagesById()?id='Default.Only'": "Default.Only",
		"/Spaces-2/nuget/Search()?searchTerm='Default'":         "Default.Only",
		"/Spaces-1/api/v2/Packages()":                           "Space.Only",
	} {
		f := parseFeed(t, getOK(t, env, path))
		for _, e := range f.Entries {
			if e.Props.ID == absent {
				t.Errorf("GET %s: %v, want no %s", path, entryIDs(f), absent)
			}
		}
	}
	if resp, _ := env.Do(t, http.MethodGet, "/api/v2/package/Space.Only/1.0.0", nil, ""); resp.StatusCode != http.StatusNotFound {
		t.Errorf("default-space download of a Spaces-2 package: status %d, want 404", resp.StatusCode)
	}

	// The space's download link and the edit-media link ($value) give the pushed bytes.
	resp, got := env.Do(t, http.MethodGet, "/Spaces-2/api/v2/package/Space.Only/1.0.0", nil, "")
	if resp.StatusCode != http.StatusOK || !bytes.Equal(got, inSpace) {
		t.Errorf("space download: status %d, %d bytes, want 200 and the %d pushed bytes", resp.StatusCode, len(got), len(inSpace))
	}
	noRedirect := *env.Server.Client()
	noRedirect.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	req, _ := http.NewRequest(http.MethodGet, env.URL+"/Spaces-2/nuget/Packages(Id='Space.Only',Version='1.0.0')/$value", nil)
	req.Header.Set("X-Forwarded-Proto", "https")
	req.Header.Set("X-Forwarded-Host", "feed.example")
	resp, err := noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusFound || loc != "https://feed.example/Spaces-2/api/v2/package/Space.Only/1.0.0" {
		t.Errorf("$value in Spaces-2: status %d, Location %q, want 302 to the space's download", resp.StatusCode, loc)
	}
}

// TestUnknownSpace: every v2 route below a space that does not exist is a
// 404 that names the space, pushes included, and nothing is stored.
func TestUnknownSpace(t *testing.T) {
	env := protocoltest.New(t)
	for _, path := range []string{"/Spaces-9/api/v2", "/Spaces-9/api/v2/", "/Spaces-9/nuget/", "/Spaces-9/api/v2/$metadata",
		"/Spaces-9/api/v2/Packages()", "/Spaces-9/nuget/FindPackagesById()?id='x'", "/Spaces-9/api/v2/package-ids",
		"/Spaces-9/nuget/package-versions/x", "/Spaces-9/api/v2/package/x/1.0.0"} {
		resp, body := env.Do(t, http.MethodGet, path, nil, env.AdminKey)
		if resp.StatusCode != http.StatusNotFound || !strings.Contains(string(body), "Spaces-9") {
			t.Errorf("GET %s: status %d %q, want 404 naming Spaces-9", path, resp.StatusCode, body)
		}
	}
	pkg := nugettest.Build(t, nugettest.Spec{ID: "Lost", Version: "1.0.0"})
	if resp := env.PushTo(t, "/Spaces-9/api/v2/package", pkg, env.AdminKey); resp.StatusCode != http.StatusNotFound {
		t.Errorf("push to Spaces-9: status %d, want 404", resp.StatusCode)
	}
}

func parseFeed(t *testing.T, body []byte) atomFeed {
	t.Helper()
	var f atomFeed
	if err := xml.Unmarshal(body, &f); err != nil {
		t.Fatalf("parse feed: %v\n%s", err, body)
	}
	return f
}

func entryIDs(f atomFeed) []string {
	var ids []string
	for _, e := range f.Entries {
		ids = append(ids, e.Props.ID+" "+e.Props.Version)
	}
	return ids
}
