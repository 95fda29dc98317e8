package storagetest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/feedserver/feedserver/storage"
)

// Run runs the conformance suite. newStore is called once per subtest and
// must return an empty store; it registers its own cleanup with t.
func Run(t *testing.T, newStore func(t *testing.T) storage.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s storage.Store)
	}{
		{"PutGet", testPutGet},
		{"Overwrite", testOverwrite},
		{"AtomicVisibility", testAtomicVisibility},
		{"NotFound", testNotFound},
		{"ListOrder", testListOrder},
		{"ListPrefixIsolation", testListPrefixIsolation},
		{"ListStopsEarly", testListStopsEarly},
		{"InvalidKeys", testInvalidKeys},
		{"KeyConflict", testKeyConflict},
		{"ZeroBytes", testZeroBytes},
		{"Large", testLarge},
		{"ConcurrentWritersOneKey", testConcurrentWritersOneKey},
		{"PutErrorLeavesNothing", testPutErrorLeavesNothing},
		{"CanceledPut", testCanceledPut},
		{"NothingLeftBehind", testNothingLeftBehind},
		{"StageCommit", testStageCommit},
		{"StageWrites", testStageWrites},
		{"StageReadAtConcurrent", testStageReadAtConcurrent},
		{"StageInvisible", testStageInvisible},
		{"StageAbort", testStageAbort},
		{"StageFailedCommit", testStageFailedCommit},
		{"StageCreateOnly", testStageCreateOnly},
		{"StageConcurrentCommits", testStageConcurrentCommits},
		{"StageSweep", testStageSweep},
		{"StageLarge", testStageLarge},
		{"StageCanceled", testStageCanceled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.fn(t, newStore(t))
		})
	}
}

func testPutGet(t *testing.T, s storage.Store) {
	ctx := t.Context()
	const key = "packages/demo/1.0.0/demo.1.0.0.nupkg"
	content := []byte("0123456789abcdefghij")

	info, err := s.Put(ctx, key, bytes.NewReader(content))
	if err != nil {
		t.Fatalf("Put: %v", err)
	}
	if info.Key != key || info.Size != int64(len(content)) {
		t.Errorf("Put info = %+v, want key %q size %d", info, key, len(content))
	}

	st, err := s.Stat(ctx, key)
	if err != nil {
		t.Fatalf("Stat: %v", err)
	}
	if st.Key != key || st.Size != int64(len(content)) || st.ModTime.IsZero() {
		t.Errorf("Stat = %+v, want key %q size %d and a mod time", st, key, len(content))
	}

	b, err := s.Open(ctx, key)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer b.Close()
	if got := b.Info(); got.Key != key || got.Size != int64(len(content)) {
		t.Errorf("Blob.Info = %+v, want key %q size %d", got, key, len(content))
	}
	got, err := io.ReadAll(b)
	if err != nil {
		t.Fatalf("ReadAll: %v", err)
	}
	if !bytes.Equal(got, content) {
		t.Errorf("content = %q, want %q", got, content)
	}

	// Ranges: HTTP serves them through Seek.
	if pos, err := b.Seek(10, io.SeekStart); err != nil || pos != 10 {
		t.Fatalf("Seek(10, start) = %d, %v; want 10", pos, err)
	}
	part := make([]byte, 5)
	if _, err := io.ReadFull(b, part); err != nil {
		t.Fatalf("read after seek: %v", err)
	}
	if string(part) != "abcde" {
		t.Errorf("read after seek = %q, want %q", part, "abcde")
	}
	if pos, err := b.Seek(-3, io.SeekEnd); err != nil || pos != int64(len(content)-3) {
		t.Fatalf("Seek(-3, end) = %d, %v; want %d", pos, err, len(content)-3)
	}
	if rest, _ := io.ReadAll(b); string(rest) != "hij" {
		t.Errorf("read after seek from end = %q, want %q", rest, "hij")
	}
	if err := b.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
}

func testOverwrite(t *testing.T, s storage.Store) {
	ctx := t.Context()
	put(t, s, "a/key", "the first, longer version")
	info, err := s.Put(ctx, "a/key", strings.NewReader("second"))
	if err != nil {
		t.Fatalf("Put over existing key: %v", err)
	}
	if info.Size != 6 {
		t.Errorf("Put info size = %d, want 6", info.Size)
	}
	if got := read(t, s, "a/key"); got != "second" {
		t.Errorf("content = %q, want %q", got, "second")
	}
	if got := keys(t, s, ""); !slices.Equal(got, []string{"a/key"}) {
		t.Errorf("List = %q, want [a/key]", got)
	}
}

