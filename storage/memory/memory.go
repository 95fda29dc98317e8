package memory

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"iter"
	"path"
	"sort"
	"sync"
	"time"

	"github.com/feedserver/feedserver/storage"
)

// Store keeps blobs in memory. The zero value is not usable; call New.
type Store struct {
	mu    sync.RWMutex
	blobs map[string]blob
	// dirs counts, for every parent path of a stored key ("a" and "a/b" for
	// "a/b/c"), how many keys lie below it, so conflicts are found in O(depth).
	dirs map[string]int

	// stages holds the stages neither committed nor aborted, for SweepTemp.
	stagesMu sync.Mutex
	stages   map[*stage]struct{}
}

type blob struct {
	data    []byte // never modified after Put
	modTime time.Time
}

// New returns an empty Store.
func New() *Store {
	return &Store{blobs: map[string]blob{}, dirs: map[string]int{}, stages: map[*stage]struct{}{}}
}

// Put reads all of r and stores a private copy under key.
func (s *Store) Put(ctx context.Context, key string, r io.Reader) (storage.Info, error) {
	if err := storage.ValidKey(key); err != nil {
		return storage.Info{}, err
	}
	// Read before locking: a slow writer must not block readers, and readers
	// keep seeing the old blob until the swap below.
	data, err := readAll(ctx, r)
	if err != nil {
		return storage.Info{}, fmt.Errorf("memory: put %q: %w", key, err)
	}
	return s.install(key, data, false)
}

// install stores data, which the caller no longer modifies, under key.
func (s *Store) install(key string, data []byte, createOnly bool) (storage.Info, error) {
	b := blob{data: data, modTime: time.Now()}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.conflict(key); err != nil {
		return storage.Info{}, err
	}
	_, exists := s.blobs[key]
	if exists && createOnly {
		return storage.Info{}, fmt.Errorf("memory: commit %q: %w", key, storage.ErrExists)
	}
	if !exists {
		for d := path.Dir(key); d != "."; d = path.Dir(d) {
			s.dirs[d]++
		}
	}
	s.blobs[key] = b
	return info(key, b), nil
}

// conflict reports whether key is a parent of a stored key or lies below one.
// The caller holds s.mu.
func (s *Store) conflict(key string) error {
	if s.dirs[key] > 0 {
		return fmt.Errorf("memory: put %q: %w: keys exist below it", key, storage.ErrConflict)
	}
	for d := path.Dir(key); d != "."; d = path.Dir(d) {
		if _, ok := s.blobs[d]; ok {
			return fmt.Errorf("memory: put %q: %w: %q is a blob", key, storage.ErrConflict, d)
		}
	}
	return nil
}

// Open returns a reader over the blob at key.
func (s *Store) Open(ctx context.Context, key string) (storage.Blob, error) {
	b, err := s.get(ctx, key)
	if err != nil {
		return nil, err
	}
	return &reader{Reader: bytes.NewReader(b.data), info: info(key, b)}, nil
}

// Stat describes the blob at key.
func (s *Store) Stat(ctx context.Context, key string) (storage.Info, error) {
	b, err := s.get(ctx, key)
	if err != nil {
		return storage.Info{}, err
	}
	return info(key, b), nil
}

func (s *Store) get(ctx context.Context, key string) (blob, error) {
	if err := storage.ValidKey(key); err != nil {
		return blob{}, err
	}
	if err := ctx.Err(); err != nil {
		return blob{}, err
	}
	s.mu.RLock()
	b, ok := s.blobs[key]
	s.mu.RUnlock()
	if !ok {
		return blob{}, fmt.Errorf("memory: %q: %w", key, storage.ErrNotFound)
	}
	return b, nil
}

// Delete removes key; a missing key is not an error.
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := storage.ValidKey(key); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.blobs[key]; !ok {
		return nil
	}
	delete(s.blobs, key)
	for d := path.Dir(key); d != "."; d = path.Dir(d) {
		if s.dirs[d]--; s.dirs[d] == 0 {
			delete(s.dirs, d)
		}
	}
	return nil
}

// List yields the blobs under prefix in byte order of keys, from a snapshot
// taken when iteration starts.
func (s *Store) List(ctx context.Context, prefix string) iter.Seq2[storage.Info, error] {
	return func(yield func(storage.Info, error) bool) {
		if err := storage.ValidPrefix(prefix); err != nil {
			yield(storage.Info{}, err)
			return
		}
		var infos []storage.Info
		s.mu.RLock()
		for k, b := range s.blobs {
			if storage.HasPrefix(k, prefix) {
				infos = append(infos, info(k, b))
			}
		}
		s.mu.RUnlock()
		sort.Slice(infos, func(i, j int) bool { return infos[i].Key < infos[j].Key })

		// Yield outside the lock so the loop body may call the store.
		for _, in := range infos {
			if err := ctx.Err(); err != nil {
				yield(storage.Info{}, err)
				return
			}
			if !yield(in, nil) {
				return
			}
		}
	}
}

func info(key string, b blob) storage.Info {
	return storage.Info{Key: key, Size: int64(len(b.data)), ModTime: b.modTime}
}

// reader is an open blob. Close is a no-op: the data is shared and immutable.
type reader struct {
	*bytes.Reader
	info storage.Info
}

func (r *reader) Close() error       { return nil }
func (r *reader) Info() storage.Info { return r.info }

// readAll is io.ReadAll that gives up once ctx is done.
func readAll(ctx context.Context, r io.Reader) ([]byte, error) {
	var buf bytes.Buffer
	chunk := make([]byte, 64<<10)
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		n, err := r.Read(chunk)
		buf.Write(chunk[:n])
		if err == io.EOF {
			return buf.Bytes(), nil
		}
		if err != nil {
			return nil, err
		}
	}
}
