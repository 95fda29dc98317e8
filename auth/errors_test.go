package auth

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// TestErrorsSayTheirContextOnce checks the texts a user reads (the CLI
// prints them after "feedserver:", the admin API answers them): the
// sentinels carry no "auth:" of their own, so an error wrapped with its
// context names the package once ("auth: owner "team": already exists"),
// and the context does not repeat the sentinel's words.
func TestErrorsSayTheirContextOnce(t *testing.T) {
	forEachBackend(t, testErrorsSayTheirContextOnce)
}

func testErrorsSayTheirContextOnce(t *testing.T, backend string) {
	ctx := context.Background()
	k, db, _, _ := newKeys(t, backend)
	owners, err := NewOwners(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	spaces, err := NewSpaces(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := owners.Create(ctx, "team"); err != nil {
		t.Fatal(err)
	}
	if _, err := spaces.Create(ctx, "Ops"); err != nil {
		t.Fatal(err)
	}
	mustCreate(t, k, KeySpec{Name: "ci", Role: RolePublisher})

	tests := []struct {
		name string
		do   func() error
		is   error
	}{
		{"owner exists", func() error { _, err := owners.Create(ctx, "Team"); return err }, ErrExists},
		{"invalid owner", func() error { _, err := owners.Create(ctx, "a b"); return err }, ErrInvalidOwner},
		{"space exists", func() error { _, err := spaces.Create(ctx, "ops"); return err }, ErrExists},
		{"unknown space", func() error { _, err := spaces.Get(ctx, "Spaces-9"); return err }, ErrNotFound},
		{"key name taken", func() error { _, _, err := k.Create(ctx, KeySpec{Name: "CI", Role: RoleReader}); return err }, ErrExists},
		{"key for an invalid owner", func() error {
			_, _, err := k.Create(ctx, KeySpec{Name: "x", Role: RoleReader, Owners: []string{"a b"}})
			return err
		}, ErrInvalidSpec},
		{"revoke an unknown key", func() error { return k.Revoke(ctx, "nosuch") }, ErrNotFound},
		{"unknown key", func() error { _, err := k.Authenticate(ctx, "API-"+strings.Repeat("A", 32)); return err }, ErrInvalidKey},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.do()
			if !errors.Is(err, tc.is) {
				t.Fatalf("error %v, want one matching %v", err, tc.is)
			}
			for _, s := range []string{"auth:", tc.is.Error()} {
				if n := strings.Count(err.Error(), s); n > 1 {
					t.Errorf("%q says %q %d times", err, s, n)
				}
			}
		})
	}
}
