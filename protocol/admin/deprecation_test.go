package admin_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/feedserver/feedserver/index"
	"github.com/feedserver/feedserver/nuget"
	"github.com/feedserver/feedserver/protocol/protocoltest"
)

// deprecationOf is what the catalogue holds for Old's version.
func deprecationOf(t *testing.T, env *protocoltest.Env, version string) *nuget.Deprecation {
	t.Helper()
	e, err := env.Feed.Get(t.Context(), "Spaces-1", index.KindNuGet, "Old", version)
	if err != nil {
		t.Fatal(err)
	}
	return e.Deprecation
}

func TestDeprecationRefusals(t *testing.T) {
	env := protocoltest.New(t)
	for _, v := range []string{"1.0.0", "2.0.0"} {
		if resp := env.Push(t, protocoltest.Nupkg(t, "Old", v), env.AdminKey); resp.StatusCode != http.StatusCreated {
			t.Fatalf("push: %d", resp.StatusCode)
		}
	}
	long := strings.Repeat("x", nuget.MaxDeprecationMessageLength+1)
	cases := []struct {
		name, method, body string
		status             int
		says               string // in the answer's ErrorMessage
	}{
		{"malformed JSON", http.MethodPut, `{"id":"Old",`, 400, "not valid JSON"},
		{"no body", http.MethodPut, ``, 400, "JSON body is required"},
		{"unknown field", http.MethodPut, `{"id":"Old","versions":["1.0.0"],"reasons":["Legacy"],"reason":"x"}`, 400, "unknown field"},
		{"two values", http.MethodPut, `{"id":"Old","versions":["1.0.0"],"reasons":["Legacy"]} {}`, 400, "more than one"},
		{"no id", http.MethodPut, `{"versions":["1.0.0"],"reasons":["Legacy"]}`, 400, "no package id"},
		{"no versions", http.MethodPut, `{"id":"Old","reasons":["Legacy"]}`, 400, "names no version"},
		{"no reason", http.MethodPut, `{"id":"Old","versions":["1.0.0"]}`, 400, "has no reason"},
		{"unknown reason", http.MethodPut, `{"id":"Old","versions":["1.0.0"],"reasons":["Legacy","Obsolete"]}`, 400, "Obsolete"},
		{"Other without message", http.MethodPut, `{"id":"Old","versions":["1.0.0"],"reasons":["Other"]}`, 400, "message is missing"},
		{"message too long", http.MethodPut, `{"id":"Old","versions":["1.0.0"],"reasons":["Legacy"],"message":"` + long + `"}`, 400, "limit is 1000"},
		{"bad version", http.MethodPut, `{"id":"Old","versions":["one"],"reasons":["Legacy"]}`, 400, "one"},
		{"unknown version", http.MethodPut, `{"id":"Old","versions":["1.0.0","3.0.0"],"reasons":["Legacy"]}`, 404, "3.0.0"},
		{"unknown id", http.MethodPut, `{"id":"Nobody","versions":["1.0.0"],"reasons":["Legacy"]}`, 404, "Nobody"},
		{"unknown space", http.MethodPut, `{"space":"Spaces-9","id":"Old","versions":["1.0.0"],"reasons":["Legacy"]}`, 404, "Spaces-9"},
		{"alternate absent", http.MethodPut, `{"id":"Old","versions":["1.0.0"],"reasons":["Legacy"],"alternatePackageId":"Absent"}`, 400, "not in this feed"},
		{"alternate itself", http.MethodPut, `{"id":"Old","versions":["1.0.0"],"reasons":["Legacy"],"alternatePackageId":"old"}`, 400, "is the package being deprecated"},
		{"alternate version without id", http.MethodPut, `{"id":"Old","versions":["1.0.0"],"reasons":["Legacy"],"alternatePackageVersion":"2.0.0"}`, 400, "no id"},
		{"clear: reasons given", http.MethodDelete, `{"id":"Old","versions":["1.0.0"],"reasons":["Legacy"]}`, 400, "unknown field"},
		{"clear: unknown version", http.MethodDelete, `{"id":"Old","versions":["1.0.0","3.0.0"]}`, 404, "3.0.0"},
		{"clear: malformed", http.MethodDelete, `[]`, 400, "not valid JSON"},
	}
	for _, tc := range cases {
		resp, body := env.Do(t, tc.method, "/api/admin/deprecation", strings.NewReader(tc.body), env.AdminKey, "Content-Type", "application/json")
		if resp.StatusCode != tc.status {
			t.Errorf("%s: %d %s, want %d", tc.name, resp.StatusCode, body, tc.status)
			continue
		}
		if e := decode[struct{ ErrorMessage string }](t, body); !strings.Contains(e.ErrorMessage, tc.says) {
			t.Errorf("%s: ErrorMessage %q does not say %q", tc.name, e.ErrorMessage, tc.says)
		}
		for _, v := range []string{"1.0.0", "2.0.0"} {
			if d := deprecationOf(t, env, v); d != nil {
				t.Fatalf("%s: refused with %d, yet %s is deprecated: %+v", tc.name, resp.StatusCode, v, d)
			}
		}
	}
}

