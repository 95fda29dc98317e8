package generic_test

import (
	"context"
	"errors"
	"testing"

	"github.com/feedserver/feedserver/auth"
	"github.com/feedserver/feedserver/feed/generic"
	"github.com/feedserver/feedserver/feed/generic/generictest"
)

// TestEnsureOwner: an existing owner takes any pusher's push; a missing one
// is created only by an administrator whose key reaches it.
func TestEnsureOwner(t *testing.T) {
	ctx := context.Background()
	owners := generictest.Owners(t, "acme")
	reg := newEnv(t, t.TempDir(), 0).reg
	admin := func(spaces, owns []string) auth.Principal {
		return auth.Principal{KeyID: "k", Role: auth.RoleAdministrator, Spaces: spaces, Owners: owns}
	}
	tests := []struct {
		name    string
		by      auth.Principal
		owner   string
		created bool // the owner exists afterwards and did not before
		refused bool
	}{
		{"existing owner, publisher", auth.Principal{KeyID: "p", Role: auth.RolePublisher}, "acme", false, false},
		{"new owner, publisher", auth.Principal{KeyID: "p", Role: auth.RolePublisher}, "pub", false, true},
		{"new owner, unrestricted administrator", admin(nil, nil), "fresh", true, false},
		{"new owner, administrator limited to it", admin(nil, []string{"mine"}), "mine", true, false},
		{"new owner, administrator limited to others", admin(nil, []string{"mine"}), "theirs", false, true},
		{"new owner, administrator limited to spaces", admin([]string{"Spaces-2"}, nil), "spaced", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := reg.EnsureOwner(ctx, owners, tt.by, tt.owner)
			var noOwner *generic.NoOwnerError
			if tt.refused != errors.As(err, &noOwner) || (err != nil && !tt.refused) {
				t.Fatalf("EnsureOwner = %v, want refused %v", err, tt.refused)
			}
			if tt.refused && (!errors.Is(err, auth.ErrForbidden) || noOwner.Owner != tt.owner) {
				t.Errorf("refusal %v: want an auth.ErrForbidden naming %q", err, tt.owner)
			}
			exists, err := owners.Exists(ctx, tt.owner)
			if err != nil {
				t.Fatal(err)
			}
			if want := tt.created || tt.owner == "acme"; exists != want {
				t.Errorf("owner %q exists = %v, want %v", tt.owner, exists, want)
			}
		})
	}
	if err := reg.EnsureOwner(ctx, nil, auth.Anonymous(), "anyone"); err != nil {
		t.Errorf("without an owner store: %v, want every owner accepted", err)
	}
}
