package storagetest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/feedserver/feedserver/storage"
)

// stageChunk is the write size of the stage tests' large writes: the chunk a
// push is copied in (package feed), which the filesystem driver writes past
// the page cache when it is aligned.
const stageChunk = 1 << 20

// stageSizes are sizes around the drivers' thresholds: the filesystem driver
// keeps up to 256 KiB in memory and writes whole 1 MiB chunks with O_DIRECT.
var stageSizes = []int{0, 1, 1000, 256 << 10, 256<<10 + 1, stageChunk, 3*stageChunk + 12345, 2*stageChunk + 8192}

// patternBytes returns n bytes of the pattern stream starting at seed, so
// different seeds give different contents.
func patternBytes(seed uint64, n int) []byte {
	b := make([]byte, n)
	p := pattern{off: seed}
	p.Read(b)
	return b
}

// writeStage writes data to st in writes of at most chunk bytes, each copied
// into one reused buffer as a push's chunks are (a buffer of 1 MiB is
// page-aligned in practice, so the filesystem driver's O_DIRECT path runs).
func writeStage(t *testing.T, st storage.Staged, data []byte, chunk int) {
	t.Helper()
	buf := make([]byte, stageChunk)
	for len(data) > 0 {
		n := min(chunk, len(data), len(buf))
		copy(buf, data[:n])
		if w, err := st.Write(buf[:n]); err != nil || w != n {
			t.Fatalf("Write(%d bytes) = %d, %v", n, w, err)
		}
		data = data[n:]
	}
}

// newStage starts a stage holding data, written in chunks of stageChunk, and
// finished.
func newStage(t *testing.T, s storage.Store, data []byte) storage.Staged {
	t.Helper()
	st, err := s.Stage(t.Context())
	if err != nil {
		t.Fatalf("Stage: %v", err)
	}
	t.Cleanup(func() { st.Abort() })
	writeStage(t, st, data, stageChunk)
	if err := st.Finish(); err != nil {
		t.Fatalf("Finish: %v", err)
	}
	return st
}

// noLeftovers checks that nothing staged is left to sweep.
func noLeftovers(t *testing.T, s storage.Store) {
	t.Helper()
	if n, err := s.SweepTemp(t.Context(), 0); err != nil || n != 0 {
		t.Errorf("SweepTemp(0) = %d, %v; want nothing left behind", n, err)
	}
}

// checkReadAt reads data back from r whole and in ranges around each
// boundary a driver may have: its memory limit, its chunks and the end.
func checkReadAt(t *testing.T, r io.ReaderAt, data []byte) {
	t.Helper()
	got := make([]byte, len(data))
	if n, err := r.ReadAt(got, 0); n != len(data) || (err != nil && err != io.EOF) {
		t.Fatalf("ReadAt(all) = %d, %v; want %d", n, err, len(data))
	}
	if !bytes.Equal(got, data) {
		t.Fatalf("ReadAt(all) read other bytes than were written")
	}
	size := int64(len(data))
	for _, off := range []int64{0, 1, 4095, 4096, 256<<10 - 3, stageChunk - 7, stageChunk, size - 10, size - 1} {
		if off < 0 || off >= size {
			continue
		}
		p := make([]byte, 20)
		n, err := r.ReadAt(p, off)
		want := data[off:min(off+20, size)]
		if n != len(want) || !bytes.Equal(p[:n], want) {
			t.Errorf("ReadAt(20 bytes at %d) = %d bytes, %v; want %d bytes of the stage", off, n, err, len(want))
		}
		if n < len(p) && err == nil {
			t.Errorf("ReadAt(20 bytes at %d) read %d and no error; io.ReaderAt wants one", off, n)
		}
	}
	if n, err := r.ReadAt(make([]byte, 1), size); n != 0 || err == nil {
		t.Errorf("ReadAt(at the end) = %d, %v; want 0 and io.EOF", n, err)
	}
	if n, err := r.ReadAt(make([]byte, 1), -1); n != 0 || err == nil {
		t.Errorf("ReadAt(-1) = %d, %v; want an error", n, err)
	}
}

