package octopus_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestOversizedValuesAreRefused replays issue 17 row 1 and its neighbours:
// every value a route reads a package reference, an id, a list or a filter
// from is refused with a 4xx before the work it would cost, anonymously or
// not, and what is stored stays.
func TestOversizedValuesAreRefused(t *testing.T) {
	e := newEnv(t)
	if code, body := e.upload(t, "/api/packages/raw", e.AdminKey, "Keep.1.0.0.zip", archive(1, 100)); code != http.StatusCreated {
		t.Fatalf("upload: %d %s", code, body)
	}
	ref := strings.Repeat("1.", 4000) + "1" // issue 17 row 1
	long := strings.Repeat("a", 300)
	many := strings.TrimSuffix(strings.Repeat("A.1.0,", 1001), ",")
	for _, tc := range []struct {
		method, path, key string
		want              int
	}{
		{"GET", "/api/packages/" + ref, "", 400},
		{"GET", "/api/packages/packages-" + ref, e.AdminKey, 400},
		{"GET", "/api/Spaces-1/packages/" + ref + "/raw", "", 400},
		{"HEAD", "/api/packages/" + ref + "/raw", "", 400},
		{"DELETE", "/api/Spaces-1/packages/" + ref, e.AdminKey, 400},
		{"DELETE", "/api/packages/" + ref, "", 401}, // no key: refused before the reference is read
		{"DELETE", "/api/packages/bulk?ids=" + ref, e.AdminKey, 400},
		{"DELETE", "/api/packages/bulk?ids=" + many, e.AdminKey, 400},
		{"GET", "/api/packages/notes?packageIds=" + ref, "", 400},
		{"GET", "/api/packages/notes?packageIds=feeds-builtin:" + long + ":" + ref, "", 400},
		{"GET", "/api/packages/notes?packageIds=" + many, "", 400},
		{"GET", "/api/packages?filter=" + long, "", 400},
		{"GET", "/api/packages?nuGetPackageId=" + long, "", 400},
		{"GET", "/api/Spaces-1/feeds/feeds-builtin/packages/versions?packageId=" + long, "", 400},
		{"GET", "/api/Spaces-1/feeds/feeds-builtin/packages/versions?packageId=Keep&filter=" + long, "", 400},
		{"GET", "/api/Spaces-1/feeds/feeds-builtin/packages/versions?packageId=Keep&versionRange=" + long, "", 400},
		{"GET", "/api/Spaces-1/feeds/feeds-builtin/packages/search?term=" + long, "", 400},
		{"GET", "/api/packages/" + long + "/1.0.0/delta-signature", e.AdminKey, 400},
		{"GET", "/api/packages/Keep/" + ref + "/delta-signature", e.AdminKey, 200}, // any version text still gets the stored base
	} {
		name := fmt.Sprintf("%s %.80s", tc.method, tc.path)
		h := map[string]string{}
		if tc.key != "" {
			h["X-Octopus-ApiKey"] = tc.key
		}
		code, body, _ := e.send(t, req{method: tc.method, path: tc.path, header: h})
		if code != tc.want {
			t.Errorf("%s: got %d, want %d: %.300s", name, code, tc.want, body)
		}
	}
	if code, _ := e.get(t, "/api/packages/packages-Keep.1.0.0", ""); code != http.StatusOK {
		t.Errorf("the stored package after the refusals: %d", code)
	}
}

// TestReferenceForms: every spelling a client uses still finds its package.
func TestReferenceForms(t *testing.T) {
	e := newEnv(t)
	for _, name := range []string{"My.App.1.2.3.zip", "My.App.2016.09.01-beta.0001.zip"} {
		if code, body := e.upload(t, "/api/packages/raw", e.AdminKey, name, archive(uint64(len(name)), 100)); code != http.StatusCreated {
			t.Fatalf("upload %s: %d %s", name, code, body)
		}
	}
	for _, ref := range []string{"packages-My.App.1.2.3", "PACKAGES-my.app.1.2.3", "My.App.1.2.3", "My.App.2016.09.01-beta.0001"} {
		if code, body := e.get(t, "/api/packages/"+url.PathEscape(ref), ""); code != http.StatusOK {
			t.Errorf("GET %s: %d %s", ref, code, body)
		}
	}
	code, body := e.get(t, "/api/packages/notes?packageIds=packages-My.App.1.2.3,My.App:1.2.3,feeds-builtin:My.App:1.2.3", "")
	if code != http.StatusOK || strings.Count(string(body), `"Succeeded": true`) != 3 {
		t.Errorf("notes: %d %s", code, body)
	}
}
