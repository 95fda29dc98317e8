package feed_test

import (
	"context"
	"errors"
	"testing"

	"github.com/feedserver/feedserver/feed"
	"github.com/feedserver/feedserver/index"
	"github.com/feedserver/feedserver/nuget"
	"github.com/feedserver/feedserver/nuget/nugettest"
)

func TestSetDeprecation(t *testing.T) {
	e := newEnv(t, t.TempDir(), feed.Options{})
	ctx := context.Background()
	for _, s := range []nugettest.Spec{{ID: "Old", Version: "1.0.0"}, {ID: "Old", Version: "2.0.0"}, {ID: "New", Version: "1.0.0"}} {
		mustPush(t, e.feed, nugettest.Build(t, s), feed.PushRequest{})
	}
	must := func(reasons []string, msg, altID, altVer string) *nuget.Deprecation {
		d, err := nuget.NewDeprecation(reasons, msg, altID, altVer)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	legacy := must([]string{"legacy"}, "", "", "")
	cases := []struct {
		name     string
		id       string
		versions []string
		d        *nuget.Deprecation
		want     error
	}{
		{"no versions", "Old", nil, legacy, feed.ErrInvalid},
		{"unknown version", "Old", []string{"1.0.0", "3.0.0"}, legacy, feed.ErrNotFound},
		{"unparsable version", "Old", []string{"one"}, legacy, feed.ErrInvalid},
		{"unknown id", "Nobody", []string{"1.0.0"}, legacy, feed.ErrNotFound},
		{"alternate missing", "Old", []string{"1.0.0"}, must([]string{"Legacy"}, "", "Absent", ""), feed.ErrInvalid},
		{"alternate version missing", "Old", []string{"1.0.0"}, must([]string{"Legacy"}, "", "New", "9.0.0"), feed.ErrInvalid},
		{"alternate is itself", "Old", []string{"1.0.0"}, must([]string{"Legacy"}, "", "old", ""), feed.ErrInvalid},
		{"alternate among the deprecated", "Old", []string{"1.0", "2.0"}, must([]string{"Legacy"}, "", "OLD", "2.0.0"), feed.ErrInvalid},
		{"clear with no versions", "Old", nil, nil, feed.ErrInvalid},
		{"clear an unknown version", "Old", []string{"3.0.0"}, nil, feed.ErrNotFound},
	}
	for _, tc := range cases {
		if _, err := e.feed.SetDeprecation(ctx, "", tc.id, tc.versions, tc.d); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
	assertDeprecation := func(version string, want *nuget.Deprecation) {
		t.Helper()
		got, err := e.feed.Get(ctx, feed.DefaultSpace, index.KindNuGet, "old", version)
		if err != nil {
			t.Fatal(err)
		}
		if !got.Deprecation.Equal(want) {
			t.Errorf("%s: deprecation %+v, want %+v", version, got.Deprecation, want)
		}
	}
	assertDeprecation("1.0.0", nil) // nothing refused left a trace

	gen := e.feed.Generation()
	d := must([]string{"CriticalBugs", "Other"}, "Broken; use New.", "New", "1.0.0")
	changed, err := e.feed.SetDeprecation(ctx, "Spaces-1", "OLD", []string{"1.0", "1.0.0", "2.0.0"}, d)
	if err != nil {
		t.Fatalf("SetDeprecation: %v", err)
	}
	if len(changed) != 2 || changed[0].ID != "Old" || !changed[1].Deprecation.Equal(d) {
		t.Errorf("changed = %+v, want Old 1.0.0 and 2.0.0 with the deprecation", changed)
	}
	if e.feed.Generation() == gen {
		t.Error("the generation did not move: cached documents would keep the old deprecation")
	}
	assertDeprecation("1.0.0", d)
	assertDeprecation("2.0.0", d)

	// A replacing re-push and a re-index keep it: it belongs to the
	// version, not to the file.
	mustPush(t, e.feed, nugettest.Build(t, nugettest.Spec{ID: "Old", Version: "1.0.0", Description: "again"}),
		feed.PushRequest{Overwrite: feed.OverwriteExisting, CanReplace: true})
	if _, err := e.feed.Reindex(ctx); err != nil {
		t.Fatalf("Reindex: %v", err)
	}
	assertDeprecation("1.0.0", d)

	if _, err := e.feed.SetDeprecation(ctx, "", "old", []string{"2.0.0"}, nil); err != nil {
		t.Fatalf("clear: %v", err)
	}
	assertDeprecation("1.0.0", d)
	assertDeprecation("2.0.0", nil)
}
