package feed_test

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha512"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/feedserver/feedserver/feed"
	"github.com/feedserver/feedserver/fixtures"
	"github.com/feedserver/feedserver/nuget"
	"github.com/feedserver/feedserver/nuget/nugettest"
)

// symbolsFixture is fixtures/good's Fixture.Symbols.1.0.0.snupkg, which
// NuGet.exe 5.8 packed, its PDB and that PDB's SSQP key.
func symbolsFixture(t *testing.T) (snupkg, pdb []byte, key string) {
	t.Helper()
	snupkg = fixtures.Good("Fixture.Symbols.1.0.0.snupkg")
	pdb = zipEntry(t, snupkg, "lib/net45/Fixture.Symbols.pdb")
	p, err := nuget.ReadPortablePDB(bytes.NewReader(pdb), int64(len(pdb)))
	if err != nil {
		t.Fatal(err)
	}
	return snupkg, pdb, nuget.SymbolKey("Fixture.Symbols.pdb", p.ID)
}

func zipEntry(t *testing.T, archive []byte, name string) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(archive), int64(len(archive)))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range zr.File {
		if f.Name == name {
			rc, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			defer rc.Close()
			b, err := io.ReadAll(rc)
			if err != nil {
				t.Fatal(err)
			}
			return b
		}
	}
	t.Fatalf("no %s in the archive", name)
	return nil
}

func pushSymbols(f *feed.Feed, space string, b []byte) (feed.PushResult, error) {
	return f.PushSymbols(context.Background(), space, bytes.NewReader(b), false)
}

// readSymbol opens key with the given SymbolChecksum entries (nil: no header).
func readSymbol(t *testing.T, f *feed.Feed, space, key string, sums []nuget.SymbolChecksum) ([]byte, error) {
	t.Helper()
	pdb, err := f.OpenSymbol(context.Background(), space, key, sums, sums != nil)
	if err != nil {
		return nil, err
	}
	defer pdb.Close()
	return io.ReadAll(pdb)
}

// A symbol package is refused unless its package exists and it is a valid
// symbol package; a refusal leaves nothing stored, a good one is served by key.
func TestPushSymbolsAcceptReject(t *testing.T) {
	snupkg, pdb, key := symbolsFixture(t)
	cases := []struct {
		name string
		body []byte
		want error // nil: accepted
	}{
		{"empty", nil, feed.ErrInvalid},
		{"a nupkg", fixtures.Good("Fixture.Symbols.1.0.0.nupkg"), feed.ErrInvalid},
		{"no package of that id", nugettest.SymbolPackage(t, "Other.Lib", "1.0.0", map[string][]byte{"lib/Other.Lib.pdb": pdb}), feed.ErrNotFound},
		{"no package of that version", nugettest.SymbolPackage(t, "Fixture.Symbols", "2.0.0", map[string][]byte{"lib/x.pdb": pdb}), feed.ErrNotFound},
	}
	for _, name := range fixtures.BadSymbolsNames() {
		want := feed.ErrInvalid
		if name == "no-such-package.snupkg" {
			want = feed.ErrNotFound
		}
		cases = append(cases, struct {
			name string
			body []byte
			want error
		}{"bad-symbols/" + name, fixtures.BadSymbols(name), want})
	}
	cases = append(cases, struct {
		name string
		body []byte
		want error
	}{"packed by NuGet.exe", snupkg, nil})

	e := newEnv(t, t.TempDir(), feed.Options{})
	mustPush(t, e.feed, fixtures.Good("Fixture.Symbols.1.0.0.nupkg"), feed.PushRequest{Protocol: "nuget"})
	before := keys(t, e.store)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res, err := pushSymbols(e.feed, "", tc.body)
			if tc.want != nil {
				if !errors.Is(err, tc.want) {
					t.Fatalf("PushSymbols: %v, want %v", err, tc.want)
				}
				if got := keys(t, e.store); !slices.Equal(got, before) {
					t.Errorf("a refused push left files: %v, want %v", got, before)
				}
				if s, _ := e.feed.Symbols(context.Background(), "", "Fixture.Symbols", "1.0.0"); len(s) != 0 {
					t.Errorf("a refused push left symbol rows: %+v", s)
				}
				noStageLeft(t, e)
				return
			}
			if err != nil || res.Status != feed.Created || res.Entry.ID != "Fixture.Symbols" {
				t.Fatalf("PushSymbols = %+v, %v; want Created for Fixture.Symbols", res, err)
			}
			if got := keys(t, e.store); !slices.Contains(got, "spaces-1/symbols/fixture.symbols/fixture.symbols.1.0.0.snupkg") {
				t.Errorf("stored keys %v lack the symbol package", got)
			}
			got, err := readSymbol(t, e.feed, "", strings.ToUpper(key), nil)
			if err != nil || !bytes.Equal(got, pdb) {
				t.Errorf("OpenSymbol(%s) = %d bytes, %v; want the PDB's %d bytes", key, len(got), err, len(pdb))
			}
			if _, err := readSymbol(t, e.feed, "Spaces-2", key, nil); !errors.Is(err, feed.ErrNotFound) {
				t.Errorf("OpenSymbol in another space: %v, want ErrNotFound", err)
			}
			noStageLeft(t, e)
		})
	}
}

