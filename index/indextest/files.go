package indextest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/feedserver/feedserver/index"
)

// manyRows is more rows than a driver reads in one page (the SQLite driver
// reads 1000), so the paging of Files and GenericRefKeys is exercised.
const manyRows = 1500

// keyPrefixes give keys whose byte order differs from a case-folded or
// locale order: a driver must compare keys as bytes (PostgreSQL: COLLATE "C").
var keyPrefixes = []string{"a/", "A/", "a-", "a.", "b/", "é/", "Z/", "_/"}

// testFilesOrder: Files yields every row with a file, in byte order of the
// key, with its size and time, and stops when the caller does.
func testFilesOrder(t *testing.T, c index.Catalog) {
	ctx := context.Background()
	var want []string
	for i := range manyRows {
		e := entry(space1, fmt.Sprintf("P%d", i), "1.0.0")
		e.BlobKey = keyPrefixes[i%len(keyPrefixes)] + fmt.Sprint(i)
		want = append(want, e.BlobKey)
		insert(t, c, e)
	}
	noFile := entry(space1, "NoFile", "1.0.0")
	noFile.BlobKey = ""
	insert(t, c, noFile)
	slices.Sort(want) // Go's string order is byte order
	var got []string
	for f, err := range c.Files(ctx) {
		if err != nil {
			t.Fatalf("Files: %v", err)
		}
		if len(got) > 0 && f.BlobKey <= got[len(got)-1] {
			t.Fatalf("Files yielded %q after %q", f.BlobKey, got[len(got)-1])
		}
		if f.Size != 1234 || !f.ModTime.Equal(modTime) {
			t.Fatalf("file row %+v lost its size or time", f)
		}
		got = append(got, f.BlobKey)
	}
	if !slices.Equal(got, want) {
		t.Errorf("Files order differs (got %d keys, want %d); first got %v, want %v", len(got), len(want), got[:min(5, len(got))], want[:5])
	}
	n := 0
	for range c.Files(ctx) {
		if n++; n == 3 {
			break
		}
	}
	if n != 3 {
		t.Errorf("stopping after 3 rows: got %d", n)
	}
}

// testFilesWhileWriting: the re-index deletes and writes rows while it
// walks Files; the walk neither blocks the writes nor loses or repeats a row
// that stays.
func testFilesWhileWriting(t *testing.T, c index.Catalog) {
	ctx := context.Background()
	var kept []string
	stays := map[string]bool{}
	for i := range manyRows {
		e := entry(space1, fmt.Sprintf("W%04d", i), "1.0.0")
		insert(t, c, e)
		if i%10 != 0 {
			kept = append(kept, e.BlobKey)
			stays[e.BlobKey] = true
		}
	}
	slices.Sort(kept)
	var seen []string
	last := ""
	n := 0
	for f, err := range c.Files(ctx) {
		if err != nil {
			t.Fatalf("Files: %v", err)
		}
		if f.BlobKey <= last {
			t.Fatalf("Files yielded %q after %q", f.BlobKey, last)
		}
		last = f.BlobKey
		if stays[f.BlobKey] {
			seen = append(seen, f.BlobKey)
		} else if _, err := c.DeleteByBlobKey(ctx, f.BlobKey); err != nil {
			t.Fatalf("DeleteByBlobKey while walking: %v", err)
		}
		if n++; n%100 == 0 {
			// New rows behind the walk ("v…") and ahead of it ("x…").
			for _, id := range []string{fmt.Sprintf("V%d", n), fmt.Sprintf("X%d", n)} {
				if err := c.Put(ctx, entry(space1, id, "1.0.0")); err != nil {
					t.Fatalf("Put while walking: %v", err)
				}
			}
		}
	}
	if !slices.Equal(seen, kept) {
		t.Errorf("the walk saw %d of the %d rows that stayed", len(seen), len(kept))
	}
}

// testByBlobKey: a row is found and removed by its file's key.
func testByBlobKey(t *testing.T, c index.Catalog) {
	ctx := context.Background()
	e := entry(space1, "Keyed", "1.0.0")
	insert(t, c, e, entry(space1, "Keyed", "2.0.0"))
	got, err := c.EntryByBlobKey(ctx, e.BlobKey)
	if err != nil || got.ID != "Keyed" || got.Version.String() != "1.0.0" {
		t.Fatalf("EntryByBlobKey = %s %s, %v; want Keyed 1.0.0", got.ID, got.Version, err)
	}
	if _, err := c.EntryByBlobKey(ctx, "SPACES-1/"+e.BlobKey[len("spaces-1/"):]); !errors.Is(err, index.ErrNotFound) {
		t.Errorf("EntryByBlobKey in another casing: %v, want ErrNotFound (keys are bytes)", err)
	}
	removed, err := c.DeleteByBlobKey(ctx, e.BlobKey)
	if err != nil || removed.ID != "Keyed" || removed.Version.String() != "1.0.0" || removed.Manifest == nil {
		t.Fatalf("DeleteByBlobKey = %s %s, %v; want Keyed 1.0.0 with its manifest", removed.ID, removed.Version, err)
	}
	if _, err := c.DeleteByBlobKey(ctx, e.BlobKey); !errors.Is(err, index.ErrNotFound) {
		t.Errorf("second DeleteByBlobKey: %v, want ErrNotFound", err)
	}
	if _, err := c.EntryByBlobKey(ctx, e.BlobKey); !errors.Is(err, index.ErrNotFound) {
		t.Errorf("EntryByBlobKey after delete: %v, want ErrNotFound", err)
	}
	if _, err := c.Get(ctx, space1, index.KindNuGet, "Keyed", "1.0.0"); !errors.Is(err, index.ErrNotFound) {
		t.Errorf("Get after DeleteByBlobKey: %v, want ErrNotFound", err)
	}
	get(t, c, space1, "Keyed", "2.0.0")
}