// gatedReader returns first, then blocks until release is closed, then
// returns rest. reached is closed when the store has consumed first and asks
// for more, i.e. while the Put is half done.
func gatedReader(first, rest string) (r io.Reader, reached <-chan struct{}, release func()) {
	reachedCh := make(chan struct{})
	releaseCh := make(chan struct{})
	var once sync.Once
	gate := readerFunc(func([]byte) (int, error) {
		close(reachedCh)
		<-releaseCh
		return 0, io.EOF
	})
	r = io.MultiReader(strings.NewReader(first), gate, strings.NewReader(rest))
	return r, reachedCh, func() { once.Do(func() { close(releaseCh) }) }
}

type readerFunc func([]byte) (int, error)

func (f readerFunc) Read(p []byte) (int, error) { return f(p) }

func testAtomicVisibility(t *testing.T, s storage.Store) {
	ctx := t.Context()
	const oldContent = "old complete version"
	put(t, s, "pkg/existing", oldContent)

	cases := []struct {
		key  string
		want string // "" means the key must not be visible yet
	}{
		{"pkg/existing", oldContent},
		{"pkg/fresh", ""},
		{"pkg/new-dir/fresh", ""},
	}
	for _, c := range cases {
		t.Run(c.key, func(t *testing.T) {
			first := strings.Repeat("N", 4096)
			rest := strings.Repeat("n", 4096)
			before := keys(t, s, "")
			r, reached, release := gatedReader(first, rest)
			defer release()
			done := make(chan error, 1)
			go func() {
				_, err := s.Put(ctx, c.key, r)
				done <- err
			}()
			select {
			case <-reached:
			case err := <-done:
				t.Fatalf("Put returned before reading everything: %v", err)
			}

			// The Put is half done: readers must see the old blob or nothing.
			if c.want == "" {
				if _, err := s.Open(ctx, c.key); !errors.Is(err, storage.ErrNotFound) {
					t.Errorf("Open during Put = %v, want ErrNotFound", err)
				}
				if _, err := s.Stat(ctx, c.key); !errors.Is(err, storage.ErrNotFound) {
					t.Errorf("Stat during Put = %v, want ErrNotFound", err)
				}
			} else {
				if got := read(t, s, c.key); got != c.want {
					t.Errorf("Open during Put read %d bytes %.20q..., want the old %q", len(got), got, c.want)
				}
			}
			for _, in := range list(t, s, "") {
				if in.Key == c.key && in.Size != int64(len(c.want)) {
					t.Errorf("List during Put has %q size %d, want the old size %d", in.Key, in.Size, len(c.want))
				}
				if !slices.Contains(before, in.Key) {
					t.Errorf("List during Put shows %q, want only complete keys", in.Key)
				}
			}
			if c.want == "" && slices.Contains(keys(t, s, ""), c.key) {
				t.Errorf("List during Put shows %q before it is complete", c.key)
			}

			release()
			if err := <-done; err != nil {
				t.Fatalf("Put: %v", err)
			}
			if got := read(t, s, c.key); got != first+rest {
				t.Errorf("after Put read %d bytes, want the %d new bytes", len(got), len(first+rest))
			}
		})
	}
}

func testNotFound(t *testing.T, s storage.Store) {
	ctx := t.Context()
	put(t, s, "a/b/c", "blob")
	put(t, s, "file", "blob")

	for _, key := range []string{"missing", "a/b", "a", "a/b/c/d", "a/b/cd", "file/below"} {
		t.Run(key, func(t *testing.T) {
			if b, err := s.Open(ctx, key); !errors.Is(err, storage.ErrNotFound) {
				if err == nil {
					b.Close()
				}
				t.Errorf("Open(%q) = %v, want ErrNotFound", key, err)
			}
			if _, err := s.Stat(ctx, key); !errors.Is(err, storage.ErrNotFound) {
				t.Errorf("Stat(%q) = %v, want ErrNotFound", key, err)
			}
			if err := s.Delete(ctx, key); err != nil {
				t.Errorf("Delete(%q) = %v, want nil", key, err)
			}
		})
	}
	// Deleting a parent path is a no-op, not a recursive delete.
	if got := read(t, s, "a/b/c"); got != "blob" {
		t.Errorf("a/b/c after deleting its parents = %q, want %q", got, "blob")
	}

	if err := s.Delete(ctx, "a/b/c"); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if _, err := s.Open(ctx, "a/b/c"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("Open after Delete = %v, want ErrNotFound", err)
	}
	if err := s.Delete(ctx, "a/b/c"); err != nil {
		t.Errorf("second Delete = %v, want nil", err)
	}
}

