package generic_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/feedserver/feedserver/feed"
	"github.com/feedserver/feedserver/feed/generic"
	"github.com/feedserver/feedserver/feed/generic/generictest"
	"github.com/feedserver/feedserver/feed/internal/spool"
	"github.com/feedserver/feedserver/index"
	"github.com/feedserver/feedserver/index/sqlite"
	"github.com/feedserver/feedserver/storage/filesystem"
)

// env is a registry on a temporary data folder, laid out as the server lays it out.
type env struct {
	store   *filesystem.Store
	catalog index.Catalog
	reg     *generic.Registry
}

// newEnv opens the registry in dir; maxSize caps an upload (0: no limit).
func newEnv(t *testing.T, dir string, maxSize int64) *env {
	t.Helper()
	store, err := filesystem.New(filepath.Join(dir, "packages"))
	if err != nil {
		t.Fatal(err)
	}
	cat, err := sqlite.Open(context.Background(), filepath.Join(dir, "catalog.db"))
	if err != nil {
		t.Fatal(err)
	}
	e := &env{store: store, catalog: cat, reg: generic.New(store, cat, generic.Options{
		Spooler: spool.New(store, spool.Options{MaxSize: maxSize}),
	})}
	t.Cleanup(e.close)
	return e
}

func (e *env) close() {
	e.catalog.Close()
	e.store.Close()
}