func testStageCommit(t *testing.T, s storage.Store) {
	ctx := t.Context()
	for i, size := range stageSizes {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			key := fmt.Sprintf("staged/%d/blob", i)
			data := patternBytes(uint64(i)<<40, size)
			st := newStage(t, s, data)
			if st.Size() != int64(size) {
				t.Errorf("Size = %d, want %d", st.Size(), size)
			}
			checkReadAt(t, st, data)
			if _, err := s.Stat(ctx, key); !errors.Is(err, storage.ErrNotFound) {
				t.Errorf("Stat before Commit = %v, want ErrNotFound", err)
			}

			info, err := st.Commit(ctx, key, storage.CommitOptions{})
			if err != nil {
				t.Fatalf("Commit: %v", err)
			}
			if info.Key != key || info.Size != int64(size) || info.ModTime.IsZero() {
				t.Errorf("Commit info = %+v, want key %q size %d and a mod time", info, key, size)
			}
			if got := read(t, s, key); got != string(data) {
				t.Errorf("read back %d bytes that differ from the %d staged", len(got), size)
			}
			if in, err := s.Stat(ctx, key); err != nil || in.Size != int64(size) {
				t.Errorf("Stat = %+v, %v; want size %d", in, err, size)
			}
			// Abort after Commit does nothing: the deferred Abort idiom.
			if err := st.Abort(); err != nil {
				t.Errorf("Abort after Commit = %v, want nil", err)
			}
			if got := read(t, s, key); got != string(data) {
				t.Errorf("after Abort the committed blob changed")
			}
			noLeftovers(t, s)
		})
	}
	if got := keys(t, s, ""); len(got) != len(stageSizes) {
		t.Errorf("List = %q, want the %d committed keys", got, len(stageSizes))
	}
}

// testStageWrites commits stages written in writes of many sizes, so every
// driver path (small appends, a write that outgrows memory, unaligned
// chunks) is taken.
func testStageWrites(t *testing.T, s storage.Store) {
	ctx := t.Context()
	size := 2*stageChunk + 300<<10 + 17
	data := patternBytes(7, size)
	for _, chunk := range []int{1, 100, 4096, 100_000, 200 << 10, 256<<10 + 1, stageChunk - 1, stageChunk} {
		t.Run(fmt.Sprint(chunk), func(t *testing.T) {
			n := size
			if chunk < 4096 {
				n = 64 << 10 // byte by byte takes long: fewer bytes
			}
			st, err := s.Stage(ctx)
			if err != nil {
				t.Fatalf("Stage: %v", err)
			}
			defer st.Abort()
			writeStage(t, st, data[:n], chunk)
			// Unaligned writes as well: from one byte into a buffer.
			odd := make([]byte, 4097)
			copy(odd[1:], "tail")
			if _, err := st.Write(odd[1:5]); err != nil {
				t.Fatalf("Write: %v", err)
			}
			want := append(slices.Clone(data[:n]), "tail"...)
			if err := st.Finish(); err != nil {
				t.Fatalf("Finish: %v", err)
			}
			checkReadAt(t, st, want)
			key := fmt.Sprintf("writes/%d", chunk)
			if _, err := st.Commit(ctx, key, storage.CommitOptions{}); err != nil {
				t.Fatalf("Commit: %v", err)
			}
			if got := read(t, s, key); got != string(want) {
				t.Errorf("read back %d bytes that differ from the %d staged", len(got), len(want))
			}
		})
	}
	noLeftovers(t, s)
}

// testStageReadAtConcurrent reads one finished stage from several goroutines.
func testStageReadAtConcurrent(t *testing.T, s storage.Store) {
	for _, size := range []int{100 << 10, 3*stageChunk + 5} {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			data := patternBytes(uint64(size), size)
			st := newStage(t, s, data)
			var wg sync.WaitGroup
			for g := range 4 {
				wg.Go(func() {
					rnd := rand.New(rand.NewPCG(uint64(g), 1))
					for range 200 {
						off := rnd.IntN(size)
						p := make([]byte, rnd.IntN(64<<10)+1)
						n, err := st.ReadAt(p, int64(off))
						want := data[off:min(off+len(p), size)]
						if n != len(want) || !bytes.Equal(p[:n], want) || (n < len(p) && err == nil) {
							t.Errorf("ReadAt(%d bytes at %d) = %d, %v; want %d bytes of the stage", len(p), off, n, err, len(want))
							return
						}
					}
				})
			}
			wg.Wait()
		})
	}
}