func testListOrder(t *testing.T, s storage.Store) {
	// '-' < '.' < '/' < '0' < 'A' < '_' < 'a' in bytes, so a directory walk
	// that sorts entry names naively ("a" before "a-b") gets these wrong.
	// "a/b" and "a/b/c" cannot coexist (see KeyConflict), hence two rounds.
	rounds := [][]string{
		{"a/b", "a.b", "a-b", "a0", "a/b.c", "a/b-c", "a/b0", "a/bc/d", "A", "Z/z", "_", "b", "a+b", "a/a/a/a"},
		{"a/b/c", "a.b", "a-b", "a/b.c", "a/b-c", "a/b/c.d", "a/b/c-d", "a/b/c0", "a/bc", "a/b0/x", "0"},
	}
	for i, want := range rounds {
		t.Run(fmt.Sprint("round", i+1), func(t *testing.T) {
			for _, k := range want {
				put(t, s, k, "content of "+k)
			}
			want = slices.Clone(want)
			slices.Sort(want)

			var got []string
			for _, in := range list(t, s, "") {
				got = append(got, in.Key)
				if wantSize := int64(len("content of " + in.Key)); in.Size != wantSize {
					t.Errorf("List size of %q = %d, want %d", in.Key, in.Size, wantSize)
				}
			}
			if !slices.Equal(got, want) {
				t.Errorf("List order:\n got %q\nwant %q", got, want)
			}
			for _, k := range want {
				if err := s.Delete(t.Context(), k); err != nil {
					t.Fatalf("Delete(%q): %v", k, err)
				}
			}
		})
	}
}

func testListPrefixIsolation(t *testing.T, s storage.Store) {
	for _, k := range []string{"a/b/x", "a/b/y/z", "a/bc", "a/b.c", "a/b-c", "a/b0/x", "b"} {
		put(t, s, k, k)
	}
	tests := []struct {
		prefix string
		want   []string
	}{
		{"", []string{"a/b-c", "a/b.c", "a/b/x", "a/b/y/z", "a/b0/x", "a/bc", "b"}},
		{"a", []string{"a/b-c", "a/b.c", "a/b/x", "a/b/y/z", "a/b0/x", "a/bc"}},
		{"a/b", []string{"a/b/x", "a/b/y/z"}},
		{"a/b/", []string{"a/b/x", "a/b/y/z"}},
		{"a/b/x", []string{"a/b/x"}},
		{"a/b/x/", nil},
		{"a/b/x/y", nil},
		{"a/bc", []string{"a/bc"}},
		{"a/b0", []string{"a/b0/x"}},
		{"a/b0/x", []string{"a/b0/x"}},
		{"nothing", nil},
		{"nothing/here/", nil},
	}
	for _, tt := range tests {
		t.Run(tt.prefix, func(t *testing.T) {
			if got := keys(t, s, tt.prefix); !slices.Equal(got, tt.want) {
				t.Errorf("List(%q) = %q, want %q", tt.prefix, got, tt.want)
			}
		})
	}
}

func testListStopsEarly(t *testing.T, s storage.Store) {
	for _, k := range []string{"a/1", "a/2", "b/1", "c"} {
		put(t, s, k, k)
	}
	var got []string
	for in, err := range s.List(t.Context(), "") {
		if err != nil {
			t.Fatalf("List: %v", err)
		}
		got = append(got, in.Key)
		if len(got) == 2 {
			break
		}
	}
	if !slices.Equal(got, []string{"a/1", "a/2"}) {
		t.Errorf("first two keys = %q, want [a/1 a/2]", got)
	}
}

