package web_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/feedserver/feedserver/auth"
	"github.com/feedserver/feedserver/feed"
	"github.com/feedserver/feedserver/feed/generic"
	"github.com/feedserver/feedserver/protocol"
	"github.com/feedserver/feedserver/protocol/protocoltest"
)

// scopeEnv is a server with Scope.One in Spaces-1, Scope.Two in Spaces-2,
// the generic packages alpha/tool and beta/tool, and keys limited to each.
type scopeEnv struct {
	*protocoltest.Env
	keys map[string]string // by principal name; "anonymous" is ""
}

func newScopeEnv(t *testing.T, closed bool) *scopeEnv {
	t.Helper()
	ctx := t.Context()
	env := protocoltest.New(t, protocoltest.WithOptions(func(o *protocol.Options) { o.RequireAuthForReads = closed }))
	push(t, env, "Spaces-1", "Scope.One", "1.0.0")
	push(t, env, "Spaces-2", "Scope.Two", "1.0.0")
	for _, owner := range []string{"alpha", "beta"} {
		if _, err := env.Feed.Generic().Put(ctx, generic.Upload{Owner: owner, Name: "tool", Version: "1.0.0", FileName: "tool.bin",
			Body: strings.NewReader(owner + "'s tool")}); err != nil {
			t.Fatal(err)
		}
	}
	s := &scopeEnv{Env: env, keys: map[string]string{"anonymous": "", "reader": env.ReaderKey}}
	for name, spec := range map[string]auth.KeySpec{
		"Spaces-2 reader":   {Spaces: []string{"Spaces-2"}},
		"two-space reader":  {Spaces: []string{"Spaces-1", "Spaces-2"}},
		"alpha reader":      {Owners: []string{"alpha"}},
		"Spaces-2 or alpha": {Spaces: []string{"Spaces-2"}, Owners: []string{"alpha"}},
	} {
		spec.Name, spec.Role = name, auth.RoleReader
		key, _, err := env.Keys.Create(ctx, spec)
		if err != nil {
			t.Fatal(err)
		}
		s.keys[name] = key
	}
	return s
}

func push(t *testing.T, env *protocoltest.Env, space, id, version string) {
	t.Helper()
	if _, err := env.Feed.Push(t.Context(), feed.PushRequest{Space: space, Protocol: "test",
		Body: bytes.NewReader(protocoltest.Nupkg(t, id, version))}); err != nil {
		t.Fatal(err)
	}
}

// rowLinks are the package links of a list page, in order.
var rowLinks = regexp.MustCompile(`<a class="pkg-id" href="([^"]+)"`)

func links(body string) []string {
	var out []string
	for _, m := range rowLinks.FindAllStringSubmatch(body, -1) {
		out = append(out, m[1])
	}
	return out
}

// TestListingScope: /packages lists what the caller may read and nothing
// else; a filter or page outside a key's scope is a 403 (row 5 of issue 17).
func TestListingScope(t *testing.T) {
	const (
		one   = "/packages/Scope.One"
		two   = "/packages/Scope.Two?space=Spaces-2"
		alpha = "/packages/generic/alpha/tool"
		beta  = "/packages/generic/beta/tool"
	)
	everything := []string{one, two, alpha, beta}
	for _, closed := range []bool{false, true} {
		s := newScopeEnv(t, closed)
		anonymous := everything
		if closed {
			anonymous = nil // 401
		}
		tests := []struct {
			who  string
			want []string // nil: refused with 401
		}{
			{"anonymous", anonymous},
			{"reader", everything},
			{"Spaces-2 reader", []string{two}},
			{"two-space reader", []string{one, two}},
			{"alpha reader", []string{alpha}},
			{"Spaces-2 or alpha", []string{two, alpha}},
		}
		for _, tt := range tests {
			t.Run(fmt.Sprintf("closed=%v/%s", closed, tt.who), func(t *testing.T) {
				resp, body := s.Do(t, http.MethodGet, "/packages", nil, s.keys[tt.who])
				if tt.want == nil {
					if resp.StatusCode != http.StatusUnauthorized {
						t.Fatalf("status %d, want 401", resp.StatusCode)
					}
					return
				}
				if resp.StatusCode != http.StatusOK {
					t.Fatalf("status %d, want 200", resp.StatusCode)
				}
				got := links(string(body))
				slices.Sort(got)
				want := slices.Sorted(slices.Values(tt.want))
				if !slices.Equal(got, want) {
					t.Errorf("listed %q, want %q", got, want)
				}
				if n := fmt.Sprintf("of %d package", len(want)); !strings.Contains(string(body), n) {
					t.Errorf("the count does not say %q", n)
				}
			})
		}
	}
}

