package indextest

import (
	"context"
	"testing"

	"github.com/feedserver/feedserver/index"
	"github.com/feedserver/feedserver/nuget"
)

// testDeprecation: SetDeprecation sets and clears versions named in any
// spelling, all or none; Get, Versions and AllEntries read it back whole; a
// Put of the same identity keeps it; an Insert carries it (as a migration
// between catalogues does).
func testDeprecation(t *testing.T, c index.Catalog) {
	ctx := context.Background()
	insert(t, c, entry(space1, "Old", "1.0.0"), entry(space1, "Old", "2.0.0-beta"), entry(space1, "Old", "3.0.0"))
	alt := nuget.MustParseVersion("3.0.0")
	d := &nuget.Deprecation{
		Reasons:          []nuget.DeprecationReason{nuget.DeprecationOther, nuget.DeprecationLegacy},
		Message:          "Use «New» instead.\nSee the notes.",
		AlternatePackage: &nuget.AlternatePackage{ID: "New.Package", Version: &alt},
	}
	if err := c.SetDeprecation(ctx, space1, index.KindNuGet, "OLD", []string{"1.0", "2.0.0-BETA"}, d); err != nil {
		t.Fatalf("SetDeprecation: %v", err)
	}
	want := map[string]*nuget.Deprecation{"1.0.0": d, "2.0.0-beta": d, "3.0.0": nil}
	check := func(when string) {
		t.Helper()
		vs, err := c.Versions(ctx, space1, index.KindNuGet, "old")
		if err != nil {
			t.Fatalf("%s: Versions: %v", when, err)
		}
		all, err := c.AllEntries(ctx, space1, index.KindNuGet)
		if err != nil {
			t.Fatalf("%s: AllEntries: %v", when, err)
		}
		for _, e := range append(vs, all...) {
			if w := want[e.Version.String()]; !e.Deprecation.Equal(w) {
				t.Errorf("%s: %s deprecation = %+v, want %+v", when, e.Version, e.Deprecation, w)
			}
		}
	}
	check("after SetDeprecation")

	// One missing version (or one that does not parse) changes nothing.
	other := &nuget.Deprecation{Reasons: []nuget.DeprecationReason{nuget.DeprecationCriticalBugs}}
	for _, missing := range []string{"9.0.0", "not a version"} {
		wantErr(t, "SetDeprecation with a missing version",
			c.SetDeprecation(ctx, space1, index.KindNuGet, "Old", []string{"3.0.0", missing}, other), index.ErrNotFound)
		wantErr(t, "clearing with a missing version",
			c.SetDeprecation(ctx, space1, index.KindNuGet, "Old", []string{"1.0.0", missing}, nil), index.ErrNotFound)
	}
	wantErr(t, "SetDeprecation of an unknown id",
		c.SetDeprecation(ctx, space1, index.KindNuGet, "Nobody", []string{"1.0.0"}, other), index.ErrNotFound)
	wantErr(t, "SetDeprecation in another space",
		c.SetDeprecation(ctx, "Spaces-2", index.KindNuGet, "Old", []string{"1.0.0"}, other), index.ErrNotFound)
	check("after refused changes")

	// A re-push (Put of the identity) keeps it.
	if err := c.Put(ctx, entry(space1, "Old", "1.0.0")); err != nil {
		t.Fatalf("Put: %v", err)
	}
	check("after Put")

	if err := c.SetDeprecation(ctx, space1, index.KindNuGet, "old", []string{"1.0.0"}, nil); err != nil {
		t.Fatalf("clear: %v", err)
	}
	want["1.0.0"] = nil
	check("after clearing one")

	// Insert writes what the entry carries; no alternate, no message.
	e := entry(space1, "Copied", "1.0.0")
	e.Deprecation = other
	insert(t, c, e)
	if got := get(t, c, space1, "copied", "1.0.0"); !got.Deprecation.Equal(other) {
		t.Errorf("inserted deprecation = %+v, want %+v", got.Deprecation, other)
	}
}