// InvalidKeys are keys every driver must refuse; exported so driver fuzzers
// can seed from them.
var InvalidKeys = []string{
	"",
	"../x",
	"..",
	".",
	"a/../b",
	"a/./b",
	"a/..",
	"/abs",
	"a/",
	"a//b",
	`a\b`,
	`..\x`,
	".hidden",
	".tmp",
	".tmp-x",
	"a/.tmp-x",
	"a/.git/config",
	"a\x00b",
	"caf\u00e9",
	"\u2024\u2024/x", // one-dot leaders look like ".."
	"a b",
	"a:b",
	"a\nb",
	strings.Repeat("a/", 512) + "b", // 1025 bytes
	strings.Repeat("s", 256),
}

func testInvalidKeys(t *testing.T, s storage.Store) {
	ctx := t.Context()
	for _, key := range InvalidKeys {
		t.Run(fmt.Sprintf("%.40q", key), func(t *testing.T) {
			if _, err := s.Put(ctx, key, strings.NewReader("x")); !errors.Is(err, storage.ErrInvalidKey) {
				t.Errorf("Put = %v, want ErrInvalidKey", err)
			}
			if b, err := s.Open(ctx, key); !errors.Is(err, storage.ErrInvalidKey) {
				if err == nil {
					b.Close()
				}
				t.Errorf("Open = %v, want ErrInvalidKey", err)
			}
			if _, err := s.Stat(ctx, key); !errors.Is(err, storage.ErrInvalidKey) {
				t.Errorf("Stat = %v, want ErrInvalidKey", err)
			}
			if err := s.Delete(ctx, key); !errors.Is(err, storage.ErrInvalidKey) {
				t.Errorf("Delete = %v, want ErrInvalidKey", err)
			}
			if storage.ValidPrefix(key) == nil {
				return // "" and "a/" are valid prefixes
			}
			var listErr error
			for _, err := range s.List(ctx, key) {
				if err != nil {
					listErr = err
					break
				}
			}
			if !errors.Is(listErr, storage.ErrInvalidKey) {
				t.Errorf("List = %v, want ErrInvalidKey", listErr)
			}
		})
	}
	if got := keys(t, s, ""); len(got) != 0 {
		t.Errorf("List after invalid Puts = %q, want nothing", got)
	}
}

func testKeyConflict(t *testing.T, s storage.Store) {
	ctx := t.Context()
	put(t, s, "a/b", "blob a/b")
	put(t, s, "x/y/z", "blob x/y/z")

	for _, key := range []string{"a/b/c", "a/b/c/d", "x/y", "x"} {
		if _, err := s.Put(ctx, key, strings.NewReader("conflict")); !errors.Is(err, storage.ErrConflict) {
			t.Errorf("Put(%q) = %v, want ErrConflict", key, err)
		}
	}
	if got := read(t, s, "a/b"); got != "blob a/b" {
		t.Errorf("a/b after conflicts = %q, want %q", got, "blob a/b")
	}
	if got := read(t, s, "x/y/z"); got != "blob x/y/z" {
		t.Errorf("x/y/z after conflicts = %q, want %q", got, "blob x/y/z")
	}
	if got := keys(t, s, ""); !slices.Equal(got, []string{"a/b", "x/y/z"}) {
		t.Errorf("List after conflicts = %q, want [a/b x/y/z]", got)
	}

	// Once the blocking key is gone the path is free again.
	if err := s.Delete(ctx, "a/b"); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	put(t, s, "a/b/c", "now fine")
	if got := read(t, s, "a/b/c"); got != "now fine" {
		t.Errorf("a/b/c = %q, want %q", got, "now fine")
	}
}

func testZeroBytes(t *testing.T, s storage.Store) {
	info, err := s.Put(t.Context(), "empty", strings.NewReader(""))
	if err != nil {
		t.Fatalf("Put: %v", err)
	}
	if info.Size != 0 {
		t.Errorf("Put size = %d, want 0", info.Size)
	}
	if got := read(t, s, "empty"); got != "" {
		t.Errorf("content = %q, want empty", got)
	}
	got := list(t, s, "")
	if len(got) != 1 || got[0].Key != "empty" || got[0].Size != 0 {
		t.Errorf("List = %+v, want one empty blob", got)
	}
}