// testStageInvisible: a stage shows nowhere until it is committed, and an
// overwritten blob stays as it was until then.
func testStageInvisible(t *testing.T, s storage.Store) {
	ctx := t.Context()
	put(t, s, "kept/old", "old version")
	for _, key := range []string{"kept/old", "fresh/key"} {
		t.Run(key, func(t *testing.T) {
			before := keys(t, s, "")
			st, err := s.Stage(ctx)
			if err != nil {
				t.Fatalf("Stage: %v", err)
			}
			defer st.Abort()
			data := patternBytes(3, 2*stageChunk+1)
			look := func(when string) {
				if got := keys(t, s, ""); !slices.Equal(got, before) {
					t.Errorf("List %s = %q, want %q", when, got, before)
				}
				if key == "kept/old" {
					if got := read(t, s, key); got != "old version" {
						t.Errorf("%s the old blob reads %.20q", when, got)
					}
				} else if _, err := s.Stat(ctx, key); !errors.Is(err, storage.ErrNotFound) {
					t.Errorf("Stat %s = %v, want ErrNotFound", when, err)
				}
			}
			writeStage(t, st, data[:stageChunk], stageChunk)
			look("while writing")
			writeStage(t, st, data[stageChunk:], stageChunk)
			if err := st.Finish(); err != nil {
				t.Fatal(err)
			}
			look("after Finish")
			if _, err := st.Commit(ctx, key, storage.CommitOptions{}); err != nil {
				t.Fatalf("Commit: %v", err)
			}
			if got := read(t, s, key); got != string(data) {
				t.Errorf("after Commit read %d bytes, want the %d staged", len(got), len(data))
			}
		})
	}
}

// testStageAbort: an aborted stage leaves nothing, at whatever point it is
// aborted, and cannot be committed afterwards.
func testStageAbort(t *testing.T, s storage.Store) {
	ctx := t.Context()
	put(t, s, "kept", "old version")
	for _, size := range []int{0, 1000, 256<<10 + 1, 2*stageChunk + 3} {
		for _, finish := range []bool{false, true} {
			t.Run(fmt.Sprintf("%d/finished=%v", size, finish), func(t *testing.T) {
				st, err := s.Stage(ctx)
				if err != nil {
					t.Fatalf("Stage: %v", err)
				}
				writeStage(t, st, patternBytes(1, size), stageChunk)
				if finish {
					if err := st.Finish(); err != nil {
						t.Fatal(err)
					}
				}
				if err := st.Abort(); err != nil {
					t.Fatalf("Abort: %v", err)
				}
				if err := st.Abort(); err != nil {
					t.Errorf("second Abort = %v, want nil", err)
				}
				if _, err := st.Write([]byte("more")); err == nil {
					t.Errorf("Write after Abort = nil error, want one")
				}
				if _, err := st.Commit(ctx, "after-abort", storage.CommitOptions{}); err == nil {
					t.Errorf("Commit after Abort = nil error, want one")
				}
				if _, err := st.Commit(ctx, "kept", storage.CommitOptions{}); err == nil {
					t.Errorf("Commit over a blob after Abort = nil error, want one")
				}
				if got := keys(t, s, ""); !slices.Equal(got, []string{"kept"}) {
					t.Errorf("List after Abort = %q, want [kept]", got)
				}
				if got := read(t, s, "kept"); got != "old version" {
					t.Errorf("kept = %q after an aborted stage", got)
				}
				noLeftovers(t, s)
			})
		}
	}
}

// testStageFailedCommit: a commit refused for its key, or canceled, stores
// nothing, ends the stage and leaves nothing to sweep.
func testStageFailedCommit(t *testing.T, s storage.Store) {
	put(t, s, "a/b", "blob a/b")
	canceled, cancel := context.WithCancel(t.Context())
	cancel()
	tests := []struct {
		name string
		ctx  context.Context
		key  string
		want error
	}{
		{"invalid key", t.Context(), "../x", storage.ErrInvalidKey},
		{"below a blob", t.Context(), "a/b/c/d", storage.ErrConflict},
		{"a parent of blobs", t.Context(), "a", storage.ErrConflict},
		{"canceled", canceled, "new/dir/key", context.Canceled},
	}
	for _, tc := range tests {
		for _, size := range []int{10, 2*stageChunk + 1} {
			t.Run(fmt.Sprintf("%s/%d", tc.name, size), func(t *testing.T) {
				st := newStage(t, s, patternBytes(2, size))
				if _, err := st.Commit(tc.ctx, tc.key, storage.CommitOptions{}); !errors.Is(err, tc.want) {
					t.Errorf("Commit(%q) = %v, want %v", tc.key, err, tc.want)
				}
				if err := st.Abort(); err != nil {
					t.Errorf("Abort after a failed Commit = %v, want nil", err)
				}
				if got := keys(t, s, ""); !slices.Equal(got, []string{"a/b"}) {
					t.Errorf("List = %q, want [a/b]", got)
				}
				noLeftovers(t, s)
			})
		}
	}
}