// The SymbolChecksum rule: without the header any PDB with the key is
// served; with it, only one whose checksum it names, by any algorithm.
func TestOpenSymbolChecksum(t *testing.T) {
	snupkg, pdb, key := symbolsFixture(t)
	e := newEnv(t, t.TempDir(), feed.Options{})
	mustPush(t, e.feed, fixtures.Good("Fixture.Symbols.1.0.0.nupkg"), feed.PushRequest{Protocol: "nuget"})
	if _, err := pushSymbols(e.feed, "", snupkg); err != nil {
		t.Fatal(err)
	}
	p, err := nuget.ReadPortablePDB(bytes.NewReader(pdb), int64(len(pdb)))
	if err != nil {
		t.Fatal(err)
	}
	sum := func(alg string) []byte {
		b, err := p.Checksum(bytes.NewReader(pdb), alg)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	wrong := bytes.Repeat([]byte{1}, 32)
	whole := sha512.Sum384(pdb) // of the file with its id: not the PDB checksum
	for _, tc := range []struct {
		name string
		sums []nuget.SymbolChecksum // nil: no header
		key  string
		want error
	}{
		{"no header", nil, key, nil},
		{"SHA256 matches", []nuget.SymbolChecksum{{Algorithm: "SHA256", Checksum: sum("SHA256")}}, key, nil},
		{"SHA384 matches", []nuget.SymbolChecksum{{Algorithm: "SHA384", Checksum: sum("SHA384")}}, key, nil},
		{"SHA512 after a wrong SHA256", []nuget.SymbolChecksum{{Algorithm: "SHA256", Checksum: wrong}, {Algorithm: "SHA512", Checksum: sum("SHA512")}}, key, nil},
		{"wrong SHA256", []nuget.SymbolChecksum{{Algorithm: "SHA256", Checksum: wrong}}, key, feed.ErrNotFound},
		{"hash of the file with its id", []nuget.SymbolChecksum{{Algorithm: "SHA384", Checksum: whole[:]}}, key, feed.ErrNotFound},
		{"header of unknown algorithms only", []nuget.SymbolChecksum{}, key, feed.ErrNotFound},
		{"unknown key", nil, "fixture.symbols.pdb/00000000000000000000000000000000FFFFFFFF/fixture.symbols.pdb", feed.ErrNotFound},
		{"key too long", nil, strings.Repeat("a", 2000), feed.ErrNotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := readSymbol(t, e.feed, "", tc.key, tc.sums)
			if tc.want != nil {
				if !errors.Is(err, tc.want) {
					t.Errorf("OpenSymbol: %v, want %v", err, tc.want)
				}
				return
			}
			if err != nil || !bytes.Equal(got, pdb) {
				t.Errorf("OpenSymbol = %d bytes, %v; want the PDB", len(got), err)
			}
		})
	}
}

