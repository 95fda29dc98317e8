package indextest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/feedserver/feedserver/index"
)

var genericEpoch = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

// genericFile is the row of a file created n minutes after genericEpoch,
// recorded at a reference key of its own.
func genericFile(owner, name, version, file string, n int) index.GenericFile {
	return index.GenericFile{
		Owner: owner, Name: name, Version: version, FileName: file,
		SHA256: fmt.Sprintf("%064x", n), Size: int64(n + 1),
		Created: genericEpoch.Add(time.Duration(n)*time.Minute + time.Nanosecond),
		RefKey:  strings.ToLower(fmt.Sprintf("generic/owners/%s/%s/%s/%s.ref.json", owner, name, version, file)),
	}
}

func putGeneric(t *testing.T, c index.Catalog, gs ...index.GenericFile) {
	t.Helper()
	for _, g := range gs {
		if err := c.PutGenericFile(context.Background(), g); err != nil {
			t.Fatalf("PutGenericFile %s: %v", g.RefKey, err)
		}
	}
}

// genericNames lists version/file of rows, in their order.
func genericNames(gs []index.GenericFile) []string {
	var out []string
	for _, g := range gs {
		out = append(out, g.Version+"/"+g.FileName)
	}
	return out
}

// testGenericFiles: a file is identified by owner and, ignoring case, name,
// version and file name; a put of the same identity or reference replaces
// the row; files come back oldest first, as they were written.
func testGenericFiles(t *testing.T, c index.Catalog) {
	ctx := context.Background()
	none, err := c.GenericFiles(ctx, "alice", "Tool")
	if err != nil || none == nil || len(none) != 0 {
		t.Errorf("GenericFiles of an unknown package = %v, %v; want an empty slice", none, err)
	}
	a := genericFile("alice", "Tool", "1.0", "a.bin", 2)
	putGeneric(t, c, genericFile("alice", "Tool", "2.0", "a.bin", 3), a, genericFile("alice", "Tool", "1.0", "b.bin", 1),
		genericFile("bob", "Tool", "1.0", "a.bin", 0))
	got, err := c.GenericFiles(ctx, "alice", "TOOL")
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"1.0/b.bin", "1.0/a.bin", "2.0/a.bin"}; !slices.Equal(genericNames(got), want) {
		t.Errorf("GenericFiles = %v, want %v", genericNames(got), want)
	}
	if got[1] != a {
		t.Errorf("round trip:\n got %+v\nwant %+v", got[1], a)
	}

	// The same identity in another casing replaces the row, spelling and all.
	again := genericFile("alice", "TOOL", "1.0", "A.BIN", 4)
	again.RefKey = a.RefKey + ".2"
	putGeneric(t, c, again)
	got, _ = c.GenericFiles(ctx, "alice", "tool")
	if want := []string{"1.0/b.bin", "2.0/a.bin", "1.0/A.BIN"}; !slices.Equal(genericNames(got), want) {
		t.Errorf("after a put of the same identity: %v, want %v", genericNames(got), want)
	}
	// The same reference key replaces its row too.
	moved := genericFile("alice", "Tool", "3.0", "c.bin", 5)
	moved.RefKey = again.RefKey
	putGeneric(t, c, moved)
	got, _ = c.GenericFiles(ctx, "alice", "tool")
	if want := []string{"1.0/b.bin", "2.0/a.bin", "3.0/c.bin"}; !slices.Equal(genericNames(got), want) {
		t.Errorf("after a put at the same reference: %v, want %v", genericNames(got), want)
	}

	if err := c.DeleteGenericFile(ctx, moved.RefKey); err != nil {
		t.Fatalf("DeleteGenericFile: %v", err)
	}
	wantErr(t, "second DeleteGenericFile", c.DeleteGenericFile(ctx, moved.RefKey), index.ErrNotFound)
	if got, _ := c.GenericFiles(ctx, "alice", "tool"); len(got) != 2 {
		t.Errorf("%d files after a delete, want 2", len(got))
	}
	if got, _ := c.GenericFiles(ctx, "bob", "tool"); len(got) != 1 {
		t.Errorf("bob's files: %d, want 1 (owners are apart)", len(got))
	}

	for _, spoil := range []func(*index.GenericFile){
		func(g *index.GenericFile) { g.Owner = "" },
		func(g *index.GenericFile) { g.Name = "" },
		func(g *index.GenericFile) { g.Version = "" },
		func(g *index.GenericFile) { g.FileName = "" },
		func(g *index.GenericFile) { g.RefKey = "" },
	} {
		g := genericFile("carol", "Broken", "1.0", "x", 9)
		spoil(&g)
		if err := c.PutGenericFile(ctx, g); err == nil {
			t.Errorf("PutGenericFile(%+v) = nil, want an error", g)
		}
	}
	if got, _ := c.GenericFiles(ctx, "carol", "Broken"); len(got) != 0 {
		t.Errorf("a refused file was stored: %v", got)
	}
}

