package auth

import (
	"context"
	"errors"
	"strings"
	"testing"
)

func TestNormalizeOwner(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"acme", "acme"},
		{"ACME", "acme"},
		{"team.x", "team.x"},
		{"a-b_c", "a-b_c"},
		{"a", "a"},
		{"1", "1"},
		{strings.Repeat("o", MaxOwnerLength), strings.Repeat("o", MaxOwnerLength)},
		{"", ""},
		{" acme", ""},
		{"acme ", ""},
		{"-acme", ""},
		{"acme.", ""},
		{".acme", ""},
		{"a..b", ""},
		{"a/b", ""},
		{"a b", ""},
		{"caf\u00e9", ""},
		{"%2e%2e", ""},
		{strings.Repeat("o", MaxOwnerLength+1), ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := NormalizeOwner(tt.in)
			if tt.want == "" {
				if !errors.Is(err, ErrInvalidOwner) {
					t.Fatalf("NormalizeOwner(%q) = %q, %v; want ErrInvalidOwner", tt.in, got, err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("NormalizeOwner(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestOwners(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		ctx := context.Background()
		db, _ := openDB(t, backend)
		o, err := NewOwners(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := NewOwners(ctx, db); err != nil {
			t.Fatalf("opening the store twice: %v", err)
		}
		if got, err := o.Create(ctx, "Acme"); err != nil || got != "acme" {
			t.Fatalf("Create(Acme) = %q, %v; want acme", got, err)
		}
		if _, err := o.Create(ctx, "ACME"); !errors.Is(err, ErrExists) {
			t.Errorf("Create(ACME) again: %v, want ErrExists", err)
		}
		if _, err := o.Create(ctx, "bad owner"); !errors.Is(err, ErrInvalidOwner) {
			t.Errorf("Create(bad owner): %v, want ErrInvalidOwner", err)
		}
		if _, err := o.Create(ctx, "zeta"); err != nil {
			t.Fatal(err)
		}
		for name, want := range map[string]bool{"acme": true, "ACME": true, "zeta": true, "other": false, "bad owner": false} {
			if got, err := o.Exists(ctx, name); err != nil || got != want {
				t.Errorf("Exists(%q) = %v, %v; want %v", name, got, err, want)
			}
		}
		list, err := o.List(ctx)
		if err != nil || len(list) != 2 || list[0].Name != "acme" || list[1].Name != "zeta" || list[0].Created.IsZero() {
			t.Errorf("List = %+v, %v; want acme and zeta", list, err)
		}
	})
}

func FuzzNormalizeOwner(f *testing.F) {
	for _, s := range []string{"acme", "ACME", "a..b", "-x", "team.x", " a", "%2e", "a/b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := NormalizeOwner(s)
		if err != nil {
			return
		}
		if got != strings.ToLower(got) || strings.Contains(got, "..") || strings.ContainsAny(got, "/\\ %") || len(got) > MaxOwnerLength {
			t.Fatalf("NormalizeOwner(%q) = %q, not a safe lowercase owner", s, got)
		}
		again, err := NormalizeOwner(got)
		if err != nil || again != got {
			t.Fatalf("NormalizeOwner is not idempotent on %q: %q, %v", got, again, err)
		}
	})
}
