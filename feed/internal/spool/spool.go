package spool

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
	"sync"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/feedserver/feedserver/feed/internal/fault"
	"github.com/feedserver/feedserver/storage"
)

// spoolChunk is the unit of copying and hashing: large enough that the
// per-chunk hand-off between goroutines costs nothing, small enough to stay
// in cache. The filesystem driver writes whole chunks of it past the page
// cache (O_DIRECT); the pool's buffers of this size are page-aligned.
const spoolChunk = 1 << 20

// spoolDepth is how many chunks a large upload has in flight: one being read
// while the others are hashed and written.
const spoolDepth = 3

// Upload is an upload, hashed while it was staged in the store. A hash that
// was not asked for is "".
type Upload struct {
	Staged storage.Staged
	Size   int64
	SHA512 string // base64, as NuGet reports it
	SHA1   string // lowercase hex, as Octopus reports it
	SHA256 string // lowercase hex
}

// Hashes names the digests to compute. Each costs a full pass over the
// bytes (SHA-512 runs at about 750 MiB/s here), so only those a protocol
// reports are computed.
type Hashes uint8

const (
	SHA512 Hashes = 1 << iota // NuGet's packageHash
	SHA1                      // Octopus' Hash, for every package
	SHA256                    // generic packages' content address
)

// Options configures a Spooler.
type Options struct {
	// MaxSize caps an upload in bytes; 0 means no limit.
	MaxSize int64
	// Received counts the bytes received, by protocol (feedserver_received_bytes_total);
	// nil counts them nowhere.
	Received *prometheus.CounterVec
}

// Spooler stages uploads in one store. It is safe for concurrent use.
type Spooler struct {
	store    storage.Store
	maxSize  int64
	received *prometheus.CounterVec

	// bufs recycles the copy buffers: allocating and zeroing 1 MiB per push
	// was most of a small push's CPU time and its garbage.
	bufs sync.Pool
}

// New returns a Spooler over store.
func New(store storage.Store, opts Options) *Spooler {
	received := opts.Received
	if received == nil {
		received = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "unregistered_received_bytes_total"}, []string{"protocol"})
	}
	return &Spooler{store: store, maxSize: opts.MaxSize, received: received}
}

// digests computes the hashes of one set as the bytes stream by.
type digests struct {
	sha512, sha1, sha256 hash.Hash
}

func newDigests(set Hashes) digests {
	var d digests
	if set&SHA512 != 0 {
		d.sha512 = sha512.New()
	}
	if set&SHA1 != 0 {
		d.sha1 = sha1.New()
	}
	if set&SHA256 != 0 {
		d.sha256 = sha256.New()
	}
	return d
}

// writers lists the hashes to feed.
func (d digests) writers() []io.Writer {
	var ws []io.Writer
	for _, h := range []hash.Hash{d.sha512, d.sha1, d.sha256} {
		if h != nil {
			ws = append(ws, h)
		}
	}
	return ws
}

// sums returns SHA-512 in base64 and the others in lowercase hex; "" for
// those not computed.
func (d digests) sums() (sha512b64, sha1hex, sha256hex string) {
	if d.sha512 != nil {
		sha512b64 = base64.StdEncoding.EncodeToString(d.sha512.Sum(nil))
	}
	if d.sha1 != nil {
		sha1hex = hex.EncodeToString(d.sha1.Sum(nil))
	}
	if d.sha256 != nil {
		sha256hex = hex.EncodeToString(d.sha256.Sum(nil))
	}
	return sha512b64, sha1hex, sha256hex
}

// Discard aborts the stage; it does nothing once the stage was committed.
// An error is left to the store's start-up sweep.
func (u *Upload) Discard() {
	_ = u.Staged.Abort()
}

