package feed

import (
	"context"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"os"
	"sync"

	"github.com/feedserver/feedserver/storage"
)

// spoolChunk is the unit of copying and hashing: large enough that the
// per-chunk goroutine hand-off costs nothing, small enough to stay in cache.
const spoolChunk = 1 << 20

// parallelHashMin is the chunk size from which the side hashes run on their
// own goroutines; most NuGet packages are smaller and are hashed inline.
const parallelHashMin = 256 << 10

// spooled is an uploaded file on local disk, hashed while it was written.
type spooled struct {
	file   *os.File
	size   int64
	sha512 string // base64, as NuGet reports it
	sha1   string // lowercase hex, as Octopus reports it
	sha256 string // lowercase hex
}

// remove deletes the temporary file; it is a no-op after the file was moved.
func (s *spooled) remove() {
	name := s.file.Name()
	s.file.Close()
	os.Remove(name)
}

// tempDir is where uploads are spooled: beside the store when it can take the
// file by rename, so a push is written to disk once.
func (f *Feed) tempDir() string {
	if m, ok := f.store.(storage.Mover); ok {
		return m.TempDir()
	}
	return os.TempDir()
}

// spool copies r to a temporary file while computing the three hashes the
// protocols report, enforcing the size limit as it streams. The hashes run
// on their own goroutines chunk by chunk, so one upload can use both cores.
func (f *Feed) spool(ctx context.Context, r io.Reader, protocol string) (_ *spooled, err error) {
	file, err := os.CreateTemp(f.tempDir(), ".push-*")
	if err != nil {
		return nil, fmt.Errorf("create spool file: %w", err)
	}
	s := &spooled{file: file}
	defer func() {
		if err != nil {
			s.remove()
		}
	}()

	limit := f.opts.MaxPackageSize
	h512, h1, h256 := sha512.New(), sha1.New(), sha256.New()
	side := []hash.Hash{h1, h256}
	buf := f.spoolBuffer()
	defer f.spoolBufs.Put(buf)
	received := f.metrics.bytesReceived.WithLabelValues(protocol)
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		n, rerr := io.ReadFull(r, *buf)
		if n > 0 {
			s.size += int64(n)
			if limit > 0 && s.size > limit {
				return nil, fmt.Errorf("%w: the package is larger than the limit of %d bytes", ErrTooLarge, limit)
			}
			received.Add(float64(n))
			chunk := (*buf)[:n]
			var wg sync.WaitGroup
			for _, h := range side {
				if n < parallelHashMin {
					h.Write(chunk) // a goroutine costs more than hashing a small chunk
					continue
				}
				wg.Add(1)
				go func() { defer wg.Done(); h.Write(chunk) }()
			}
			h512.Write(chunk)
			_, werr := file.Write(chunk)
			wg.Wait()
			if werr != nil {
				return nil, fmt.Errorf("write spool file: %w", werr)
			}
		}
		if rerr == io.EOF || rerr == io.ErrUnexpectedEOF {
			break
		}
		if rerr != nil {
			return nil, fmt.Errorf("read upload: %w", rerr)
		}
	}
	// No fsync here: committing the file (storage Move or Put) syncs it once.
	s.sha512 = base64.StdEncoding.EncodeToString(h512.Sum(nil))
	s.sha1 = hex.EncodeToString(h1.Sum(nil))
	s.sha256 = hex.EncodeToString(h256.Sum(nil))
	return s, nil
}

// spoolBuffer returns a spoolChunk-sized buffer from the pool.
func (f *Feed) spoolBuffer() *[]byte {
	if b, ok := f.spoolBufs.Get().(*[]byte); ok {
		return b
	}
	b := make([]byte, spoolChunk)
	return &b
}

// hashReader computes the hashes of a stored blob during the re-index.
func hashReader(r io.Reader) (sha512b64, sha1hex, sha256hex string, size int64, err error) {
	h512, h1, h256 := sha512.New(), sha1.New(), sha256.New()
	size, err = io.Copy(io.MultiWriter(h512, h1, h256), r)
	if err != nil {
		return "", "", "", 0, err
	}
	return base64.StdEncoding.EncodeToString(h512.Sum(nil)), hex.EncodeToString(h1.Sum(nil)), hex.EncodeToString(h256.Sum(nil)), size, nil
}