// testStageCreateOnly: a create-only commit installs a new key and refuses
// one that holds a blob, which stays as it was.
func testStageCreateOnly(t *testing.T, s storage.Store) {
	ctx := t.Context()
	createOnly := storage.CommitOptions{CreateOnly: true}
	for _, size := range []int{10, 2*stageChunk + 1} {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			key := fmt.Sprintf("once/%d/blob", size)
			first := patternBytes(10, size)
			if _, err := newStage(t, s, first).Commit(ctx, key, createOnly); err != nil {
				t.Fatalf("create-only Commit of a new key: %v", err)
			}
			st := newStage(t, s, patternBytes(11, size+1))
			if _, err := st.Commit(ctx, key, createOnly); !errors.Is(err, storage.ErrExists) {
				t.Errorf("create-only Commit of an existing key = %v, want ErrExists", err)
			}
			if got := read(t, s, key); got != string(first) {
				t.Errorf("the existing blob changed under a refused create-only Commit")
			}
			if _, err := newStage(t, s, []byte("other")).Commit(ctx, "once", createOnly); !errors.Is(err, storage.ErrConflict) {
				t.Errorf("create-only Commit of a parent of blobs = %v, want ErrConflict", err)
			}
			last := patternBytes(12, size+2)
			if _, err := newStage(t, s, last).Commit(ctx, key, storage.CommitOptions{}); err != nil {
				t.Fatalf("Commit over the key: %v", err)
			}
			if got := read(t, s, key); got != string(last) {
				t.Errorf("a Commit without CreateOnly did not replace the blob")
			}
			noLeftovers(t, s)
		})
	}
}

// testStageConcurrentCommits commits many stages at once: onto one key
// (every reader sees one whole version), create-only onto one key (exactly
// one wins) and onto many keys of one new folder.
func testStageConcurrentCommits(t *testing.T, s storage.Store) {
	ctx := t.Context()
	const writers = 8
	contents := make([][]byte, writers)
	versions := map[[32]byte]bool{}
	for i := range contents {
		size := 100<<10 + i*97<<10 // some stay in memory, some do not
		if i%3 == 0 {
			size = stageChunk + i
		}
		contents[i] = patternBytes(uint64(i)<<32, size)
		versions[sha256.Sum256(contents[i])] = true
	}
	stageAll := func(t *testing.T) []storage.Staged {
		var sts []storage.Staged
		for _, c := range contents {
			sts = append(sts, newStage(t, s, c))
		}
		return sts
	}

	t.Run("one key", func(t *testing.T) {
		const key = "race/staged"
		if _, err := newStage(t, s, contents[0]).Commit(ctx, key, storage.CommitOptions{}); err != nil {
			t.Fatal(err)
		}
		stopReading := readWhile(t, s, key, 2, func(who string, data []byte, _ storage.Info) {
			if !versions[sha256.Sum256(data)] {
				t.Errorf("%s saw %d bytes that are not one stage's", who, len(data))
			}
		})
		var writing sync.WaitGroup
		for _, st := range stageAll(t) {
			writing.Go(func() {
				if _, err := st.Commit(ctx, key, storage.CommitOptions{}); err != nil {
					t.Errorf("Commit: %v", err)
				}
			})
		}
		writing.Wait()
		stopReading()
		if got := read(t, s, key); !versions[sha256.Sum256([]byte(got))] {
			t.Errorf("the final blob is not one stage's")
		}
	})

	t.Run("create-only", func(t *testing.T) {
		const key = "race/once"
		var won atomic.Int32
		var wg sync.WaitGroup
		winner := make([]bool, writers)
		for i, st := range stageAll(t) {
			wg.Go(func() {
				_, err := st.Commit(ctx, key, storage.CommitOptions{CreateOnly: true})
				switch {
				case err == nil:
					won.Add(1)
					winner[i] = true
				case !errors.Is(err, storage.ErrExists):
					t.Errorf("losing create-only Commit = %v, want ErrExists", err)
				}
			})
		}
		wg.Wait()
		if won.Load() != 1 {
			t.Fatalf("%d create-only commits of one key won, want exactly 1", won.Load())
		}
		i := slices.Index(winner, true)
		if got := read(t, s, key); got != string(contents[i]) {
			t.Errorf("the key holds other bytes than the winning stage's")
		}
	})

	t.Run("one new folder", func(t *testing.T) {
		var wg sync.WaitGroup
		for i, st := range stageAll(t) {
			wg.Go(func() {
				if _, err := st.Commit(ctx, fmt.Sprintf("new/folder/k%d", i), storage.CommitOptions{}); err != nil {
					t.Errorf("Commit: %v", err)
				}
			})
		}
		wg.Wait()
		for i, c := range contents {
			if got := read(t, s, fmt.Sprintf("new/folder/k%d", i)); got != string(c) {
				t.Errorf("new/folder/k%d holds other bytes than its stage's", i)
			}
		}
	})
	noLeftovers(t, s)
}