func testLarge(t *testing.T, s storage.Store) {
	if testing.Short() {
		t.Skip("64 MiB blob; skipped with -short")
	}
	ctx := t.Context()
	const size = 64 << 20
	wantSum := sha256.New()
	info, err := s.Put(ctx, "large/blob", io.TeeReader(io.LimitReader(&pattern{}, size), wantSum))
	if err != nil {
		t.Fatalf("Put: %v", err)
	}
	if info.Size != size {
		t.Errorf("Put size = %d, want %d", info.Size, size)
	}
	b, err := s.Open(ctx, "large/blob")
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer b.Close()
	gotSum := sha256.New()
	n, err := io.Copy(gotSum, b)
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	if n != size || !bytes.Equal(gotSum.Sum(nil), wantSum.Sum(nil)) {
		t.Errorf("read %d bytes with sha256 %x, want %d bytes with %x", n, gotSum.Sum(nil), size, wantSum.Sum(nil))
	}
}

// pattern is an endless deterministic byte stream that does not repeat with
// any short period, so a misplaced chunk changes the hash.
type pattern struct{ off uint64 }

func (p *pattern) Read(b []byte) (int, error) {
	for i := range b {
		x := p.off
		b[i] = byte(x ^ x>>8 ^ x>>16 ^ x>>24)
		p.off++
	}
	return len(b), nil
}

func testConcurrentWritersOneKey(t *testing.T, s storage.Store) {
	ctx := t.Context()
	const (
		key     = "race/one-key"
		writers = 8
		rounds  = 4
	)
	// Each writer's content has its own length and bytes; a reader that sees
	// a mix of two versions, or a prefix, finds no matching checksum.
	versions := map[[32]byte]int{}
	contents := make([][]byte, writers+1)
	for i := range contents {
		c := bytes.Repeat([]byte(fmt.Sprintf("writer %d|", i)), 20000+i*1031)
		contents[i] = c
		versions[sha256.Sum256(c)] = i
	}
	// contents[writers] is the initial version, so readers never miss.
	if _, err := s.Put(ctx, key, bytes.NewReader(contents[writers])); err != nil {
		t.Fatalf("initial Put: %v", err)
	}

	check := func(who string, data []byte, info storage.Info) {
		if _, ok := versions[sha256.Sum256(data)]; !ok {
			t.Errorf("%s read %d bytes that are not one writer's version", who, len(data))
		}
		if info.Size != int64(len(data)) {
			t.Errorf("%s: Info.Size = %d but read %d bytes", who, info.Size, len(data))
		}
	}

	var writing sync.WaitGroup
	stopReading := readWhile(t, s, key, 4, check)
	for w := 0; w < writers; w++ {
		writing.Go(func() {
			for range rounds {
				if _, err := s.Put(ctx, key, bytes.NewReader(contents[w])); err != nil {
					t.Errorf("writer %d: Put: %v", w, err)
					return
				}
			}
		})
	}
	writing.Wait()
	stopReading()

	b, err := s.Open(ctx, key)
	if err != nil {
		t.Fatalf("final Open: %v", err)
	}
	defer b.Close()
	data, err := io.ReadAll(b)
	if err != nil {
		t.Fatalf("final read: %v", err)
	}
	check("final read", data, b.Info())
	if i := versions[sha256.Sum256(data)]; i == writers {
		t.Errorf("final content is the initial version, want one writer's")
	}
	if got := keys(t, s, ""); !slices.Equal(got, []string{key}) {
		t.Errorf("List after concurrent writes = %q, want [%s]", got, key)
	}
}

// readWhile reads key over and over on several goroutines until stop is
// called, handing every complete read to check.
func readWhile(t *testing.T, s storage.Store, key string, readers int, check func(who string, data []byte, info storage.Info)) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	for r := range readers {
		wg.Go(func() {
			for {
				select {
				case <-done:
					return
				default:
				}
				b, err := s.Open(t.Context(), key)
				if err != nil {
					t.Errorf("reader %d: Open: %v", r, err)
					return
				}
				data, err := io.ReadAll(b)
				b.Close()
				if err != nil {
					t.Errorf("reader %d: read: %v", r, err)
					return
				}
				check(fmt.Sprint("reader ", r), data, b.Info())
			}
		})
	}
	return func() {
		close(done)
		wg.Wait()
	}
}

var errBoom = errors.New("storagetest: reader failed on purpose")

// failingReader returns n bytes of data and then errBoom.
func failingReader(n int) io.Reader {
	return io.MultiReader(io.LimitReader(&pattern{}, int64(n)), readerFunc(func([]byte) (int, error) {
		return 0, errBoom
	}))
}

