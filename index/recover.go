package index

import (
	"errors"
	"fmt"
	"os"
	"runtime/debug"
	"time"
)

// ErrCorrupt marks a catalogue or search index that cannot be read: garbage
// bytes, a truncated file, a page that fails SQLite's check, a bleve segment
// that makes its reader panic.
var ErrCorrupt = errors.New("corrupt")

// OpenSearchChecked is OpenSearch for a server's start. OpenSearch already
// starts afresh from an index it cannot open; this also survives an index
// whose damaged files make bleve's readers panic (a garbled segment or
// root.bolt does), by moving the folder to "<dir>.corrupt-<UTC time>" and
// creating a new one. setAside is that name, "" when nothing was moved. The
// caller logs it; the new index is empty (Rebuilt is true) and the re-index
// fills it from the catalogue.
func OpenSearchChecked(dir string, now time.Time) (s *Search, setAside string, err error) {
	s, err = openSearchRecovering(dir)
	if err == nil || !errors.Is(err, ErrCorrupt) {
		return s, "", err
	}
	setAside = dir + ".corrupt-" + now.UTC().Format("20060102T150405Z")
	if rerr := os.Rename(dir, setAside); rerr != nil {
		return nil, "", fmt.Errorf("%w; moving it aside failed: %w", err, rerr)
	}
	s, err = OpenSearch(dir)
	if err != nil {
		return nil, setAside, err
	}
	return s, setAside, nil
}

// openSearchRecovering turns a panic (or a memory fault on a mapped file)
// inside bleve's open into an error wrapping ErrCorrupt. What the failed open
// left behind (an open file, a goroutine) is leaked, once, at start-up.
func openSearchRecovering(dir string) (s *Search, err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if v := recover(); v != nil {
			s, err = nil, fmt.Errorf("index: open search index %s: %w: %v", dir, ErrCorrupt, v)
		}
	}()
	return OpenSearch(dir)
}