// A symbol package is replaced by the next one, removed when its .nupkg is
// replaced, and deleted with its version, by hand or by retention.
func TestSymbolsFollowTheirPackage(t *testing.T) {
	snupkg, _, key := symbolsFixture(t)
	nupkg := fixtures.Good("Fixture.Symbols.1.0.0.nupkg")
	otherPDB := nugettest.PortablePDB([20]byte{9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0})
	otherKey := nuget.SymbolKey("Fixture.Symbols.pdb", [20]byte{9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0})
	other := nugettest.SymbolPackage(t, "Fixture.Symbols", "1.0.0", map[string][]byte{"lib/net45/Fixture.Symbols.pdb": otherPDB})
	const snupkgKey = "spaces-1/symbols/fixture.symbols/fixture.symbols.1.0.0.snupkg"
	served := func(t *testing.T, f *feed.Feed, key string) bool {
		t.Helper()
		_, err := readSymbol(t, f, "", key, nil)
		if err != nil && !errors.Is(err, feed.ErrNotFound) {
			t.Fatal(err)
		}
		return err == nil
	}
	for _, tc := range []struct {
		name string
		then func(t *testing.T, e *env)
		// What is served afterwards.
		wantKey, wantOther, wantFile bool
	}{
		{"other symbols pushed by an administrator", func(t *testing.T, e *env) {
			if res, err := e.feed.PushSymbols(context.Background(), "", bytes.NewReader(other), true); err != nil || res.Status != feed.Replaced {
				t.Fatalf("second PushSymbols = %+v, %v; want Replaced", res, err)
			}
		}, false, true, true},
		{"other symbols pushed without the administer permission", func(t *testing.T, e *env) {
			if _, err := pushSymbols(e.feed, "", other); !errors.Is(err, feed.ErrExists) {
				t.Fatalf("second PushSymbols: %v, want ErrExists", err)
			}
			noStageLeft(t, e)
		}, true, false, true},
		{"the same symbols pushed again (NuGet.exe -SkipDuplicate)", func(t *testing.T, e *env) {
			again := nugettest.SymbolPackage(t, "Fixture.Symbols", "1.0.0", map[string][]byte{"lib/net45/Fixture.Symbols.pdb": zipEntry(t, snupkg, "lib/net45/Fixture.Symbols.pdb")})
			if res, err := pushSymbols(e.feed, "", again); err != nil || res.Status != feed.Ignored {
				t.Fatalf("second PushSymbols = %+v, %v; want Ignored", res, err)
			}
		}, true, false, true},
		{"nupkg replaced", func(t *testing.T, e *env) {
			mustPush(t, e.feed, nupkg, feed.PushRequest{Protocol: "nuget", Overwrite: feed.OverwriteExisting, CanReplace: true})
		}, false, false, false},
		{"nupkg re-push refused", func(t *testing.T, e *env) {
			if _, err := push(t, e.feed, nupkg, feed.PushRequest{Protocol: "nuget"}); !errors.Is(err, feed.ErrExists) {
				t.Fatalf("push: %v, want ErrExists", err)
			}
		}, true, false, true},
		{"version deleted", func(t *testing.T, e *env) {
			if _, err := e.feed.Delete(context.Background(), "", "nuget", "fixture.symbols", "1.0.0"); err != nil {
				t.Fatal(err)
			}
		}, false, false, false},
		{"version retained away", func(t *testing.T, e *env) {
			mustPush(t, e.feed, nugettest.Build(t, nugettest.Spec{ID: "Fixture.Symbols", Version: "2.0.0"}), feed.PushRequest{Protocol: "nuget"})
			rep, err := e.feed.Retention(context.Background(), feed.RetentionPolicy{Rule: feed.RetentionRule{KeepReleases: 1}}, false)
			if err != nil || rep.Deleted != 1 {
				t.Fatalf("Retention = %+v, %v; want 1.0.0 deleted", rep, err)
			}
		}, false, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, t.TempDir(), feed.Options{})
			mustPush(t, e.feed, nupkg, feed.PushRequest{Protocol: "nuget"})
			if _, err := pushSymbols(e.feed, "", snupkg); err != nil {
				t.Fatal(err)
			}
			tc.then(t, e)
			if got := served(t, e.feed, key); got != tc.wantKey {
				t.Errorf("first PDB served: %v, want %v", got, tc.wantKey)
			}
			if got := served(t, e.feed, otherKey); got != tc.wantOther {
				t.Errorf("second PDB served: %v, want %v", got, tc.wantOther)
			}
			if got := slices.Contains(keys(t, e.store), snupkgKey); got != tc.wantFile {
				t.Errorf("symbol package stored: %v, want %v (keys %v)", got, tc.wantFile, keys(t, e.store))
			}
		})
	}
}

