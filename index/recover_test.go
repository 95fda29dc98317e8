package index

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

var setAsideTime = time.Date(2026, 11, 21, 6, 30, 0, 0, time.UTC)

// garble overwrites n bytes of path at offset with a fixed non-zero pattern.
func garble(t *testing.T, path string, offset, n int64) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	junk := make([]byte, n)
	for i := range junk {
		junk[i] = byte(i*7 + 13)
	}
	if _, err := f.WriteAt(junk, offset); err != nil {
		t.Fatal(err)
	}
}

func TestOpenSearchChecked(t *testing.T) {
	// Each damage made bleve's open panic before OpenSearchChecked existed.
	for _, file := range []string{"root.bolt", "segment"} {
		t.Run(file, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "search")
			s, err := OpenSearch(dir)
			if err != nil {
				t.Fatal(err)
			}
			var docs []Doc
			for i := range 50 {
				if d, ok := DocFor([]Entry{nugetEntry(pkg{id: fmt.Sprintf("Pkg%d", i), version: "1.0.0"})}); ok {
					docs = append(docs, d)
				}
			}
			if err := s.Index(context.Background(), docs...); err != nil {
				t.Fatal(err)
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			targets := []string{filepath.Join(dir, "store", "root.bolt")}
			if file == "segment" {
				// Every segment: which of them the root still names depends
				// on how far bleve's background merging got before Close.
				targets, _ = filepath.Glob(filepath.Join(dir, "store", "*.zap"))
				if len(targets) == 0 {
					t.Fatal("no segment file to damage")
				}
			}
			for _, target := range targets {
				fi, err := os.Stat(target)
				if err != nil {
					t.Fatal(err)
				}
				garble(t, target, fi.Size()/4, fi.Size()/2)
			}

			s, setAside, err := OpenSearchChecked(dir, setAsideTime)
			if err != nil {
				t.Fatalf("OpenSearchChecked: %v", err)
			}
			defer s.Close()
			if want := dir + ".corrupt-20261121T063000Z"; setAside != want {
				t.Errorf("set aside as %q, want %q", setAside, want)
			}
			if !s.Rebuilt() {
				t.Error("Rebuilt() = false for a new index")
			}
			if n, err := s.Count(); err != nil || n != 0 {
				t.Errorf("new index holds %d documents (err %v), want 0", n, err)
			}
		})
	}
}

// Garbage over both of root.bolt's meta pages makes bleve's open fail without
// a panic: the index is replaced in place, and Dropped says why.
func TestOpenSearchDropsUnreadable(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "search")
	s, err := OpenSearch(dir)
	if err != nil {
		t.Fatal(err)
	}
	if s.Dropped() != nil {
		t.Errorf("a new index: Dropped() = %v, want nil", s.Dropped())
	}
	if d, ok := DocFor([]Entry{nugetEntry(pkg{id: "Pkg", version: "1.0.0"})}); !ok {
		t.Fatal("no document")
	} else if err := s.Index(context.Background(), d); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = OpenSearch(dir)
	if err != nil {
		t.Fatal(err)
	}
	if s.Dropped() != nil || s.Rebuilt() {
		t.Errorf("a sound index: Dropped() = %v, Rebuilt() = %v", s.Dropped(), s.Rebuilt())
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	garble(t, filepath.Join(dir, "store", "root.bolt"), 0, 8192)
	s, setAside, err := OpenSearchChecked(dir, setAsideTime)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.Dropped() == nil || !s.Rebuilt() || setAside != "" {
		t.Errorf("garbled meta pages: Dropped() = %v, Rebuilt() = %v, set aside %q; want an error, true, none", s.Dropped(), s.Rebuilt(), setAside)
	}
	if n, err := s.Count(); err != nil || n != 0 {
		t.Errorf("new index holds %d documents (err %v), want 0", n, err)
	}
}