// testStageSweep: stages a crash left (never committed nor aborted) are what
// SweepTemp removes, once old enough; a swept stage cannot be committed.
func testStageSweep(t *testing.T, s storage.Store) {
	ctx := t.Context()
	// Larger than a driver keeps in memory, so each is a leftover to sweep.
	size := 2*stageChunk + 1
	var abandoned []storage.Staged
	for i := range 3 {
		st, err := s.Stage(ctx)
		if err != nil {
			t.Fatalf("Stage: %v", err)
		}
		t.Cleanup(func() { st.Abort() })
		writeStage(t, st, patternBytes(uint64(i), size), stageChunk)
		if i > 0 {
			if err := st.Finish(); err != nil {
				t.Fatal(err)
			}
		}
		abandoned = append(abandoned, st)
	}
	put(t, s, "kept", "a blob")

	if n, err := s.SweepTemp(ctx, time.Hour); err != nil || n != 0 {
		t.Errorf("SweepTemp(1h) = %d, %v; want 0: the stages are fresh", n, err)
	}
	if n, err := s.SweepTemp(ctx, 0); err != nil || n != len(abandoned) {
		t.Errorf("SweepTemp(0) = %d, %v; want %d", n, err, len(abandoned))
	}
	for i, st := range abandoned {
		if _, err := st.Commit(ctx, fmt.Sprintf("swept/%d", i), storage.CommitOptions{}); err == nil {
			t.Errorf("Commit of swept stage %d = nil error, want one", i)
		}
		if err := st.Abort(); err != nil {
			t.Errorf("Abort of swept stage %d = %v, want nil", i, err)
		}
	}
	if got := keys(t, s, ""); !slices.Equal(got, []string{"kept"}) {
		t.Errorf("List after the sweep = %q, want [kept]", got)
	}
	noLeftovers(t, s)
}

// testStageLarge stages 64 MiB in push-sized chunks and checks every byte
// on the way back.
func testStageLarge(t *testing.T, s storage.Store) {
	if testing.Short() {
		t.Skip("64 MiB stage; skipped with -short")
	}
	ctx := t.Context()
	const size = 64<<20 + 4321
	st, err := s.Stage(ctx)
	if err != nil {
		t.Fatalf("Stage: %v", err)
	}
	defer st.Abort()
	want := sha256.New()
	src := io.TeeReader(io.LimitReader(&pattern{}, size), want)
	buf := make([]byte, stageChunk)
	for {
		n, err := io.ReadFull(src, buf)
		if n > 0 {
			if _, werr := st.Write(buf[:n]); werr != nil {
				t.Fatalf("Write: %v", werr)
			}
		}
		if err != nil {
			break
		}
	}
	if err := st.Finish(); err != nil {
		t.Fatalf("Finish: %v", err)
	}
	if st.Size() != size {
		t.Errorf("Size = %d, want %d", st.Size(), size)
	}
	staged := sha256.New()
	if n, err := io.Copy(staged, io.NewSectionReader(st, 0, size)); n != size || err != nil {
		t.Fatalf("read back %d bytes, %v", n, err)
	}
	if !bytes.Equal(staged.Sum(nil), want.Sum(nil)) {
		t.Fatalf("the staged bytes read back differ from those written")
	}
	if _, err := st.Commit(ctx, "large/staged", storage.CommitOptions{}); err != nil {
		t.Fatalf("Commit: %v", err)
	}
	b, err := s.Open(ctx, "large/staged")
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer b.Close()
	stored := sha256.New()
	if n, err := io.Copy(stored, b); n != size || err != nil {
		t.Fatalf("read %d bytes, %v", n, err)
	}
	if !bytes.Equal(stored.Sum(nil), want.Sum(nil)) {
		t.Errorf("the committed blob differs from the bytes written")
	}
}

func testStageCanceled(t *testing.T, s storage.Store) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if st, err := s.Stage(ctx); !errors.Is(err, context.Canceled) {
		if err == nil {
			st.Abort()
		}
		t.Errorf("Stage with a done context = %v, want context.Canceled", err)
	}
}