// The store is the truth: a rebuilt catalogue finds the symbol packages
// again and serves their PDBs; one whose package is gone stays unserved.
func TestReindexCataloguesSymbols(t *testing.T) {
	dir := t.TempDir()
	snupkg, pdb, key := symbolsFixture(t)
	e := newEnv(t, dir, feed.Options{})
	mustPush(t, e.feed, fixtures.Good("Fixture.Symbols.1.0.0.nupkg"), feed.PushRequest{Protocol: "nuget"})
	if _, err := pushSymbols(e.feed, "", snupkg); err != nil {
		t.Fatal(err)
	}
	// A symbol package whose package is not in the store: dropped by hand.
	orphanPDB := nugettest.PortablePDB([20]byte{1, 2, 3})
	orphan := nugettest.SymbolPackage(t, "Orphan.Lib", "1.0.0", map[string][]byte{"lib/Orphan.Lib.pdb": orphanPDB})
	if _, err := e.store.Put(context.Background(), "spaces-1/symbols/orphan.lib/orphan.lib.1.0.0.snupkg", bytes.NewReader(orphan)); err != nil {
		t.Fatal(err)
	}
	e.close()
	if err := os.Remove(filepath.Join(dir, "catalog.db")); err != nil {
		t.Fatal(err)
	}

	e = newEnv(t, dir, feed.Options{})
	if _, err := readSymbol(t, e.feed, "", key, nil); !errors.Is(err, feed.ErrNotFound) {
		t.Fatalf("before the re-index: %v, want ErrNotFound", err)
	}
	stats, err := e.feed.Reindex(context.Background())
	if err != nil || stats.Failed != 0 {
		t.Fatalf("Reindex = %+v, %v", stats, err)
	}
	if got, err := readSymbol(t, e.feed, "", key, nil); err != nil || !bytes.Equal(got, pdb) {
		t.Errorf("after the re-index: %d bytes, %v; want the PDB", len(got), err)
	}
	if _, err := readSymbol(t, e.feed, "", nuget.SymbolKey("Orphan.Lib.pdb", [20]byte{1, 2, 3}), nil); !errors.Is(err, feed.ErrNotFound) {
		t.Errorf("the orphan's PDB: %v, want ErrNotFound", err)
	}
	if !slices.Contains(keys(t, e.store), "spaces-1/symbols/orphan.lib/orphan.lib.1.0.0.snupkg") {
		t.Error("the re-index removed a symbol package it could not place")
	}

	// The .nupkg removed by hand: the next re-index stops serving its symbols.
	if err := os.Remove(filepath.Join(dir, "packages", "spaces-1", "nuget", "fixture.symbols", "fixture.symbols.1.0.0.nupkg")); err != nil {
		t.Fatal(err)
	}
	if _, err := e.feed.Reindex(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := readSymbol(t, e.feed, "", key, nil); !errors.Is(err, feed.ErrNotFound) {
		t.Errorf("symbols of a package whose file is gone: %v, want ErrNotFound", err)
	}
}

// BenchmarkOpenSymbol measures one symbol server request for a PDB of a
// symbol package with 50 PDBs of 64 KiB: the catalogue look-up by key, the
// zip's central directory and the PDB inflated, without and with a
// SymbolChecksum to match.
func BenchmarkOpenSymbol(b *testing.B) {
	t := &testing.T{}
	e, err := openEnv(b.TempDir(), feed.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer e.close()
	ctx := context.Background()
	if _, err := e.feed.Push(ctx, feed.PushRequest{Body: bytes.NewReader(nugettest.Build(t, nugettest.Spec{ID: "Bench.Sym", Version: "1.0.0"}))}); err != nil {
		b.Fatal(err)
	}
	pdbs := map[string][]byte{}
	var id [20]byte
	for i := range 50 {
		id[0], id[1] = byte(i), 0xB0
		pdbs[fmt.Sprintf("lib/net%d/Bench.Sym%d.pdb", i, i)] = append(nugettest.PortablePDB(id), bytes.Repeat([]byte{byte(i)}, 64<<10)...)
	}
	if _, err := e.feed.PushSymbols(ctx, "", bytes.NewReader(nugettest.SymbolPackage(t, "Bench.Sym", "1.0.0", pdbs)), false); err != nil {
		b.Fatal(err)
	}
	id[0] = 25
	key := nuget.SymbolKey("Bench.Sym25.pdb", id)
	pdb := pdbs["lib/net25/Bench.Sym25.pdb"]
	p, err := nuget.ReadPortablePDB(bytes.NewReader(pdb), int64(len(pdb)))
	if err != nil {
		b.Fatal(err)
	}
	sum, _ := p.Checksum(bytes.NewReader(pdb), "SHA256")
	for _, bc := range []struct {
		name string
		sums []nuget.SymbolChecksum
	}{
		{"no header", nil},
		{"SHA256 header", []nuget.SymbolChecksum{{Algorithm: "SHA256", Checksum: sum}}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(len(pdb)))
			for b.Loop() {
				r, err := e.feed.OpenSymbol(ctx, "", key, bc.sums, bc.sums != nil)
				if err != nil {
					b.Fatal(err)
				}
				if n, err := io.Copy(io.Discard, r); err != nil || n != int64(len(pdb)) {
					b.Fatalf("read %d bytes, %v", n, err)
				}
				r.Close()
			}
		})
	}
}
