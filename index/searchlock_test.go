package index

import (
	"errors"
	"path/filepath"
	"testing"
	"time"
)

// TestOpenSearchHeldElsewhere is issue 17 row 10: an index another process
// holds (here another handle) is refused within searchLockWait with
// ErrLocked, and is left as it was, never cleared as if it were broken.
func TestOpenSearchHeldElsewhere(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "search")
	held, err := OpenSearch(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	indexCorpus(t, held, corpus()[:5])

	start := time.Now()
	s, err := OpenSearch(dir)
	if err == nil {
		s.Close()
		t.Fatal("a second open of a held index succeeded")
	}
	if !errors.Is(err, ErrLocked) || time.Since(start) > searchLockWait+5*time.Second {
		t.Fatalf("got %v after %s, want ErrLocked within about %s", err, time.Since(start), searchLockWait)
	}
	if n, err := held.Count(); err != nil || n != 5 {
		t.Errorf("the held index after the refused open: %d documents, %v; want 5", n, err)
	}
}
