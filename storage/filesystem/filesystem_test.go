package filesystem_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/feedserver/feedserver/storage"
	"github.com/feedserver/feedserver/storage/filesystem"
	"github.com/feedserver/feedserver/storage/storagetest"
)

func newStore(tb testing.TB, dir string) *filesystem.Store {
	tb.Helper()
	s, err := filesystem.New(dir)
	if err != nil {
		tb.Fatalf("New: %v", err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

func TestConformance(t *testing.T) {
	// Stores live under one directory that outlives the subtests, so the
	// disk can be checked for leftovers after the suite.
	base := t.TempDir()
	storagetest.Run(t, func(t *testing.T) storage.Store {
		dir, err := os.MkdirTemp(base, "store-")
		if err != nil {
			t.Fatal(err)
		}
		return newStore(t, dir)
	})

	err := filepath.WalkDir(base, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if strings.HasPrefix(d.Name(), ".tmp-") {
			t.Errorf("temporary file left behind: %s", p)
		}
		if !d.IsDir() && filepath.Base(filepath.Dir(p)) == ".tmp" {
			t.Errorf("spool file left behind: %s", p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func BenchmarkStore(b *testing.B) {
	storagetest.Bench(b, func(b *testing.B) storage.Store { return newStore(b, b.TempDir()) })
}

func TestNew(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "not", "yet", "there")
	s := newStore(t, dir)
	if s.Root() != dir {
		t.Errorf("Root() = %q, want %q", s.Root(), dir)
	}
	if fi, err := os.Stat(filepath.Join(dir, ".tmp")); err != nil || !fi.IsDir() {
		t.Errorf("spool directory not created: %v", err)
	}
	// Opening an existing store again works.
	newStore(t, dir)

	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := filesystem.New(file); err == nil {
		t.Errorf("New(a regular file) = nil error, want an error")
	}
}

// tree returns every path under dir (slash-separated, relative), dirs with a
// trailing slash.
func tree(t *testing.T, dir string) []string {
	t.Helper()
	var got []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if rel == "." {
			return nil
		}
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			rel += "/"
		}
		got = append(got, rel)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func TestDeletePrunesEmptyParents(t *testing.T) {
	ctx := t.Context()
	s := newStore(t, t.TempDir())
	for _, k := range []string{"a/b/c/d", "a/x", "e/f"} {
		if _, err := s.Put(ctx, k, strings.NewReader(k)); err != nil {
			t.Fatal(err)
		}
	}
	steps := []struct {
		del  string
		want []string
	}{
		{"a/b/c/d", []string{".tmp/", "a/", "a/x", "e/", "e/f"}},
		{"a/x", []string{".tmp/", "e/", "e/f"}},
		{"e/f", []string{".tmp/"}},
	}
	for _, st := range steps {
		if err := s.Delete(ctx, st.del); err != nil {
			t.Fatalf("Delete(%q): %v", st.del, err)
		}
		if got := tree(t, s.Root()); !slices.Equal(got, st.want) {
			t.Errorf("after Delete(%q) the disk holds %q, want %q", st.del, got, st.want)
		}
	}
}

func TestPutWritesPlainFiles(t *testing.T) {
	s := newStore(t, t.TempDir())
	if _, err := s.Put(t.Context(), "feeds/default/demo/1.0.0/demo.1.0.0.nupkg", strings.NewReader("zip")); err != nil {
		t.Fatal(err)
	}
	// The package directory is the truth: a key is a plain path on disk.
	got, err := os.ReadFile(filepath.Join(s.Root(), "feeds", "default", "demo", "1.0.0", "demo.1.0.0.nupkg"))
	if err != nil || string(got) != "zip" {
		t.Errorf("file on disk = %q, %v; want %q", got, err, "zip")
	}
}

// plant writes a file under dir with the given age.
func plant(t *testing.T, dir, rel string, age time.Duration) {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(rel), 0o644); err != nil {
		t.Fatal(err)
	}
	when := time.Now().Add(-age)
	if err := os.Chtimes(p, when, when); err != nil {
		t.Fatal(err)
	}
}

func TestSweepTemp(t *testing.T) {
	ctx := t.Context()
	s := newStore(t, t.TempDir())
	if _, err := s.Put(ctx, "a/b/key", strings.NewReader("kept")); err != nil {
		t.Fatal(err)
	}
	const old, fresh = 2 * time.Hour, 0
	// Every unfinished write lives in the spool, so only the spool is swept.
	plant(t, s.Root(), ".tmp/.tmp-put-old", old)
	plant(t, s.Root(), ".tmp/.push-old", old)
	plant(t, s.Root(), ".tmp/.push-fresh", fresh)
	plant(t, s.Root(), "a/.keep", old)          // hidden, but not ours
	plant(t, s.Root(), "a/b/.tmp-stray", old)   // outside the spool: not a leftover of ours
	plant(t, s.Root(), "a/tmp-not-hidden", old) // a plain file
	plant(t, s.Root(), ".git/.tmp-x", old)      // dot-directories are not ours

	n, err := s.SweepTemp(ctx, time.Hour)
	if err != nil {
		t.Fatalf("SweepTemp: %v", err)
	}
	if n != 2 {
		t.Errorf("SweepTemp(1h) removed %d files, want 2", n)
	}
	want := []string{
		".git/", ".git/.tmp-x",
		".tmp/", ".tmp/.push-fresh",
		"a/", "a/.keep", "a/b/", "a/b/.tmp-stray", "a/b/key", "a/tmp-not-hidden",
	}
	if got := tree(t, s.Root()); !slices.Equal(got, want) {
		t.Errorf("after SweepTemp(1h) the disk holds\n %q\nwant\n %q", got, want)
	}

	n, err = s.SweepTemp(ctx, 0)
	if err != nil {
		t.Fatalf("SweepTemp: %v", err)
	}
	if n != 1 {
		t.Errorf("SweepTemp(0) removed %d files, want 1", n)
	}
	if got := read(t, s, "a/b/key"); got != "kept" {
		t.Errorf("a/b/key after sweeps = %q, want %q", got, "kept")
	}
}

func read(t *testing.T, s storage.Store, key string) string {
	t.Helper()
	b, err := s.Open(t.Context(), key)
	if err != nil {
		t.Fatalf("Open(%q): %v", key, err)
	}
	defer b.Close()
	data, err := io.ReadAll(b)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// spooled lists the files in s's spool directory.
func spooled(t *testing.T, s *filesystem.Store) []string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(s.Root(), ".tmp"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// stageOf writes size bytes to a new stage of s and finishes it.
func stageOf(t *testing.T, s *filesystem.Store, size int) storage.Staged {
	t.Helper()
	st, err := s.Stage(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Abort() })
	if _, err := st.Write(bytes.Repeat([]byte("s"), size)); err != nil {
		t.Fatal(err)
	}
	if err := st.Finish(); err != nil {
		t.Fatal(err)
	}
	return st
}

// TestStageFiles: where a stage's bytes are on disk. One of up to 256 KiB
// makes no file until it is committed, so a duplicate push, read back and
// aborted, never touches the disk; a larger one is one file in the spool
// until Commit renames it, with the stored files' mode.
func TestStageFiles(t *testing.T) {
	ctx := t.Context()
	s := newStore(t, t.TempDir())

	small := stageOf(t, s, 256<<10)
	if got := spooled(t, s); len(got) != 0 {
		t.Errorf("a stage of 256 KiB made spool files %q", got)
	}
	small.Abort()
	if got := tree(t, s.Root()); !slices.Equal(got, []string{".tmp/"}) {
		t.Errorf("after an aborted small stage the disk holds %q, want only .tmp/", got)
	}

	for _, size := range []int{256<<10 + 1, 3 << 20} {
		st := stageOf(t, s, size)
		if got := spooled(t, s); len(got) != 1 {
			t.Fatalf("a stage of %d bytes made spool files %q, want one", size, got)
		}
		key := fmt.Sprintf("pkgs/demo/%d.nupkg", size)
		if _, err := st.Commit(ctx, key, storage.CommitOptions{}); err != nil {
			t.Fatal(err)
		}
		if got := spooled(t, s); len(got) != 0 {
			t.Errorf("after Commit the spool holds %q", got)
		}
		fi, err := os.Stat(filepath.Join(s.Root(), "pkgs", "demo", fmt.Sprintf("%d.nupkg", size)))
		if err != nil || fi.Size() != int64(size) || fi.Mode().Perm() != 0o644 {
			t.Errorf("committed file = %v, %v; want %d bytes with mode 0644", fi, err, size)
		}
	}

	st := stageOf(t, s, 1<<20)
	st.Abort()
	if got := spooled(t, s); len(got) != 0 {
		t.Errorf("after Abort the spool holds %q", got)
	}
}

// TestStageCommitPaths: a create-only commit that needs several new folders
// takes the portable path (link, then remove the spool name), and a commit
// that fails after making folders removes them again.
func TestStageCommitPaths(t *testing.T) {
	ctx := t.Context()
	s := newStore(t, t.TempDir())
	createOnly := storage.CommitOptions{CreateOnly: true}

	for _, size := range []int{10, 1 << 20} {
		key := fmt.Sprintf("p%d/q/r/key", size)
		if _, err := stageOf(t, s, size).Commit(ctx, key, createOnly); err != nil {
			t.Fatalf("create-only Commit into new folders: %v", err)
		}
		if _, err := stageOf(t, s, size).Commit(ctx, key, createOnly); !errors.Is(err, storage.ErrExists) {
			t.Errorf("second create-only Commit = %v, want ErrExists", err)
		}
		if got := spooled(t, s); len(got) != 0 {
			t.Errorf("after create-only commits the spool holds %q", got)
		}
		for _, d := range []string{fmt.Sprintf("p%d", size), fmt.Sprintf("p%d/q", size), fmt.Sprintf("p%d/q/r", size)} {
			if !filesystem.KnownDurable(s, d) {
				t.Errorf("after a create-only Commit: %q not known durable", d)
			}
		}
	}

	// A stage whose file was swept fails to rename after its folders were made.
	st := stageOf(t, s, 1<<20)
	if n, err := s.SweepTemp(ctx, 0); n != 1 || err != nil {
		t.Fatalf("SweepTemp = %d, %v; want 1", n, err)
	}
	if _, err := st.Commit(ctx, "new/deep/key", storage.CommitOptions{}); err == nil {
		t.Fatal("Commit of a swept stage = nil error, want one")
	}
	for _, p := range tree(t, s.Root()) {
		if strings.HasPrefix(p, "new/") {
			t.Errorf("a failed Commit left %q", p)
		}
	}
}

func TestListSkipsForeignEntries(t *testing.T) {
	s := newStore(t, t.TempDir())
	root := s.Root()
	plant(t, root, "a/good", 0)
	plant(t, root, "a/.hidden", 0)
	plant(t, root, ".dotdir/x", 0)
	plant(t, root, "a/bad name", 0)
	plant(t, root, "a/caf\u00e9", 0)
	plant(t, root, "b/real", 0)
	if err := os.Symlink("good", filepath.Join(root, "a", "link")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(root, "b"), filepath.Join(root, "linkdir")); err != nil {
		t.Fatal(err)
	}
	var got []string
	for in, err := range s.List(t.Context(), "") {
		if err != nil {
			t.Fatalf("List: %v", err)
		}
		got = append(got, in.Key)
	}
	if want := []string{"a/good", "b/real"}; !slices.Equal(got, want) {
		t.Errorf("List = %q, want %q", got, want)
	}
}

func TestListUnreadableDirectory(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root reads every directory")
	}
	s := newStore(t, t.TempDir())
	root := s.Root()
	plant(t, root, "a/x", 0)
	plant(t, root, "b/locked/y", 0)
	plant(t, root, "c/z", 0)
	locked := filepath.Join(root, "b", "locked")
	if err := os.Chmod(locked, 0); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(locked, 0o755) })

	var keys, errKeys []string
	for in, err := range s.List(t.Context(), "") {
		if err != nil {
			errKeys = append(errKeys, in.Key)
			continue
		}
		keys = append(keys, in.Key)
	}
	if want := []string{"a/x", "c/z"}; !slices.Equal(keys, want) {
		t.Errorf("List keys = %q, want %q", keys, want)
	}
	if want := []string{"b/locked"}; !slices.Equal(errKeys, want) {
		t.Errorf("List error items = %q, want %q", errKeys, want)
	}
}

func TestSymlinksCannotEscape(t *testing.T) {
	ctx := t.Context()
	outside := t.TempDir()
	secret := filepath.Join(outside, "secret")
	if err := os.WriteFile(secret, []byte("secret"), 0o644); err != nil {
		t.Fatal(err)
	}
	s := newStore(t, t.TempDir())
	if err := os.Symlink(outside, filepath.Join(s.Root(), "out")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(secret, filepath.Join(s.Root(), "secret")); err != nil {
		t.Fatal(err)
	}

	for _, key := range []string{"out/planted", "out/new/planted"} {
		if _, err := s.Put(ctx, key, strings.NewReader("x")); err == nil {
			t.Errorf("Put(%q) through a symlink to outside = nil error, want an error", key)
		}
		if _, err := s.Put(ctx, key, bytes.NewBufferString("x")); err == nil {
			t.Errorf("Put(%q) of bytes in memory through a symlink to outside = nil error, want an error", key)
		}
	}
	if b, err := s.Open(ctx, "secret"); err == nil {
		b.Close()
		t.Errorf("Open of a symlink to outside = nil error, want an error")
	}
	if b, err := s.Open(ctx, "out/secret"); err == nil {
		b.Close()
		t.Errorf("Open through a symlinked directory = nil error, want an error")
	}
	if got := tree(t, outside); !slices.Equal(got, []string{"secret"}) {
		t.Errorf("outside directory holds %q, want only [secret]", got)
	}
}

// TestPutFromMemory: bytes already in memory (a small push) are written
// without a copy buffer, and on Linux committed through openat2, which must
// keep Put's contract: new folders, replacing, conflicts, nothing left in
// the spool directory.
func TestPutFromMemory(t *testing.T) {
	ctx := t.Context()
	s := newStore(t, t.TempDir())
	tests := []struct {
		name, key, body string
		wantErr         error
	}{
		{"new folders", "a/b/c/file", "one", nil},
		{"beside a file", "a/b/c/other", "two", nil},
		{"a new folder under an existing one", "a/b/d/file", "three", nil},
		{"replace", "a/b/c/file", "replaced", nil},
		{"a key that is a folder of keys", "a/b/c", "x", storage.ErrConflict},
		{"below a blob", "a/b/c/file/under", "x", storage.ErrConflict},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			info, err := s.Put(ctx, tc.key, bytes.NewBufferString(tc.body))
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("Put(%q) = %v, want %v", tc.key, err, tc.wantErr)
			}
			if tc.wantErr != nil {
				return
			}
			if info.Size != int64(len(tc.body)) || info.Key != tc.key {
				t.Errorf("info = %+v, want key %q size %d", info, tc.key, len(tc.body))
			}
			if got := read(t, s, tc.key); got != tc.body {
				t.Errorf("read %q = %q, want %q", tc.key, got, tc.body)
			}
		})
	}
	want := []string{".tmp/", "a/", "a/b/", "a/b/c/", "a/b/c/file", "a/b/c/other", "a/b/d/", "a/b/d/file"}
	if got := tree(t, s.Root()); !slices.Equal(got, want) {
		t.Errorf("disk holds %q, want %q", got, want)
	}
}

// TestConcurrentPutDelete puts and deletes keys sharing directories, so
// Delete's pruning of empty directories races Put's creating them.
func TestConcurrentPutDelete(t *testing.T) {
	ctx := t.Context()
	s := newStore(t, t.TempDir())
	var wg sync.WaitGroup
	for w := range 6 {
		wg.Go(func() {
			for i := range 200 {
				key := fmt.Sprintf("shared/dir%d/w%d-%d", i%3, w, i%5)
				if _, err := s.Put(ctx, key, strings.NewReader(key)); err != nil {
					t.Errorf("Put(%q): %v", key, err)
					return
				}
				if err := s.Delete(ctx, key); err != nil {
					t.Errorf("Delete(%q): %v", key, err)
					return
				}
			}
		})
	}
	wg.Wait()
	if got := tree(t, s.Root()); !slices.Equal(got, []string{".tmp/"}) {
		t.Errorf("disk after Put/Delete pairs holds %q, want only .tmp/", got)
	}
}

// FuzzPut puts fuzzed keys into a store and checks that nothing is ever
// written outside its root, and that a key is stored iff ValidKey accepts it.
func FuzzPut(f *testing.F) {
	for _, k := range storagetest.InvalidKeys {
		f.Add(k)
	}
	for _, k := range []string{"a", "a/b/c", "packages/demo/1.0.0/demo.1.0.0.nupkg", "out/x", "x/../../y"} {
		f.Add(k)
	}
	base := f.TempDir()
	outside := filepath.Join(base, "outside")
	if err := os.MkdirAll(outside, 0o755); err != nil {
		f.Fatal(err)
	}
	s := newStore(f, filepath.Join(base, "root"))
	// A symlink inside the root that points out of it: the os.Root must
	// refuse to follow it even for a valid key.
	if err := os.Symlink(outside, filepath.Join(s.Root(), "out")); err != nil {
		f.Fatal(err)
	}

	f.Fuzz(func(t *testing.T, key string) {
		ctx := t.Context()
		_, err := s.Put(ctx, key, strings.NewReader("fuzz"))
		valid := storage.ValidKey(key) == nil
		switch {
		case !valid && !errors.Is(err, storage.ErrInvalidKey):
			t.Fatalf("Put(%q) = %v, want ErrInvalidKey", key, err)
		case valid && err == nil:
			if got := read(t, s, key); got != "fuzz" {
				t.Fatalf("Open(%q) = %q, want %q", key, got, "fuzz")
			}
			if err := s.Delete(ctx, key); err != nil {
				t.Fatalf("Delete(%q): %v", key, err)
			}
		}
		if got := tree(t, outside); len(got) != 0 {
			t.Fatalf("Put(%q) wrote outside the root: %q", key, got)
		}
		entries, err := os.ReadDir(base)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			if e.Name() != "root" && e.Name() != "outside" {
				t.Fatalf("Put(%q) created %q beside the root", key, e.Name())
			}
		}
	})
}

