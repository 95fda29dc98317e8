package v3_test

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"sync/atomic"
	"testing"

	"github.com/gorilla/mux"

	"github.com/feedserver/feedserver/feed"
	"github.com/feedserver/feedserver/nuget/nugettest"
	"github.com/feedserver/feedserver/protocol/httpx"
	"github.com/feedserver/feedserver/protocol/nugethttp"
	"github.com/feedserver/feedserver/protocol/protocoltest"
	"github.com/feedserver/feedserver/protocol/v3"
)

// consumeServer serves this package's routes (as protocol's route table
// does) over f, with the given generation counter; for what protocol.New
// cannot inject.
func consumeServer(tb testing.TB, f *feed.Feed, gen func() uint64) *httptest.Server {
	tb.Helper()
	fam := nugethttp.New(f, nugethttp.Options{})
	h := v3.New(f, fam, v3.Options{Generation: gen})
	r := mux.NewRouter().UseEncodedPath()
	hive := "/v3/{hive:" + v3.HiveSemVer1 + "|" + v3.HiveSemVer2 + "}"
	r.Handle(hive+"/{id}/index.json", fam.Read(h.RegistrationIndex))
	r.Handle(hive+"/{id}/page/{lower}/{upper}.json", fam.Read(h.RegistrationPage))
	r.Handle(hive+"/{id}/{version}.json", fam.Read(h.RegistrationLeaf))
	r.Handle("/v3/search", fam.Read(h.Search))
	r.Handle("/v3/autocomplete", fam.Read(h.Autocomplete))
	srv := httptest.NewServer(httpx.Begin(nil)(r))
	tb.Cleanup(srv.Close)
	return srv
}

// With a feed generation, cached documents are served without reading the
// catalogue until the generation moves: the next request after a bump sees
// the change. (The feed bumps it after committing each change.)
func TestGenerationCache(t *testing.T) {
	env := protocoltest.New(t)
	var gen atomic.Uint64
	srv := consumeServer(t, env.Feed, gen.Load)
	other := &protocoltest.Env{Server: srv, URL: srv.URL}

	pushSpec(t, env, nugettest.Spec{ID: "Gen.Cached", Version: "1.0.0"})
	regVersions := func() []string {
		var ix regIndex
		getJSON(t, other, "/v3/registration/gen.cached/index.json", &ix)
		return ix.versions()
	}
	searchVersions := func() []string {
		var a searchAnswer
		getJSON(t, other, "/v3/search?q=packageid:gen.cached", &a)
		var vs []string
		for _, d := range a.Data {
			for _, v := range d.Versions {
				vs = append(vs, v.Version)
			}
		}
		return vs
	}
	if r, s := regVersions(), searchVersions(); !slices.Equal(r, []string{"1.0.0"}) || !slices.Equal(s, []string{"1.0.0"}) {
		t.Fatalf("registration %v, search %v", r, s)
	}

	pushSpec(t, env, nugettest.Spec{ID: "Gen.Cached", Version: "1.1.0"})
	// Same generation: the cached answers stand (this is what makes them cheap).
	if r, s := regVersions(), searchVersions(); !slices.Equal(r, []string{"1.0.0"}) || !slices.Equal(s, []string{"1.0.0"}) {
		t.Errorf("unchanged generation: registration %v, search %v; want the cached 1.0.0", r, s)
	}
	gen.Add(1)
	want := []string{"1.0.0", "1.1.0"}
	if r, s := regVersions(), searchVersions(); !slices.Equal(r, want) || !slices.Equal(s, want) {
		t.Errorf("after the bump: registration %v, search %v; want %v", r, s, want)
	}

	resp, _ := env.Do(t, http.MethodDelete, "/api/v2/package/Gen.Cached/1.0.0", nil, env.AdminKey)
	if resp.StatusCode/100 != 2 {
		t.Fatalf("delete: %d", resp.StatusCode)
	}
	gen.Add(1)
	if r, s := regVersions(), searchVersions(); !slices.Equal(r, []string{"1.1.0"}) || !slices.Equal(s, []string{"1.1.0"}) {
		t.Errorf("after delete and bump: registration %v, search %v", r, s)
	}
}