// testGenericBlobRefs: the files that share a blob are counted, at once.
func testGenericBlobRefs(t *testing.T, c index.Catalog) {
	ctx := context.Background()
	shared := genericFile("alice", "Tool", "1.0", "a.bin", 1)
	twin := genericFile("alice", "Tool", "2.0", "a.bin", 2)
	twin.SHA256 = shared.SHA256
	for i, g := range []index.GenericFile{shared, twin} {
		putGeneric(t, c, g)
		if n, err := c.GenericBlobRefs(ctx, shared.SHA256); err != nil || n != int64(i+1) {
			t.Errorf("GenericBlobRefs after %d puts = %d, %v", i+1, n, err)
		}
	}
	for i, g := range []index.GenericFile{shared, twin} {
		if err := c.DeleteGenericFile(ctx, g.RefKey); err != nil {
			t.Fatal(err)
		}
		if n, err := c.GenericBlobRefs(ctx, shared.SHA256); err != nil || n != int64(1-i) {
			t.Errorf("GenericBlobRefs after %d deletes = %d, %v", i+1, n, err)
		}
	}
}

// testGenericRefKeys: every reference key in byte order, across pages.
func testGenericRefKeys(t *testing.T, c index.Catalog) {
	var want []string
	for i := range manyRows {
		g := genericFile("alice", "Tool", fmt.Sprint(i), "f", i)
		g.RefKey = keyPrefixes[i%len(keyPrefixes)] + fmt.Sprint(i)
		want = append(want, g.RefKey)
		putGeneric(t, c, g)
	}
	slices.Sort(want)
	var got []string
	for k, err := range c.GenericRefKeys(context.Background()) {
		if err != nil {
			t.Fatalf("GenericRefKeys: %v", err)
		}
		if len(got) > 0 && k <= got[len(got)-1] {
			t.Fatalf("GenericRefKeys yielded %q after %q", k, got[len(got)-1])
		}
		got = append(got, k)
	}
	if !slices.Equal(got, want) {
		t.Errorf("GenericRefKeys order differs (got %d keys, want %d); first got %v, want %v", len(got), len(want), got[:min(5, len(got))], want[:5])
	}
}

func testGenericIndexed(t *testing.T, c index.Catalog) {
	ctx := context.Background()
	if ok, err := c.GenericIndexed(ctx); err != nil || ok {
		t.Errorf("GenericIndexed of a new catalogue = %v, %v; want false", ok, err)
	}
	for range 2 {
		if err := c.MarkGenericIndexed(ctx, genericEpoch); err != nil {
			t.Fatalf("MarkGenericIndexed: %v", err)
		}
		if ok, err := c.GenericIndexed(ctx); err != nil || !ok {
			t.Errorf("GenericIndexed after MarkGenericIndexed = %v, %v; want true", ok, err)
		}
	}
}

// testGenericPackages: packages newest first, filtered by owner and by text
// (ignoring case, wildcards literal), paged, with their totals.
func testGenericPackages(t *testing.T, c index.Catalog) {
	ctx := context.Background()
	putGeneric(t, c,
		genericFile("alice", "Tool", "1.0", "a.bin", 0),
		genericFile("alice", "tool", "1.0", "b.bin", 1),
		genericFile("alice", "Tool", "2.0", "a.bin", 2),
		genericFile("bob", "100%_done", "1", "x", 3),
		genericFile("bob", "other", "1", "x", 4),
		genericFile("bob", "100xxdone", "1", "x", 0))
	tests := []struct {
		name, owner, text string
		skip, take        int
		want              []string // owner/name@latest
		wantTotal         int
	}{
		{name: "all", take: 10, want: []string{"bob/other@1", "bob/100%_done@1", "alice/Tool@2.0", "bob/100xxdone@1"}, wantTotal: 4},
		{name: "owner", owner: "alice", take: 10, want: []string{"alice/Tool@2.0"}, wantTotal: 1},
		{name: "text any case", text: "TOO", take: 10, want: []string{"alice/Tool@2.0"}, wantTotal: 1},
		{name: "like wildcards are literal", text: "%_", take: 10, want: []string{"bob/100%_done@1"}, wantTotal: 1},
		{name: "page", skip: 1, take: 1, want: []string{"bob/100%_done@1"}, wantTotal: 4},
		{name: "past the end", skip: 5, take: 1, want: nil, wantTotal: 4},
		{name: "take 0", take: 0, want: nil, wantTotal: 4},
		{name: "no match", text: "absent", take: 10, want: nil, wantTotal: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ps, total, err := c.GenericPackages(ctx, tt.owner, tt.text, tt.skip, tt.take)
			if err != nil {
				t.Fatal(err)
			}
			if ps == nil {
				t.Error("GenericPackages gave a nil slice, want an empty one")
			}
			var got []string
			for _, p := range ps {
				got = append(got, p.Owner+"/"+p.Name+"@"+p.LatestVersion)
			}
			if total != tt.wantTotal || !slices.Equal(got, tt.want) {
				t.Errorf("got %v (total %d), want %v (total %d)", got, total, tt.want, tt.wantTotal)
			}
		})
	}
	ps, _, err := c.GenericPackages(ctx, "alice", "", 0, 10)
	if err != nil || len(ps) != 1 {
		t.Fatalf("GenericPackages(alice) = %v, %v", ps, err)
	}
	if p := ps[0]; p.Versions != 2 || p.Files != 3 || p.Size != 6 || !p.Updated.Equal(genericEpoch.Add(2*time.Minute+time.Nanosecond)) {
		t.Errorf("alice/Tool: %d versions, %d files, %d bytes, updated %v; want 2, 3, 6, the newest file's time", p.Versions, p.Files, p.Size, p.Updated)
	}
}