// random returns incompressible bytes.
func random(t *testing.T, n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func TestValidation(t *testing.T) {
	// Gitea's unit tests (routers/api/packages/generic) plus the rules.
	tests := []struct {
		part  string
		value string
		ok    bool
	}{
		{"name", "a", true},
		{"name", "1", true},
		{"name", "a-", true},
		{"name", "a_b", true},
		{"name", "c.d+", true},
		{"name", ".hidden", true},
		{"name", strings.Repeat("n", generic.MaxNameLength), true},
		{"name", strings.Repeat("n", generic.MaxNameLength+1), false},
		{"name", "", false},
		{"name", ".", false},
		{"name", "..", false},
		{"name", "-", false},
		{"name", "a..b", false},
		{"name", "a?b", false},
		{"name", "a b", false},
		{"name", "a/b", false},
		{"name", `a\b`, false},
		{"name", " a", false},
		{"name", "caf\u00e9", false},
		{"file", "-", true},
		{"file", "a", true},
		{"file", "my+file.tar.gz", true},
		{"file", ".env", true},
		{"file", "", false},
		{"file", ".", false},
		{"file", "..", false},
		{"file", "a?b", false},
		{"file", "a/b", false},
		{"file", " a", false},
		{"file", "a ", false},
		{"file", "a b", false},
		{"version", "1.0.0", true},
		{"version", "1.0 beta", true},
		{"version", "v1.2.4-build", true},
		{"version", "d50d836eb3de6177ce6c7a5482f27f9c2c84b672", true},
		{"version", "2024-01-01 (nightly)", true},
		{"version", "\u00fcber", true},
		{"version", "", false},
		{"version", " 1.0", false},
		{"version", "1.0 ", false},
		{"version", "1.0\t", false},
		{"version", "..1.2.3", false},
		{"version", "..", false},
		{"version", ".", false}, // issue 17 row 9: a segment URLs resolve away
		{"version", ".1", true},
		{"version", "1.2.3-4/../../", false},
		{"version", `1\2`, false},
		{"version", "1\x00", false},
		{"version", "a\xffb", false},
		{"version", strings.Repeat(" x", 100), false}, // 600 bytes once escaped
	}
	for _, tt := range tests {
		t.Run(tt.part+" "+tt.value, func(t *testing.T) {
			var err error
			switch tt.part {
			case "name":
				err = generic.ValidateName(tt.value)
			case "file":
				err = generic.ValidateFileName(tt.value)
			case "version":
				err = generic.ValidateVersion(tt.value)
			}
			if tt.ok && err != nil {
				t.Fatalf("got %v, want valid", err)
			}
			if !tt.ok {
				var inv *generic.InvalidError
				if !errors.As(err, &inv) || !errors.Is(err, feed.ErrInvalid) {
					t.Fatalf("got %v, want an InvalidError", err)
				}
				if !strings.Contains(err.Error(), inv.Part) {
					t.Errorf("message %q does not name the part %q", err, inv.Part)
				}
			}
		})
	}
}

func TestPutOpenDelete(t *testing.T) {
	e := newEnv(t, t.TempDir(), 0)
	ctx := context.Background()
	body := random(t, 100_000)
	g := generictest.MustPut(t, e.reg, "acme", "MyTool", "1.0 beta", "Tool.tar.gz", body)
	if g.SHA256 != sha256Hex(body) || g.Size != int64(len(body)) || g.Created.IsZero() {
		t.Errorf("put returned %+v, want sha256 %s and size %d", g, sha256Hex(body), len(body))
	}

	// Names, versions and file names match ignoring case; the spelling of the push stays.
	got, info, err := generictest.Read(t, e.reg, "acme", "mytool", "1.0 BETA", "tool.TAR.gz")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, body) {
		t.Errorf("read back %d bytes, want the %d pushed", len(got), len(body))
	}
	if info.Name != "MyTool" || info.Version != "1.0 beta" || info.FileName != "Tool.tar.gz" || info.SHA256 != g.SHA256 {
		t.Errorf("info = %+v, want the pushed spelling", info)
	}

	// The layout doc.go describes.
	wantRef := "generic/owners/acme/mytool/1.0Z20beta/tool.tar.gz.ref.json"
	if refs := generictest.KeysUnder(t, e.store, "generic/owners/"); len(refs) != 1 || refs[0] != wantRef {
		t.Errorf("reference keys = %v, want [%s]", refs, wantRef)
	}
	wantBlob := "generic/blobs/sha256/" + g.SHA256[:2] + "/" + g.SHA256
	if blobs := generictest.KeysUnder(t, e.store, "generic/blobs/"); len(blobs) != 1 || blobs[0] != wantBlob {
		t.Errorf("blob keys = %v, want [%s]", blobs, wantBlob)
	}

	for _, again := range []string{"Tool.tar.gz", "TOOL.TAR.GZ"} {
		_, err = generictest.Put(t, e.reg, "acme", "mytool", "1.0 Beta", again, []byte("other"))
		var exists *generic.ExistsError
		if !errors.As(err, &exists) || !errors.Is(err, feed.ErrExists) {
			t.Errorf("second put of %s: %v, want ExistsError", again, err)
		}
	}

	if _, err := e.reg.DeleteFile(ctx, "acme", "MYTOOL", "1.0 beta", "tool.tar.gz"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := generictest.Read(t, e.reg, "acme", "mytool", "1.0 beta", "tool.tar.gz"); !errors.Is(err, feed.ErrNotFound) {
		t.Errorf("read after delete: %v, want ErrNotFound", err)
	}
	if vs, err := e.reg.Versions(ctx, "acme", "mytool"); err != nil || len(vs) != 0 {
		t.Errorf("versions after deleting the last file: %+v, %v; want none", vs, err)
	}
	if _, err := e.reg.DeleteFile(ctx, "acme", "mytool", "1.0 beta", "tool.tar.gz"); !errors.Is(err, feed.ErrNotFound) {
		t.Errorf("second delete: %v, want ErrNotFound", err)
	}
	// The file name is free again.
	generictest.MustPut(t, e.reg, "acme", "mytool", "1.0 beta", "tool.tar.gz", []byte("new"))
}

func TestIdenticalContentStoredOnce(t *testing.T) {
	e := newEnv(t, t.TempDir(), 0)
	ctx := context.Background()
	if _, err := e.reg.Reindex(ctx); err != nil { // a complete catalogue: blobs are collected
		t.Fatal(err)
	}
	body := random(t, 10_000)
	a := generictest.MustPut(t, e.reg, "acme", "tool", "1.0", "a.bin", body)
	b := generictest.MustPut(t, e.reg, "team-2", "other", "2.0", "b.bin", body)
	if a.SHA256 != b.SHA256 {
		t.Fatalf("same content, different sha256: %s %s", a.SHA256, b.SHA256)
	}
	if blobs := generictest.KeysUnder(t, e.store, "generic/blobs/"); len(blobs) != 1 {
		t.Errorf("blobs = %v, want one for two files with identical content", blobs)
	}
	for _, f := range []generic.File{a, b} {
		got, info, err := generictest.Read(t, e.reg, f.Owner, f.Name, f.Version, f.FileName)
		if err != nil || !bytes.Equal(got, body) || info.FileName != f.FileName {
			t.Errorf("read %s: %v, name %q", f.FileName, err, info.FileName)
		}
	}

	// The blob stays while one file uses it, and goes with the last.
	if _, err := e.reg.DeleteFile(ctx, "acme", "tool", "1.0", "a.bin"); err != nil {
		t.Fatal(err)
	}
	if blobs := generictest.KeysUnder(t, e.store, "generic/blobs/"); len(blobs) != 1 {
		t.Errorf("blobs after deleting one of two files = %v, want the shared one", blobs)
	}
	if _, _, err := generictest.Read(t, e.reg, "team-2", "other", "2.0", "b.bin"); err != nil {
		t.Errorf("the other file after deleting the first: %v", err)
	}
	if _, err := e.reg.DeleteVersion(ctx, "team-2", "other", "2.0"); err != nil {
		t.Fatal(err)
	}
	if left := generictest.KeysUnder(t, e.store, "generic/"); len(left) != 0 {
		t.Errorf("keys after deleting every file = %v, want none", left)
	}
}

func TestDeleteVersion(t *testing.T) {
	e := newEnv(t, t.TempDir(), 0)
	ctx := context.Background()
	for _, name := range []string{"a.txt", "b.txt", "c.txt"} {
		generictest.MustPut(t, e.reg, "acme", "tool", "1.0", name, []byte(name))
	}
	generictest.MustPut(t, e.reg, "acme", "tool", "2.0", "a.txt", []byte("v2"))
	files, err := e.reg.DeleteVersion(ctx, "acme", "TOOL", "1.0")
	if err != nil || len(files) != 3 {
		t.Fatalf("delete version: %d files, %v; want 3", len(files), err)
	}
	vs, err := e.reg.Versions(ctx, "acme", "tool")
	if err != nil || len(vs) != 1 || vs[0].Version != "2.0" {
		t.Errorf("versions after delete: %+v, %v; want only 2.0", vs, err)
	}
	if _, err := e.reg.DeleteVersion(ctx, "acme", "tool", "1.0"); !errors.Is(err, feed.ErrNotFound) {
		t.Errorf("deleting it again: %v, want ErrNotFound", err)
	}
}

func TestVersions(t *testing.T) {
	e := newEnv(t, t.TempDir(), 0)
	ctx := context.Background()
	generictest.MustPut(t, e.reg, "acme", "Tool", "1.0", "a.txt", []byte("a"))
	generictest.MustPut(t, e.reg, "acme", "tool", "1.0", "b.txt", []byte("bb"))
	generictest.MustPut(t, e.reg, "acme", "tool", "2.0 rc", "a.txt", []byte("ccc"))
	generictest.MustPut(t, e.reg, "other", "tool", "9.0", "a.txt", []byte("other owner"))
	vs, err := e.reg.Versions(ctx, "acme", "TOOL")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, v := range vs {
		for _, f := range v.Files {
			got = append(got, fmt.Sprintf("%s %s/%s %d %s", f.Name, v.Version, f.FileName, f.Size, f.SHA256[:8]))
		}
	}
	want := []string{
		"Tool 1.0/a.txt 1 " + sha256Hex([]byte("a"))[:8],
		"Tool 1.0/b.txt 2 " + sha256Hex([]byte("bb"))[:8],
		"Tool 2.0 rc/a.txt 3 " + sha256Hex([]byte("ccc"))[:8],
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("listing:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestSizeLimit(t *testing.T) {
	e := newEnv(t, t.TempDir(), 1000)
	if _, err := generictest.Put(t, e.reg, "acme", "tool", "1.0", "big.bin", random(t, 1001)); !errors.Is(err, feed.ErrTooLarge) {
		t.Errorf("put over the limit: %v, want ErrTooLarge", err)
	}
	generictest.MustPut(t, e.reg, "acme", "tool", "1.0", "fits.bin", random(t, 1000))
	generictest.MustPut(t, e.reg, "acme", "tool", "1.0", "empty.bin", nil)
	if left := generictest.KeysUnder(t, e.store, "generic/owners/"); len(left) != 2 {
		t.Errorf("references = %v, want the two files that fit", left)
	}
}

func TestRestartWithCatalogueDeleted(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	e := newEnv(t, dir, 0)
	type file struct{ owner, name, version, file, body string }
	files := []file{
		{"acme", "MyTool", "1.0.0", "tool-linux.tar.gz", "linux"},
		{"acme", "MyTool", "1.0.0", "tool-windows.zip", "windows"},
		{"acme", "MyTool", "2.0 beta (nightly)", "tool-linux.tar.gz", "linux"}, // same content as the first
		{"team.x", ".dotted", "\u00fcber-1", ".env", "dot"},
	}
	for _, f := range files {
		generictest.MustPut(t, e.reg, f.owner, f.name, f.version, f.file, []byte(f.body))
	}
	before := map[string][]generic.Version{}
	for _, f := range files {
		vs, err := e.reg.Versions(ctx, f.owner, f.name)
		if err != nil {
			t.Fatal(err)
		}
		before[f.owner+"/"+f.name] = vs
	}
	e.close()
	if err := os.Remove(filepath.Join(dir, "catalog.db")); err != nil {
		t.Fatal(err)
	}
	os.RemoveAll(filepath.Join(dir, "search"))

	e = newEnv(t, dir, 0)
	// The startup re-index (feed's Reindex runs this one after its own).
	if _, err := e.reg.Reindex(ctx); err != nil {
		t.Fatal(err)
	}
	for key, want := range before {
		owner, name, _ := strings.Cut(key, "/")
		got, err := e.reg.Versions(ctx, owner, name)
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s after the rebuild:\n got %+v\nwant %+v", key, got, want)
		}
	}
	for _, f := range files {
		body, info, err := generictest.Read(t, e.reg, f.owner, f.name, f.version, f.file)
		if err != nil || string(body) != f.body || info.Owner != f.owner || info.Name != f.name ||
			info.Version != f.version || info.FileName != f.file {
			t.Errorf("%+v after the rebuild: %+v %q %v", f, info, body, err)
		}
	}
	// A second run finds everything in place.
	st, err := e.reg.Reindex(ctx)
	if err != nil || st.Seen != 4 || st.Indexed != 4 || st.Removed != 0 || st.Failed != 0 || st.BlobsSwept != 0 {
		t.Errorf("second re-index: %+v, %v", st, err)
	}
}

func TestReindexFollowsTheDirectory(t *testing.T) {
	e := newEnv(t, t.TempDir(), 0)
	ctx := context.Background()
	a := generictest.MustPut(t, e.reg, "acme", "tool", "1.0", "a.bin", []byte("a"))
	generictest.MustPut(t, e.reg, "acme", "tool", "1.0", "b.bin", []byte("b"))

	// A reference removed by hand: its row goes, and so does its now unreferenced blob.
	if err := e.store.Delete(ctx, "generic/owners/acme/tool/1.0/a.bin.ref.json"); err != nil {
		t.Fatal(err)
	}
	// A blob left behind by a crash between storing it and writing its reference.
	orphan := []byte("orphan")
	orphanKey := "generic/blobs/sha256/" + sha256Hex(orphan)[:2] + "/" + sha256Hex(orphan)
	if _, err := e.store.Put(ctx, orphanKey, bytes.NewReader(orphan)); err != nil {
		t.Fatal(err)
	}
	// A reference that cannot be read blocks the sweep, never the rest.
	if _, err := e.store.Put(ctx, "generic/owners/acme/tool/1.0/junk.ref.json", strings.NewReader("{not json")); err != nil {
		t.Fatal(err)
	}
	st, err := e.reg.Reindex(ctx)
	if err != nil || st.Seen != 2 || st.Indexed != 1 || st.Removed != 1 || st.Failed != 1 || st.BlobsSwept != 0 {
		t.Errorf("re-index with a junk reference: %+v, %v", st, err)
	}
	if blobs := generictest.KeysUnder(t, e.store, "generic/blobs/"); len(blobs) != 3 {
		t.Errorf("blobs = %v, want all three kept while a reference is unreadable", blobs)
	}
	if err := e.store.Delete(ctx, "generic/owners/acme/tool/1.0/junk.ref.json"); err != nil {
		t.Fatal(err)
	}
	st, err = e.reg.Reindex(ctx)
	if err != nil || st.Seen != 1 || st.Failed != 0 || st.BlobsSwept != 2 {
		t.Errorf("re-index: %+v, %v; want the orphan and a's blob swept", st, err)
	}
	blobs := generictest.KeysUnder(t, e.store, "generic/blobs/")
	if len(blobs) != 1 || strings.Contains(blobs[0], a.SHA256) {
		t.Errorf("blobs = %v, want only b's", blobs)
	}
}

// TestConcurrentPutAndCollect races uploads of one content against
// deletes of another file with that content: the blob is collected when the
// last reference goes, and never under a file that was just stored.
func TestConcurrentPutAndCollect(t *testing.T) {
	e := newEnv(t, t.TempDir(), 0)
	ctx := context.Background()
	if _, err := e.reg.Reindex(ctx); err != nil {
		t.Fatal(err)
	}
	body := []byte("shared content")
	for round := range 20 {
		generictest.MustPut(t, e.reg, "acme", "tool", "1.0", "a.bin", body)
		var wg sync.WaitGroup
		wg.Add(2)
		go func() {
			defer wg.Done()
			if _, err := e.reg.DeleteFile(ctx, "acme", "tool", "1.0", "a.bin"); err != nil {
				t.Errorf("round %d: delete: %v", round, err)
			}
		}()
		go func() {
			defer wg.Done()
			if _, err := generictest.Put(t, e.reg, "acme", "tool", "2.0", "b.bin", body); err != nil {
				t.Errorf("round %d: put: %v", round, err)
			}
		}()
		wg.Wait()
		if got, _, err := generictest.Read(t, e.reg, "acme", "tool", "2.0", "b.bin"); err != nil || !bytes.Equal(got, body) {
			t.Fatalf("round %d: the file stored during a delete of the same content: %v", round, err)
		}
		if _, err := e.reg.DeleteFile(ctx, "acme", "tool", "2.0", "b.bin"); err != nil {
			t.Fatal(err)
		}
		if blobs := generictest.KeysUnder(t, e.store, "generic/blobs/"); len(blobs) != 0 {
			t.Fatalf("round %d: blobs = %v after the last file went", round, blobs)
		}
	}
}

func TestConcurrentPutsOfOneName(t *testing.T) {
	e := newEnv(t, t.TempDir(), 0)
	const n = 8
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = generictest.Put(t, e.reg, "acme", "tool", "1.0", []string{"file.bin", "FILE.BIN", "File.Bin"}[i%3], []byte{byte(i)})
		}()
	}
	wg.Wait()
	created := 0
	for _, err := range errs {
		switch {
		case err == nil:
			created++
		case !errors.Is(err, feed.ErrExists):
			t.Errorf("put: %v, want success or ErrExists", err)
		}
	}
	if created != 1 {
		t.Errorf("%d puts succeeded, want exactly one", created)
	}
}
