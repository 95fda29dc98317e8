package feed

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/feedserver/feedserver/index"
	"github.com/feedserver/feedserver/nuget"
	"github.com/feedserver/feedserver/storage"
)

// ReadEmbedded reads from the stored file of e the readme, icon and licence
// file that m names (nuget.ReadEmbeddedFiles: bounded, checked as nuget.org
// checks them). m is e's manifest or a copy naming fewer files, so that a
// broken file of one kind does not hide another. A file that breaks the rules
// is ErrInvalid; a store that cannot be reached, ErrStoreUnavailable.
func (f *Feed) ReadEmbedded(ctx context.Context, e index.Entry, m *nuget.Manifest) (*nuget.EmbeddedFiles, error) {
	b, err := f.store.Open(ctx, e.BlobKey)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, fmt.Errorf("%w: the file of %s %s is gone", ErrNotFound, e.ID, e.Version)
	}
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", e.BlobKey, err)
	}
	defer b.Close()
	files, err := nuget.ReadEmbeddedFiles(&seekReaderAt{r: b}, b.Info().Size, m)
	if err != nil {
		return nil, fmt.Errorf("read the files %s %s embeds: %w", e.ID, e.Version, err)
	}
	return files, nil
}

// seekReaderAt reads at an offset by seeking: the zip reader's few reads of
// the central directory and of one entry, without reading the whole package.
type seekReaderAt struct {
	mu sync.Mutex
	r  io.ReadSeeker
}

func (s *seekReaderAt) ReadAt(p []byte, off int64) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.r.Seek(off, io.SeekStart); err != nil {
		return 0, err
	}
	n, err := io.ReadFull(s.r, p)
	if errors.Is(err, io.ErrUnexpectedEOF) {
		err = io.EOF // io.ReaderAt's word for a read cut short by the end
	}
	return n, err
}
