package indextest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/feedserver/feedserver/index"
)

// testPackageIDs: the distinct lowercased ids of one space and kind, in byte
// order, page by page.
func testPackageIDs(t *testing.T, c index.Catalog) {
	ctx := context.Background()
	var want []string
	for i := range 25 {
		id := fmt.Sprintf("Pkg.%02d", i)
		if i%2 == 1 {
			id = strings.ToUpper(id)
		}
		want = append(want, strings.ToLower(id))
		insert(t, c, entry(space1, id, "1.0.0"), entry(space1, id, "2.0.0"))
	}
	raw := entry(space1, "Pkg.Raw", "1.0.0")
	raw.Kind, raw.BlobKey = index.KindRaw, "raw/pkg.raw.1.0.0.zip"
	insert(t, c, entry("Spaces-2", "Pkg.Other", "1.0.0"), raw)

	var got []string
	after := ""
	for {
		page, err := c.PackageIDs(ctx, space1, index.KindNuGet, after, 10)
		if err != nil {
			t.Fatalf("PackageIDs: %v", err)
		}
		if len(page) == 0 {
			break
		}
		if len(page) > 10 {
			t.Fatalf("a page of %d ids, want at most 10", len(page))
		}
		if strings.ToLower(after) >= page[0] {
			t.Fatalf("the page after %q starts at %q", after, page[0])
		}
		got = append(got, page...)
		after = strings.ToUpper(page[len(page)-1]) // any casing
	}
	if !slices.Equal(got, want) {
		t.Errorf("PackageIDs = %v, want %v", got, want)
	}
	all, err := c.PackageIDs(ctx, space1, index.KindNuGet, "", 0)
	if err != nil || !slices.Equal(all, want) {
		t.Errorf("PackageIDs with no limit = %v, %v; want all %d", all, err, len(want))
	}
	none, err := c.PackageIDs(ctx, "Spaces-3", index.KindNuGet, "", 10)
	if err != nil || none == nil || len(none) != 0 {
		t.Errorf("PackageIDs of an empty space = %v, %v; want an empty slice", none, err)
	}
}

// testCounts: ids are counted per space and kind, versions are rows.
func testCounts(t *testing.T, c index.Catalog) {
	ctx := context.Background()
	if ids, versions, err := c.Counts(ctx); err != nil || ids != 0 || versions != 0 {
		t.Errorf("Counts of an empty catalogue = %d, %d, %v", ids, versions, err)
	}
	raw := entry(space1, "One", "1.0.0")
	raw.Kind, raw.BlobKey = index.KindRaw, "raw/one.1.0.0.zip"
	insert(t, c, entry(space1, "One", "1.0.0"), entry(space1, "ONE", "2.0.0"), entry(space1, "Two", "1.0.0"),
		entry("Spaces-2", "One", "1.0.0"), raw)
	if ids, versions, err := c.Counts(ctx); err != nil || ids != 4 || versions != 5 {
		t.Errorf("Counts = %d, %d, %v; want 4 ids, 5 versions", ids, versions, err)
	}
}

// testSpaces: the spaces that hold a row, in byte order.
func testSpaces(t *testing.T, c index.Catalog) {
	ctx := context.Background()
	if got, err := c.Spaces(ctx); err != nil || len(got) != 0 {
		t.Errorf("Spaces of an empty catalogue = %v, %v", got, err)
	}
	lone := entry("Spaces-10", "Lone", "1.0.0")
	insert(t, c, entry("Spaces-2", "A", "1.0.0"), entry(space1, "A", "1.0.0"), entry(space1, "B", "1.0.0"), lone)
	got, err := c.Spaces(ctx)
	if want := []string{"Spaces-1", "Spaces-10", "Spaces-2"}; err != nil || !slices.Equal(got, want) {
		t.Errorf("Spaces = %v, %v; want %v", got, err, want)
	}
	if err := c.Delete(ctx, "Spaces-10", index.KindNuGet, "lone", "1.0.0"); err != nil {
		t.Fatal(err)
	}
	got, err = c.Spaces(ctx)
	if want := []string{"Spaces-1", "Spaces-2"}; err != nil || !slices.Equal(got, want) {
		t.Errorf("Spaces after emptying Spaces-10 = %v, %v; want %v", got, err, want)
	}
}

func testHasListed(t *testing.T, c index.Catalog) {
	ctx := context.Background()
	hidden := entry(space1, "Hidden", "1.0.0")
	hidden.Listed = false
	half := entry(space1, "Half", "1.0.0")
	half.Listed = false
	insert(t, c, hidden, half, entry(space1, "Half", "2.0.0"))
	for _, tc := range []struct {
		id   string
		want bool
	}{{"hidden", false}, {"HALF", true}, {"absent", false}} {
		got, err := c.HasListed(ctx, space1, index.KindNuGet, tc.id)
		if err != nil || got != tc.want {
			t.Errorf("HasListed(%s) = %v, %v; want %v", tc.id, got, err, tc.want)
		}
	}
	if err := c.SetListed(ctx, space1, index.KindNuGet, "Half", "2.0.0", false); err != nil {
		t.Fatal(err)
	}
	if got, err := c.HasListed(ctx, space1, index.KindNuGet, "Half"); err != nil || got {
		t.Errorf("HasListed after unlisting the last listed version = %v, %v; want false", got, err)
	}
}
