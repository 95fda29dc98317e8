package protocol_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/feedserver/feedserver/auth"
	"github.com/feedserver/feedserver/protocol"
	"github.com/feedserver/feedserver/protocol/protocoltest"
)

// TestOctopusSpaceLists: the space lists show a key its own spaces; a key
// limited to owners is in none.
func TestOctopusSpaceLists(t *testing.T) {
	env := protocoltest.New(t)
	ctx := t.Context()
	keyOf := func(spec auth.KeySpec) string {
		key, _, err := env.Keys.Create(ctx, spec)
		if err != nil {
			t.Fatal(err)
		}
		return key
	}
	tests := []struct {
		who  string
		key  string
		want []string
	}{
		{"anonymous", "", []string{"Spaces-1", "Spaces-2"}},
		{"reader", env.ReaderKey, []string{"Spaces-1", "Spaces-2"}},
		{"Spaces-2 reader", keyOf(auth.KeySpec{Name: "s2", Role: auth.RoleReader, Spaces: []string{"Spaces-2"}}), []string{"Spaces-2"}},
		{"alpha reader", keyOf(auth.KeySpec{Name: "alpha", Role: auth.RoleReader, Owners: []string{"alpha"}}), nil},
	}
	for _, tt := range tests {
		for _, path := range []string{"/api/spaces", "/api/spaces/all"} {
			resp, body := env.Do(t, http.MethodGet, path, nil, "", "X-Octopus-ApiKey", tt.key)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("%s as %s: %d %s", path, tt.who, resp.StatusCode, body)
			}
			var items []struct{ ID string }
			if path == "/api/spaces" {
				var page struct{ Items []struct{ ID string } }
				if err := json.Unmarshal(body, &page); err != nil {
					t.Fatal(err)
				}
				items = page.Items
			} else if err := json.Unmarshal(body, &items); err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, it := range items {
				got = append(got, it.ID)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("%s as %s lists %q, want %q", path, tt.who, got, tt.want)
			}
		}
	}
}

// TestOwnerCreation: creating an owner is administering the registry, within
// the key's scope: an administrator limited to spaces creates none, one
// limited to owners only those it names (row 2 of issue 17).
func TestOwnerCreation(t *testing.T) {
	owners := protocoltest.NewOwners(t)
	env := protocoltest.New(t, protocoltest.WithOptions(func(o *protocol.Options) { o.Owners = owners }))
	keyOf := func(spec auth.KeySpec) string {
		spec.Role = auth.RoleAdministrator
		key, _, err := env.Keys.Create(t.Context(), spec)
		if err != nil {
			t.Fatal(err)
		}
		return key
	}
	spaceAdmin := keyOf(auth.KeySpec{Name: "s2", Spaces: []string{"Spaces-2"}})
	ownerAdmin := keyOf(auth.KeySpec{Name: "alpha", Owners: []string{"alpha", "gamma"}})
	tests := []struct {
		who, key, owner string
		want            int
	}{
		{"admin of Spaces-2", spaceAdmin, "delta", 403},
		{"admin of alpha and gamma", ownerAdmin, "beta", 403},
		{"publisher", env.PublisherKey, "beta", 403},
		{"admin of alpha and gamma", ownerAdmin, "gamma", 201},
		{"administrator", env.AdminKey, "beta", 201},
	}
	for _, tt := range tests {
		resp, body := env.Do(t, http.MethodPut, "/api/packages/"+tt.owner+"/generic/tool/1.0.0/tool.bin", strings.NewReader("x"), tt.key)
		if resp.StatusCode != tt.want {
			t.Errorf("push to new owner %s as %s: %d %s, want %d", tt.owner, tt.who, resp.StatusCode, body, tt.want)
		}
	}
	list, err := owners.List(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, o := range list {
		names = append(names, o.Name)
	}
	if !slices.Equal(names, []string{"beta", "gamma"}) {
		t.Errorf("owners after the pushes: %q, want beta and gamma only", names)
	}
}
