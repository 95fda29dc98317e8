package v3_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"path/filepath"
	"regexp"
	"runtime"
	"testing"

	"github.com/feedserver/feedserver/fixtures"
	"github.com/feedserver/feedserver/internal/golden"
	"github.com/feedserver/feedserver/nuget/nugettest"
	"github.com/feedserver/feedserver/protocol/protocoltest"
)

// publicHeaders make the server build URLs under https://feed.example, so
// golden files do not depend on the test server's port.
var publicHeaders = []string{"X-Forwarded-Proto", "https", "X-Forwarded-Host", "feed.example"}

// timeRe matches a real timestamp (not nuget.org's 1900 for unlisted versions).
var timeRe = regexp.MustCompile(`"(19[0-9][1-9]|2[0-9]{3})-[0-9]{2}-[0-9]{2}T[^"]*"`)

// assertGolden compares an indented, timestamp-free copy of a JSON body with testdata/name.
func assertGolden(t *testing.T, name string, body []byte) {
	t.Helper()
	var out bytes.Buffer
	if err := json.Indent(&out, body, "", "  "); err != nil {
		t.Fatalf("%s: not JSON: %v\n%s", name, err, body)
	}
	got := timeRe.ReplaceAll(out.Bytes(), []byte(`"<time>"`))
	golden.Check(t, filepath.Join("testdata", name), append(got, '\n'))
}

// get fetches path with the public headers and returns status and body.
func get(t *testing.T, env *protocoltest.Env, path string, header ...string) (int, []byte) {
	t.Helper()
	resp, body := env.Do(t, http.MethodGet, path, nil, "", append(append([]string{}, publicHeaders...), header...)...)
	return resp.StatusCode, body
}

// getJSON fetches path, wants a 200 and decodes the body into v.
func getJSON(t *testing.T, env *protocoltest.Env, path string, v any) []byte {
	t.Helper()
	code, body := get(t, env, path)
	if code != http.StatusOK {
		t.Fatalf("GET %s: status %d, want 200; body %s", path, code, body)
	}
	if err := json.Unmarshal(body, v); err != nil {
		t.Fatalf("GET %s: %v\n%s", path, err, body)
	}
	return body
}

func push(t *testing.T, env *protocoltest.Env, nupkg []byte) {
	t.Helper()
	resp := env.Push(t, nupkg, env.AdminKey)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("push: status %d: %s", resp.StatusCode, protocoltest.ReadBody(t, resp))
	}
}

func pushFixture(t *testing.T, env *protocoltest.Env, names ...string) {
	t.Helper()
	for _, n := range names {
		push(t, env, fixtures.Good(n))
	}
}

func pushSpec(t *testing.T, env *protocoltest.Env, specs ...nugettest.Spec) {
	t.Helper()
	for _, s := range specs {
		push(t, env, nugettest.Build(t, s))
	}
}

// Decoded shapes, only the fields tests look at.
type regIndex struct {
	Count int       `json:"count"`
	Items []regPage `json:"items"`
}

type regPage struct {
	ID    string    `json:"@id"`
	Count int       `json:"count"`
	Lower string    `json:"lower"`
	Upper string    `json:"upper"`
	Items []regLeaf `json:"items"`
}

type regLeaf struct {
	ID             string `json:"@id"`
	PackageContent string `json:"packageContent"`
	CatalogEntry   struct {
		ID        string `json:"id"`
		Version   string `json:"version"`
		Listed    *bool  `json:"listed"`
		Published string `json:"published"`
	} `json:"catalogEntry"`
}

func (ix regIndex) versions() []string {
	var vs []string
	for _, p := range ix.Items {
		for _, l := range p.Items {
			vs = append(vs, l.CatalogEntry.Version)
		}
	}
	return vs
}

type searchAnswer struct {
	TotalHits int `json:"totalHits"`
	Data      []struct {
		ID           string `json:"id"`
		Version      string `json:"version"`
		Registration string `json:"registration"`
		Versions     []struct {
			Version string `json:"version"`
			ID      string `json:"@id"`
		} `json:"versions"`
		PackageTypes []struct {
			Name string `json:"name"`
		} `json:"packageTypes"`
	} `json:"data"`
}

func (a searchAnswer) ids() []string {
	var ids []string
	for _, d := range a.Data {
		ids = append(ids, d.ID)
	}
	return ids
}

type autocompleteAnswer struct {
	TotalHits int      `json:"totalHits"`
	Data      []string `json:"data"`
}

func runtimeProcs() int { return runtime.GOMAXPROCS(0) }