// Spool stages r in the store while computing the hashes of set, enforcing
// the size limit as it streams. An upload that fits in one chunk (most NuGet
// packages) is hashed and written inline; a larger one goes through a
// pipeline where reading, each hash and the store's write run on their own
// goroutines, so one upload can use every core. Whether the bytes are kept
// in memory or written to disk is the store's choice (the filesystem keeps
// up to 256 KiB in memory, so a duplicate push never touches the disk).
func (sp *Spooler) Spool(ctx context.Context, r io.Reader, protocol string, set Hashes) (_ *Upload, err error) {
	staged, err := sp.store.Stage(ctx)
	if err != nil {
		return nil, fmt.Errorf("stage upload: %w", err)
	}
	u := &Upload{Staged: staged}
	defer func() {
		if err != nil {
			u.Discard()
		}
	}()

	d := newDigests(set)
	received := sp.received.WithLabelValues(protocol)
	var p *pipeline
	defer func() {
		if p != nil {
			if err != nil {
				p.fail(err) // the lanes skip what is still queued
			}
			if perr := p.close(); err == nil && perr != nil {
				err = perr
			}
		}
	}()
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if p != nil {
			if err := p.err(); err != nil {
				return nil, err
			}
		}
		buf := sp.buffer()
		n, rerr := io.ReadFull(r, *buf)
		if n > 0 {
			u.Size += int64(n)
			if limit := sp.maxSize; limit > 0 && u.Size > limit {
				sp.bufs.Put(buf)
				return nil, fmt.Errorf("%w: the package is larger than the limit of %d bytes", fault.ErrTooLarge, limit)
			}
			received.Add(float64(n))
		}
		last := rerr == io.EOF || rerr == io.ErrUnexpectedEOF
		switch {
		case n == 0:
			sp.bufs.Put(buf)
		case p == nil && last:
			// The whole upload is this one chunk: goroutines would cost more than they save.
			for _, w := range append(d.writers(), staged) {
				if _, err := w.Write((*buf)[:n]); err != nil {
					sp.bufs.Put(buf)
					return nil, fmt.Errorf("stage upload: %w", err)
				}
			}
			sp.bufs.Put(buf)
		default:
			if p == nil {
				p = sp.newPipeline(append(d.writers(), staged))
			}
			p.send(buf, n)
		}
		if last {
			break
		}
		if rerr != nil {
			return nil, fmt.Errorf("read upload: %w", rerr)
		}
	}
	if p != nil {
		err := p.close()
		p = nil
		if err != nil {
			return nil, fmt.Errorf("stage upload: %w", err)
		}
	}
	// No fsync here: committing the stage syncs it once.
	if err := staged.Finish(); err != nil {
		return nil, fmt.Errorf("stage upload: %w", err)
	}
	u.SHA512, u.SHA1, u.SHA256 = d.sums()
	return u, nil
}

// pipeline feeds every chunk, in order, to one goroutine per sink. A
// chunk's buffer goes back to the pool once every sink has consumed it; the
// bounded channels keep at most about spoolDepth chunks in memory.
type pipeline struct {
	lanes   []chan chunkRef
	wg      sync.WaitGroup
	mu      sync.Mutex
	firstEr error
}

type chunkRef struct {
	buf  *[]byte
	n    int
	refs *atomic.Int32
}

func (sp *Spooler) newPipeline(sinks []io.Writer) *pipeline {
	p := &pipeline{}
	for _, w := range sinks {
		ch := make(chan chunkRef, spoolDepth-1)
		p.lanes = append(p.lanes, ch)
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			for c := range ch {
				if p.err() == nil {
					if _, err := w.Write((*c.buf)[:c.n]); err != nil {
						p.fail(err)
					}
				}
				if c.refs.Add(-1) == 0 {
					sp.bufs.Put(c.buf)
				}
			}
		}()
	}
	return p
}

func (p *pipeline) send(buf *[]byte, n int) {
	refs := new(atomic.Int32)
	refs.Store(int32(len(p.lanes)))
	for _, ch := range p.lanes {
		ch <- chunkRef{buf: buf, n: n, refs: refs}
	}
}

func (p *pipeline) fail(err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.firstEr == nil {
		p.firstEr = err
	}
}

func (p *pipeline) err() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.firstEr
}

// close waits for every sink to finish and reports the first failure.
func (p *pipeline) close() error {
	for _, ch := range p.lanes {
		close(ch)
	}
	p.wg.Wait()
	return p.err()
}

// buffer returns a spoolChunk-sized buffer from the pool.
func (sp *Spooler) buffer() *[]byte {
	if b, ok := sp.bufs.Get().(*[]byte); ok {
		return b
	}
	b := make([]byte, spoolChunk)
	return &b
}

// HashReader computes the hashes of a stored blob during the re-index.
func HashReader(r io.Reader, set Hashes) (sha512b64, sha1hex, sha256hex string, size int64, err error) {
	d := newDigests(set)
	size, err = io.Copy(io.MultiWriter(d.writers()...), r)
	if err != nil {
		return "", "", "", 0, err
	}
	sha512b64, sha1hex, sha256hex = d.sums()
	return sha512b64, sha1hex, sha256hex, size, nil
}
