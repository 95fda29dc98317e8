package indextest

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/feedserver/feedserver/index"
	"github.com/feedserver/feedserver/nuget"
)

// symbol is one PDB row of a symbol package of id and version.
func symbol(id, version, name, signature string) index.SymbolFile {
	key := strings.ToLower(name) + "/" + signature + "FFFFFFFF/" + strings.ToLower(name)
	return index.SymbolFile{
		Key: key, Path: "lib/net45/" + name,
		BlobKey: "spaces-1/symbols/" + strings.ToLower(id) + "/" + strings.ToLower(id+"."+version) + ".snupkg",
		Size:    int64(len(name)) * 100, SHA256: strings.Repeat("a", 64),
	}
}

// of is f as the catalogue gives it back for space, id and version.
func (f symbolWant) of(space, id, version string) index.SymbolFile {
	g := index.SymbolFile(f)
	g.Space, g.ID, g.Version, g.Key = space, strings.ToLower(id), strings.ToLower(nuget.MustParseVersion(version).String()), strings.ToLower(g.Key)
	return g
}

type symbolWant index.SymbolFile

func testSymbols(t *testing.T, c index.Catalog) {
	ctx := context.Background()
	const sigA, sigB = "497b72f6390a44fc878e5a2d63b6cc4b", "00112233445566778899aabbccddeeff"
	a := symbol("My.Lib", "1.0.0", "My.Lib.pdb", sigA)
	b := symbol("My.Lib", "1.0.0", "My.Other.pdb", sigB)

	// Written under any spelling of the identity, read back under another.
	if err := c.PutSymbols(ctx, space1, "My.Lib", "1.0", []index.SymbolFile{b, a}); err != nil {
		t.Fatalf("PutSymbols: %v", err)
	}
	got, err := c.Symbols(ctx, space1, "my.lib", "1.0.0.0")
	if err != nil {
		t.Fatalf("Symbols: %v", err)
	}
	want := []index.SymbolFile{symbolWant(a).of(space1, "My.Lib", "1.0.0"), symbolWant(b).of(space1, "My.Lib", "1.0.0")}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Symbols:\n got %+v\nwant %+v", got, want)
	}

	// By key: in any case, only in its space, every version that has it.
	if err := c.PutSymbols(ctx, space1, "my.lib", "2.0.0", []index.SymbolFile{a}); err != nil {
		t.Fatalf("PutSymbols 2.0.0: %v", err)
	}
	if err := c.PutSymbols(ctx, "Spaces-2", "my.lib", "3.0.0", []index.SymbolFile{a}); err != nil {
		t.Fatalf("PutSymbols Spaces-2: %v", err)
	}
	byKey, err := c.SymbolsByKey(ctx, space1, strings.ToUpper(a.Key))
	if err != nil {
		t.Fatalf("SymbolsByKey: %v", err)
	}
	if len(byKey) != 2 || byKey[0].Version != "1.0.0" || byKey[1].Version != "2.0.0" || byKey[0].Space != space1 {
		t.Errorf("SymbolsByKey = %+v, want the rows of 1.0.0 and 2.0.0 in %s", byKey, space1)
	}
	if none, err := c.SymbolsByKey(ctx, "Spaces-3", a.Key); err != nil || none == nil || len(none) != 0 {
		t.Errorf("SymbolsByKey in another space = %+v, %v; want an empty slice", none, err)
	}

	// A second put replaces the version's rows, whatever they were.
	if err := c.PutSymbols(ctx, space1, "MY.LIB", "1.0.0", []index.SymbolFile{b}); err != nil {
		t.Fatalf("PutSymbols again: %v", err)
	}
	if got, _ := c.Symbols(ctx, space1, "my.lib", "1.0.0"); len(got) != 1 || got[0].Key != strings.ToLower(b.Key) {
		t.Errorf("after a second put: %+v, want only %s", got, b.Key)
	}

	// Refused puts change nothing.
	for _, tc := range []struct {
		name  string
		files []index.SymbolFile
	}{
		{"same key twice", []index.SymbolFile{a, {Key: strings.ToUpper(a.Key), Path: "x.pdb", BlobKey: "k"}}},
		{"no key", []index.SymbolFile{{Path: "x.pdb", BlobKey: "k"}}},
		{"no path", []index.SymbolFile{{Key: a.Key, BlobKey: "k"}}},
		{"no blob key", []index.SymbolFile{{Key: a.Key, Path: "x.pdb"}}},
	} {
		err := c.PutSymbols(ctx, space1, "my.lib", "1.0.0", tc.files)
		wantErr(t, "PutSymbols "+tc.name, err, nuget.ErrInvalidPackage)
	}
	if got, _ := c.Symbols(ctx, space1, "my.lib", "1.0.0"); len(got) != 1 {
		t.Errorf("refused puts changed the rows: %+v", got)
	}

	// Delete removes one version's rows only; deleting nothing is no error.
	if err := c.DeleteSymbols(ctx, space1, "My.Lib", "1.0"); err != nil {
		t.Fatalf("DeleteSymbols: %v", err)
	}
	if err := c.DeleteSymbols(ctx, space1, "My.Lib", "1.0"); err != nil {
		t.Errorf("DeleteSymbols of nothing: %v", err)
	}
	if got, err := c.Symbols(ctx, space1, "my.lib", "1.0.0"); err != nil || got == nil || len(got) != 0 {
		t.Errorf("Symbols after delete = %+v, %v; want an empty slice", got, err)
	}
	if byKey, _ := c.SymbolsByKey(ctx, space1, a.Key); len(byKey) != 1 || byKey[0].Version != "2.0.0" {
		t.Errorf("SymbolsByKey after deleting 1.0.0 = %+v, want 2.0.0's row", byKey)
	}
	if other, _ := c.SymbolsByKey(ctx, "Spaces-2", a.Key); len(other) != 1 {
		t.Errorf("deleting in %s touched Spaces-2: %+v", space1, other)
	}
	// A put of no files is a delete.
	if err := c.PutSymbols(ctx, space1, "my.lib", "2.0.0", nil); err != nil {
		t.Fatalf("PutSymbols of nothing: %v", err)
	}
	if byKey, _ := c.SymbolsByKey(ctx, space1, a.Key); len(byKey) != 0 {
		t.Errorf("after a put of nothing: %+v", byKey)
	}
}