// TestPagesOutsideScope: the pages refuse what the API refuses, and the
// refusal shows nothing of what was asked for.
func TestPagesOutsideScope(t *testing.T) {
	s := newScopeEnv(t, false)
	betaSHA := sha256.Sum256([]byte("beta's tool"))
	tests := []struct {
		who, path string
		want      int
	}{
		{"Spaces-2 reader", "/packages?space=Spaces-1", 403},
		{"Spaces-2 reader", "/packages?space=spaces-1", 403},
		{"Spaces-2 reader", "/packages?owner=alpha", 403},
		{"Spaces-2 reader", "/packages?space=Spaces-2", 200},
		{"Spaces-2 reader", "/packages/Scope.One", 403},
		{"Spaces-2 reader", "/packages/Scope.Two?space=Spaces-2", 200},
		{"Spaces-2 reader", "/packages/generic/alpha/tool", 403},
		{"alpha reader", "/packages/generic/beta/tool", 403},
		{"alpha reader", "/packages/generic/BETA/tool", 403},
		{"alpha reader", "/packages/generic/alpha/tool", 200},
		{"alpha reader", "/packages/Scope.One/1.0.0", 403},
		{"alpha reader", "/packages?owner=beta", 403},
		{"alpha reader", "/packages/generic/..%2Fbeta/tool", 400},
		{"anonymous", "/packages/generic/beta/tool", 200},
	}
	for _, tt := range tests {
		resp, body := s.Do(t, http.MethodGet, tt.path, nil, s.keys[tt.who])
		if resp.StatusCode != tt.want {
			t.Errorf("%s as %s: %d, want %d", tt.path, tt.who, resp.StatusCode, tt.want)
		}
		if tt.want == 403 && (strings.Contains(string(body), hex.EncodeToString(betaSHA[:])) || strings.Contains(string(body), "tool.bin")) {
			t.Errorf("%s as %s: the refusal shows the files", tt.path, tt.who)
		}
	}
	// The space menu offers only the key's spaces.
	_, body := s.Do(t, http.MethodGet, "/upload", nil, s.keys["Spaces-2 reader"])
	if strings.Contains(string(body), `value="Spaces-1"`) {
		t.Errorf("the upload page offers Spaces-1 to a key limited to Spaces-2")
	}
}

// TestListingScopePaging: a key of two spaces gets each space's packages
// once, over pages that join one space's list to the next.
func TestListingScopePaging(t *testing.T) {
	s := newScopeEnv(t, false)
	for i := range 15 {
		push(t, s.Env, "Spaces-1", fmt.Sprintf("Paged.One%02d", i), "1.0.0")
		push(t, s.Env, "Spaces-2", fmt.Sprintf("Paged.Two%02d", i), "1.0.0")
	}
	var all []string
	for page, count := range map[int]string{1: "1–25 of 32", 2: "26–32 of 32"} {
		_, body := s.Do(t, http.MethodGet, fmt.Sprintf("/packages?page=%d", page), nil, s.keys["two-space reader"])
		if !strings.Contains(string(body), count) {
			t.Errorf("page %d does not say %q", page, count)
		}
		all = append(all, links(string(body))...)
	}
	slices.Sort(all)
	if n := len(slices.Compact(slices.Clone(all))); len(all) != 32 || n != 32 {
		t.Errorf("two pages listed %d rows, %d different, want 32 and 32: %q", len(all), n, all)
	}
	for _, l := range all {
		if strings.Contains(l, "/generic/") {
			t.Errorf("a key limited to spaces was shown %s", l)
		}
	}
}

// TestCreateKeyChecksScope: POST /api/admin/apikeys answers 400 with the
// reason for a restriction list that names no real space or no valid owner,
// and stores nothing (row 11 of issue 17).
func TestCreateKeyChecksScope(t *testing.T) {
	env := protocoltest.New(t)
	tests := []struct {
		body, says string
	}{
		{`{"name":"x","role":"reader","spaces":["../../etc"]}`, `\"../../etc\" is not a space id`},
		{`{"name":"x","role":"reader","spaces":["Spaces-9"]}`, "the space Spaces-9 does not exist"},
		{`{"name":"x","role":"reader","spaces":[""]}`, `\"\" is not a space id`},
		{`{"name":"x","role":"reader","owners":["../../etc"]}`, `contains \"..\"`},
		{`{"name":"x","role":"reader","owners":["team/a"]}`, "may contain only letters, digits"},
	}
	for _, tt := range tests {
		resp, body := env.Do(t, http.MethodPost, "/api/admin/apikeys", strings.NewReader(tt.body), env.AdminKey, "Content-Type", "application/json")
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), tt.says) {
			t.Errorf("create %s = %d %s, want 400 saying %s", tt.body, resp.StatusCode, body, tt.says)
		}
	}
	keys, err := env.Keys.List(t.Context())
	if err != nil || len(keys) != 3 {
		t.Errorf("after refusals the store has %d keys (%v), want the 3 it started with", len(keys), err)
	}
	resp, body := env.Do(t, http.MethodPost, "/api/admin/apikeys", strings.NewReader(`{"name":"x","role":"reader","spaces":["spaces-02"],"owners":["Team-A"]}`),
		env.AdminKey, "Content-Type", "application/json")
	if resp.StatusCode != http.StatusCreated || !strings.Contains(string(body), `"Spaces-2"`) || !strings.Contains(string(body), `"team-a"`) {
		t.Errorf("create with a valid scope = %d %s, want 201 with Spaces-2 and team-a", resp.StatusCode, body)
	}
}