func TestDeprecationSetAndClear(t *testing.T) {
	env := protocoltest.New(t)
	for _, pkg := range [][2]string{{"Old", "1.0.0"}, {"Old", "2.0.0"}, {"New", "1.0.0"}} {
		if resp := env.Push(t, protocoltest.Nupkg(t, pkg[0], pkg[1]), env.AdminKey); resp.StatusCode != http.StatusCreated {
			t.Fatalf("push: %d", resp.StatusCode)
		}
	}
	type answer struct {
		Space, ID   string
		Versions    []string
		Deprecation *struct {
			Reasons                                              []string
			Message, AlternatePackageID, AlternatePackageVersion string
		}
	}
	resp, body := env.Do(t, http.MethodPut, "/api/admin/deprecation", strings.NewReader(`{"id":"old","versions":["1.0","2.0.0"],
		"reasons":["criticalbugs","Legacy"],"message":"Use New.","alternatePackageId":"New","alternatePackageVersion":"1.0"}`), env.AdminKey)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("PUT: %d %s", resp.StatusCode, body)
	}
	a := decode[answer](t, body)
	if a.Space != "Spaces-1" || a.ID != "Old" || strings.Join(a.Versions, ",") != "1.0.0,2.0.0" || a.Deprecation == nil ||
		strings.Join(a.Deprecation.Reasons, ",") != "Legacy,CriticalBugs" || a.Deprecation.AlternatePackageVersion != "1.0.0" {
		t.Errorf("PUT answered %s", body)
	}
	want, _ := nuget.NewDeprecation([]string{"Legacy", "CriticalBugs"}, "Use New.", "New", "1.0.0")
	for _, v := range []string{"1.0.0", "2.0.0"} {
		if d := deprecationOf(t, env, v); !d.Equal(want) {
			t.Errorf("%s: %+v, want %+v", v, d, want)
		}
	}

	resp, body = env.Do(t, http.MethodDelete, "/api/admin/deprecation", strings.NewReader(`{"space":"spaces-1","id":"Old","versions":["2.0.0"]}`), env.AdminKey)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("DELETE: %d %s", resp.StatusCode, body)
	}
	if a := decode[answer](t, body); a.Deprecation != nil || strings.Join(a.Versions, ",") != "2.0.0" {
		t.Errorf("DELETE answered %s", body)
	}
	if d := deprecationOf(t, env, "2.0.0"); d != nil {
		t.Errorf("2.0.0 still deprecated: %+v", d)
	}
	if d := deprecationOf(t, env, "1.0.0"); !d.Equal(want) {
		t.Errorf("1.0.0 lost its deprecation: %+v", d)
	}
}