func testPutErrorLeavesNothing(t *testing.T, s storage.Store) {
	ctx := t.Context()
	for _, key := range []string{"fresh", "new/deep/dir/key"} {
		if _, err := s.Put(ctx, key, failingReader(100_000)); !errors.Is(err, errBoom) {
			t.Errorf("Put(%q) with failing reader = %v, want the reader's error", key, err)
		}
		if _, err := s.Stat(ctx, key); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("Stat(%q) after failed Put = %v, want ErrNotFound", key, err)
		}
	}
	if got := keys(t, s, ""); len(got) != 0 {
		t.Errorf("List after failed Puts = %q, want nothing", got)
	}

	// A failed overwrite keeps the old blob.
	put(t, s, "kept", "old version")
	if _, err := s.Put(ctx, "kept", failingReader(10)); !errors.Is(err, errBoom) {
		t.Errorf("failing overwrite = %v, want the reader's error", err)
	}
	if got := read(t, s, "kept"); got != "old version" {
		t.Errorf("content after failed overwrite = %q, want %q", got, "old version")
	}
	if got := keys(t, s, ""); !slices.Equal(got, []string{"kept"}) {
		t.Errorf("List after failed overwrite = %q, want [kept]", got)
	}
}

func testCanceledPut(t *testing.T, s storage.Store) {
	ctx, cancel := context.WithCancel(t.Context())
	r, reached, release := gatedReader(strings.Repeat("x", 1000), strings.Repeat("y", 1000))
	done := make(chan error, 1)
	go func() {
		_, err := s.Put(ctx, "canceled", r)
		done <- err
	}()
	<-reached
	cancel()
	release()
	// The store may have read everything before noticing; it must not
	// report success for a canceled Put that it did not finish.
	if err := <-done; err != nil {
		if !errors.Is(err, context.Canceled) {
			t.Errorf("canceled Put = %v, want context.Canceled", err)
		}
		if _, err := s.Stat(t.Context(), "canceled"); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("Stat after canceled Put = %v, want ErrNotFound", err)
		}
	}

	if _, err := s.Put(ctx, "never", strings.NewReader("x")); !errors.Is(err, context.Canceled) {
		t.Errorf("Put with a done context = %v, want context.Canceled", err)
	}
	if _, err := s.Stat(t.Context(), "never"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("Stat after Put with a done context = %v, want ErrNotFound", err)
	}
}

func testNothingLeftBehind(t *testing.T, s storage.Store) {
	ctx := t.Context()
	all := []string{"a", "a0/b", "deep/er/and/deeper/key", "deep/er/other", "x/y"}
	for _, k := range all {
		put(t, s, k, "v1 "+k)
		put(t, s, k, "v2 "+k)
	}
	if got := keys(t, s, ""); !slices.Equal(got, all) {
		t.Fatalf("List = %q, want %q", got, all)
	}
	for _, k := range all {
		if err := s.Delete(ctx, k); err != nil {
			t.Fatalf("Delete(%q): %v", k, err)
		}
	}
	if got := keys(t, s, ""); len(got) != 0 {
		t.Errorf("List after deleting everything = %q, want nothing", got)
	}
}

// put stores content under key or fails the test.
func put(t *testing.T, s storage.Store, key, content string) {
	t.Helper()
	if _, err := s.Put(t.Context(), key, strings.NewReader(content)); err != nil {
		t.Fatalf("Put(%q): %v", key, err)
	}
}

// read returns the whole blob at key or fails the test.
func read(t *testing.T, s storage.Store, key string) string {
	t.Helper()
	b, err := s.Open(t.Context(), key)
	if err != nil {
		t.Fatalf("Open(%q): %v", key, err)
	}
	defer b.Close()
	data, err := io.ReadAll(b)
	if err != nil {
		t.Fatalf("read %q: %v", key, err)
	}
	return string(data)
}

// list collects List(prefix), failing the test on any error item.
func list(t *testing.T, s storage.Store, prefix string) []storage.Info {
	t.Helper()
	var infos []storage.Info
	for in, err := range s.List(t.Context(), prefix) {
		if err != nil {
			t.Fatalf("List(%q): %v", prefix, err)
		}
		infos = append(infos, in)
	}
	return infos
}

// keys is list reduced to the keys.
func keys(t *testing.T, s storage.Store, prefix string) []string {
	t.Helper()
	var ks []string
	for _, in := range list(t, s, prefix) {
		ks = append(ks, in.Key)
	}
	return ks
}
