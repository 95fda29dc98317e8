package v3_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/feedserver/feedserver/nuget/nugettest"
	"github.com/feedserver/feedserver/protocol/protocoltest"
)

// deprecate sends PUT (a body) or DELETE /api/admin/deprecation as an administrator.
func deprecate(t *testing.T, env *protocoltest.Env, method, body string) {
	t.Helper()
	resp, answer := env.Do(t, method, "/api/admin/deprecation", strings.NewReader(body), env.AdminKey)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s deprecation: %d %s", method, resp.StatusCode, answer)
	}
}

// TestRegistrationDeprecation: the catalog entries of the SemVer 2.0.0 hive
// carry nuget.org's deprecation object, inlined in the index and in pages;
// the SemVer 1.0.0 hive leaves it out, as nuget.org's does.
func TestRegistrationDeprecation(t *testing.T) {
	env := protocoltest.New(t)
	pushSpec(t, env, nugettest.Spec{ID: "Old.Lib", Version: "1.0.0"}, nugettest.Spec{ID: "Old.Lib", Version: "2.0.0"},
		nugettest.Spec{ID: "Old.Lib", Version: "3.0.0"}, nugettest.Spec{ID: "New.Lib", Version: "1.0.0"})
	deprecate(t, env, http.MethodPut, `{"id":"Old.Lib","versions":["1.0.0"],"reasons":["Other","CriticalBugs","legacy"],
		"message":"Unsafe <b>&</b> \"unmaintained\"; see New.Lib.","alternatePackageId":"New.Lib","alternatePackageVersion":"1.0"}`)
	deprecate(t, env, http.MethodPut, `{"id":"Old.Lib","versions":["2.0.0"],"reasons":["Legacy"],"alternatePackageId":"New.Lib"}`)

	for _, tc := range []struct{ golden, path string }{
		{"registration-deprecated.json", "/v3/registration-semver2/old.lib/index.json"},
		{"registration-deprecated-page.json", "/v3/registration-semver2/old.lib/page/1.0.0/2.0.0.json"},
	} {
		code, body := get(t, env, tc.path)
		if code != http.StatusOK {
			t.Fatalf("%s: %d %s", tc.path, code, body)
		}
		assertGolden(t, tc.golden, body)
	}
	if _, body := get(t, env, "/v3/registration/old.lib/index.json"); strings.Contains(string(body), "deprecation") {
		t.Errorf("the SemVer 1.0.0 hive carries a deprecation:\n%s", body)
	}
}

// TestDeprecationFreshness: a cached registration index shows a deprecation
// set or cleared since, on the very next request.
func TestDeprecationFreshness(t *testing.T) {
	env := protocoltest.New(t)
	pushSpec(t, env, nugettest.Spec{ID: "Cached", Version: "1.0.0"})
	const path = "/v3/registration-semver2/cached/index.json"
	deprecated := func() bool {
		code, body := get(t, env, path)
		if code != http.StatusOK {
			t.Fatalf("%d %s", code, body)
		}
		return strings.Contains(string(body), `"deprecation"`)
	}
	for range 2 { // the second is served from the cache
		if deprecated() {
			t.Fatal("deprecated before any PUT")
		}
	}
	deprecate(t, env, http.MethodPut, `{"id":"cached","versions":["1.0.0"],"reasons":["Legacy"]}`)
	if !deprecated() {
		t.Error("the cached index does not show the deprecation just set")
	}
	deprecate(t, env, http.MethodDelete, `{"id":"cached","versions":["1.0.0"]}`)
	if deprecated() {
		t.Error("the cached index still shows the deprecation just cleared")
	}
}
