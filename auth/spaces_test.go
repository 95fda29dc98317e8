package auth

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
)

func TestSpacesDefaultAndCreate(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		ctx := context.Background()
		db, _ := openDB(t, backend)
		if _, err := NewSpaces(ctx, db); err != nil {
			t.Fatal(err)
		}
		// A second open must neither fail nor add a second default space.
		s, err := NewSpaces(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		def, err := s.Get(ctx, "spaces-1")
		if err != nil {
			t.Fatal(err)
		}
		if def.ID != "Spaces-1" || def.Name != "Default" || !def.IsDefault() {
			t.Errorf("default space: got %+v, want Spaces-1 Default", def)
		}

		ops, err := s.Create(ctx, " Operations ")
		if err != nil {
			t.Fatal(err)
		}
		if ops.ID != "Spaces-2" || ops.Name != "Operations" || ops.IsDefault() {
			t.Errorf("created: got %+v, want Spaces-2 Operations", ops)
		}
		if _, err := s.Create(ctx, "OPERATIONS"); !errors.Is(err, ErrExists) {
			t.Errorf("duplicate name: got %v, want ErrExists", err)
		}
		if got, err := s.ByName(ctx, "operations"); err != nil || got.ID != "Spaces-2" {
			t.Errorf("ByName: got %+v, %v, want Spaces-2", got, err)
		}
		for _, bad := range []string{"Spaces-9", "Spaces-0", "Spaces-x", "feeds-builtin", ""} {
			if _, err := s.Get(ctx, bad); !errors.Is(err, ErrNotFound) {
				t.Errorf("Get(%q): got %v, want ErrNotFound", bad, err)
			}
		}
		for _, bad := range []string{"", "   ", "a\nb"} {
			if _, err := s.Create(ctx, bad); err == nil {
				t.Errorf("Create(%q): got no error, want one", bad)
			}
		}
		list, err := s.List(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 2 || list[0].ID != "Spaces-1" || list[1].ID != "Spaces-2" {
			t.Errorf("List: got %+v, want Spaces-1 and Spaces-2", list)
		}
	})
}

// A space created through another store (another process) is found by Get.
func TestSpacesSeenAcrossStores(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		ctx := context.Background()
		db, _ := openDB(t, backend)
		a, err := NewSpaces(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.Get(ctx, "Spaces-2"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("before create: got %v, want ErrNotFound", err)
		}
		b, err := NewSpaces(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := b.Create(ctx, "Second"); err != nil {
			t.Fatal(err)
		}
		if got, err := a.Get(ctx, "SPACES-2"); err != nil || got.Name != "Second" {
			t.Errorf("after create elsewhere: got %+v, %v, want Second", got, err)
		}
	})
}

func TestSpacesConcurrentCreateGetsDistinctIDs(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		ctx := context.Background()
		db, _ := openDB(t, backend)
		s, err := NewSpaces(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		ids := make([]string, 8)
		errs := make([]error, 8)
		for i := range ids {
			wg.Add(1)
			go func() {
				defer wg.Done()
				sp, err := s.Create(ctx, fmt.Sprintf("space %d", i))
				ids[i], errs[i] = sp.ID, err
			}()
		}
		wg.Wait()
		seen := map[string]bool{}
		for i, id := range ids {
			if errs[i] != nil {
				t.Fatalf("create %d: %v", i, errs[i])
			}
			if seen[id] {
				t.Errorf("id %s given twice", id)
			}
			seen[id] = true
		}
	})
}

func TestInstallationIDIsStable(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		ctx := context.Background()
		db, _ := openDB(t, backend)
		s, err := NewSpaces(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		first, err := s.InstallationID(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(first) != 36 {
			t.Errorf("installation id: got %q, want a 36-character GUID", first)
		}
		again, err := NewSpaces(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		second, err := again.InstallationID(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if second != first {
			t.Errorf("installation id after reopen: got %q, want %q", second, first)
		}
	})
}