// TestFoldersOfAPutMadeDurable: whatever folders a Put finds or makes, it
// answers only after the parent of each (up to the root) was fsynced in this
// process, as the store remembers. One new folder under existing ones takes
// Linux's one-call path; several take the portable one.
func TestFoldersOfAPutMadeDurable(t *testing.T) {
	tests := []struct {
		name     string
		existing string // made before the store opens
		key      string
	}{
		{"the folders exist", "space/kind/id", "space/kind/id/v1"},
		{"the last folder is new", "space/kind", "space/kind/id/v1"},
		{"several folders are new", "", "space/kind/id/v1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if tc.existing != "" {
				if err := os.MkdirAll(filepath.Join(dir, filepath.FromSlash(tc.existing)), 0o755); err != nil {
					t.Fatal(err)
				}
			}
			s := newStore(t, dir)
			if _, err := s.Put(t.Context(), tc.key, bytes.NewBufferString("x")); err != nil {
				t.Fatalf("Put(%q): %v", tc.key, err)
			}
			for _, d := range []string{"space", "space/kind", "space/kind/id"} {
				if !filesystem.KnownDurable(s, d) {
					t.Errorf("after Put: %q not known durable", d)
				}
			}
		})
	}
}

// TestNewFoldersMadeDurable: a Put that has to make several folders (the
// portable path) fsyncs the parent of each and remembers it, and a Delete
// that prunes a folder forgets it, so a folder made again is fsynced again.
func TestNewFoldersMadeDurable(t *testing.T) {
	ctx := t.Context()
	s := newStore(t, t.TempDir())
	folders := []string{"space", "space/kind", "space/kind/id"}
	for _, key := range []string{"space/kind/id/v1", "space/kind/id/v2"} {
		if _, err := s.Put(ctx, key, bytes.NewBufferString(key)); err != nil {
			t.Fatalf("Put(%q): %v", key, err)
		}
	}
	for _, d := range folders {
		if !filesystem.KnownDurable(s, d) {
			t.Errorf("after Put: %q not known durable", d)
		}
	}
	for _, key := range []string{"space/kind/id/v1", "space/kind/id/v2"} {
		if err := s.Delete(ctx, key); err != nil {
			t.Fatalf("Delete(%q): %v", key, err)
		}
	}
	for _, d := range folders {
		if filesystem.KnownDurable(s, d) {
			t.Errorf("after the Deletes pruned it: %q still known durable", d)
		}
	}
	if _, err := s.Put(ctx, "space/kind/id/v3", bytes.NewBufferString("again")); err != nil {
		t.Fatal(err)
	}
	for _, d := range folders {
		if !filesystem.KnownDurable(s, d) {
			t.Errorf("made again: %q not known durable", d)
		}
	}
}
