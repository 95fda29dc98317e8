package s3

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/feedserver/feedserver/storage"
)

// precheck asks the store, before a commit uploads anything, whether key may
// be written, and returns the error that refuses it:
//
//   - storage.ErrConflict for a key that lies below a blob ("a/b/c" while
//     "a/b" is stored) or is a parent of blobs ("a" while "a/b" is stored),
//     like every driver: AWS S3 would hold both, a filesystem cannot, and a
//     store that can always be copied into a folder (or served by a gateway
//     that keeps objects as files, which refuses them itself) keeps that;
//   - storage.ErrExists, for a create-only commit, when the key holds a blob:
//     a duplicate is refused before its bytes are sent.
//
// It asks about each parent and the key (HEAD) and for one key below (a
// listing) at once, so it costs one round trip. A parent below which this
// store committed a key in the last folderTTL is known to be a folder and
// not asked about again: a push into an id's folder asks only for the
// listing.
//
// The checks and the write are separate requests. For create-only commits
// If-None-Match decides a race. For conflicts, two writers racing to make
// "a/b" and "a/b/c" could both succeed on AWS; feed's layout never writes a
// key that is a parent of another, so the check guards against mistakes
// and hand-made keys, not races.
func (s *Store) precheck(ctx context.Context, key string, createOnly bool) error {
	var parents []string
	for i := strings.IndexByte(key, '/'); i >= 0; i = next(key, i) {
		if !s.folders.known(key[:i]) {
			parents = append(parents, key[:i])
		}
	}
	errs := make([]error, len(parents)+2)
	var wg sync.WaitGroup
	for i, p := range parents {
		wg.Go(func() {
			if ok, err := s.exists(ctx, p); err != nil || ok {
				errs[i] = either(err, fmt.Errorf("s3: %q: %w: %q is a blob", key, storage.ErrConflict, p))
			}
		})
	}
	wg.Go(func() {
		for in, err := range s.list(ctx, key+"/", 1) {
			errs[len(parents)] = either(err, fmt.Errorf("s3: %q: %w: it is a parent of %q", key, storage.ErrConflict, in.Key))
		}
	})
	if createOnly {
		wg.Go(func() {
			if ok, err := s.exists(ctx, key); err != nil || ok {
				errs[len(parents)+1] = either(err, fmt.Errorf("s3: commit %q: %w", key, storage.ErrExists))
			}
		})
	}
	wg.Wait()
	var first error
	for _, err := range errs {
		if errors.Is(err, storage.ErrConflict) || errors.Is(err, storage.ErrExists) {
			return err
		}
		if first == nil {
			first = err
		}
	}
	return first
}

// exists reports whether key holds a blob.
func (s *Store) exists(ctx context.Context, key string) (bool, error) {
	_, err := s.client.StatObject(ctx, s.bucket, s.object(key), minio.StatObjectOptions{})
	if err == nil {
		return true, nil
	}
	if err = s.fail("stat", key, err); errors.Is(err, storage.ErrNotFound) {
		return false, nil
	}
	return false, err
}

// either is err if there is one, else found.
func either(err, found error) error {
	if err != nil {
		return err
	}
	return found
}

// next is the index of the slash after the one at i in key, or -1.
func next(key string, i int) int {
	j := strings.IndexByte(key[i+1:], '/')
	if j < 0 {
		return -1
	}
	return i + 1 + j
}

// folderTTL is how long a parent of a committed key is taken to be a folder
// without asking the store. Only another process (or a hand) could make it
// a blob meanwhile, which is the mistake the check is for, not a race it
// can stop.
const folderTTL = time.Minute

// maxFolders bounds the folder cache; past it the cache starts afresh.
const maxFolders = 10000

// folders remembers the parents of the keys this store committed.
type folders struct {
	mu   sync.Mutex
	seen map[string]time.Time // parent → when it was last seen to be one
}

// known reports whether p is a folder seen within folderTTL.
func (f *folders) known(p string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	t, ok := f.seen[p]
	return ok && time.Since(t) < folderTTL
}

// committed records that key is a blob and its parents are folders.
func (f *folders) committed(key string) {
	now := time.Now()
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.seen == nil || len(f.seen) > maxFolders {
		f.seen = map[string]time.Time{}
	}
	delete(f.seen, key)
	for i := strings.IndexByte(key, '/'); i >= 0; i = next(key, i) {
		f.seen[key[:i]] = now
	}
}
