package s3

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/minio/minio-go/v7"

	"github.com/feedserver/feedserver/storage"
)

// readAtWindow is the least a ReadAt fetches: reading a package's nuspec
// takes several small reads near each other (the zip's end record, its
// directory, the entry), which one ranged GET then serves.
const readAtWindow = 64 << 10

var errClosed = errors.New("s3: blob: read after Close")

// blob is an open object. Open starts one GET of the whole object, which a
// download reads to its end. A Seek costs nothing until the next Read,
// which, if it is not where the current response is, starts a ranged GET
// from there; ReadAt fetches ranges of its own, and the last readAtWindow
// bytes that Read passed serve it without one. Every request after the
// first carries If-Match with the first's ETag, so a blob replaced while it
// is read fails the read instead of mixing two versions.
type blob struct {
	s    *Store
	ctx  context.Context
	key  string
	name string
	info storage.Info
	etag string

	body    io.ReadCloser // the current response, or nil
	bodyPos int64         // offset of body's next byte
	pos     int64         // offset of the next Read
	closed  bool
	tail    []byte // the blob's last readAtWindow bytes as Read passes them

	mu     sync.Mutex // guards the ReadAt window
	win    []byte
	winOff int64
}

func (s *Store) Open(ctx context.Context, key string) (storage.Blob, error) {
	if err := storage.ValidKey(key); err != nil {
		return nil, err
	}
	name := s.object(key)
	body, oi, _, err := s.core.GetObject(ctx, s.bucket, name, minio.GetObjectOptions{})
	if err != nil {
		return nil, s.fail("open", key, err)
	}
	return &blob{
		s: s, ctx: ctx, key: key, name: name, info: info(key, oi.Size, oi.LastModified), etag: oi.ETag, body: body,
	}, nil
}

func (b *blob) Info() storage.Info { return b.info }

func (b *blob) Read(p []byte) (int, error) {
	if b.closed {
		return 0, errClosed
	}
	if b.pos >= b.info.Size {
		return 0, io.EOF
	}
	if b.body != nil && b.bodyPos != b.pos {
		b.body.Close()
		b.body = nil
	}
	if b.body == nil {
		body, err := b.get(b.pos, -1)
		if err != nil {
			return 0, err
		}
		b.body, b.bodyPos = body, b.pos
	}
	n, err := b.body.Read(p)
	b.keepTail(p[:n], b.pos)
	b.pos += int64(n)
	b.bodyPos += int64(n)
	switch {
	case err == io.EOF && b.pos < b.info.Size:
		err = b.s.fail("read", b.key, io.ErrUnexpectedEOF)
	case err != nil && err != io.EOF:
		err = b.s.fail("read", b.key, err)
	}
	if err != nil {
		b.body.Close()
		b.body = nil
	}
	return n, err
}

// keepTail copies what Read returns of the blob's last readAtWindow bytes,
// read in order, and makes them the ReadAt window once complete: reading a
// package's zip directory after hashing the whole package (the re-index)
// then costs no second request.
func (b *blob) keepTail(p []byte, off int64) {
	start := max(0, b.info.Size-readAtWindow)
	if off+int64(len(p)) <= start {
		return
	}
	if off < start {
		p, off = p[start-off:], start
	}
	if off != start+int64(len(b.tail)) {
		b.tail = nil // a seek left a gap
		return
	}
	if b.tail == nil {
		b.tail = make([]byte, 0, b.info.Size-start)
	}
	b.tail = append(b.tail, p...)
	if int64(len(b.tail)) == b.info.Size-start {
		b.mu.Lock()
		b.win, b.winOff = b.tail, start
		b.mu.Unlock()
		b.tail = nil
	}
}

func (b *blob) Seek(offset int64, whence int) (int64, error) {
	if b.closed {
		return 0, errClosed
	}
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		offset += b.pos
	case io.SeekEnd:
		offset += b.info.Size
	default:
		return 0, fmt.Errorf("s3: seek %q: whence %d", b.key, whence)
	}
	if offset < 0 {
		return 0, fmt.Errorf("s3: seek %q: negative position %d", b.key, offset)
	}
	b.pos = offset
	return offset, nil
}

// ReadAt reads with ranged GETs of at least readAtWindow bytes, keeping the
// last one, so the small reads of a zip's end and directory cost one
// request.
func (b *blob) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, fmt.Errorf("s3: read %q: negative offset %d", b.key, off)
	}
	if off >= b.info.Size {
		return 0, io.EOF
	}
	want := min(int64(len(p)), b.info.Size-off)
	b.mu.Lock()
	win, winOff := b.win, b.winOff
	b.mu.Unlock()
	if off < winOff || off+want > winOff+int64(len(win)) {
		// Near the end the window reaches back: a zip is read from its end
		// record backwards to its directory.
		length := max(want, readAtWindow)
		start := max(0, min(off, b.info.Size-length))
		var err error
		win, winOff, err = b.fetch(start, length)
		if err != nil {
			return 0, err
		}
	}
	n := copy(p, win[off-winOff:])
	if int64(n) > want {
		n = int(want)
	}
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// fetch reads up to length bytes at off (fewer at the end of the blob) and
// keeps them as the ReadAt window.
func (b *blob) fetch(off, length int64) ([]byte, int64, error) {
	length = min(length, b.info.Size-off)
	body, err := b.get(off, length)
	if err != nil {
		return nil, 0, err
	}
	defer body.Close()
	buf := make([]byte, length)
	if _, err := io.ReadFull(body, buf); err != nil {
		return nil, 0, b.s.fail("read", b.key, err)
	}
	b.mu.Lock()
	b.win, b.winOff = buf, off
	b.mu.Unlock()
	return buf, off, nil
}

// get starts a GET of length bytes at off (-1: to the end of the object),
// of the version Open saw.
func (b *blob) get(off, length int64) (io.ReadCloser, error) {
	if b.closed {
		return nil, errClosed
	}
	var opts minio.GetObjectOptions
	switch {
	case length >= 0:
		opts.SetRange(off, off+length-1)
	case off > 0:
		opts.SetRange(off, 0) // "bytes=off-"
	}
	if b.etag != "" {
		if err := opts.SetMatchETag(b.etag); err != nil {
			return nil, fmt.Errorf("s3: read %q: %w", b.key, err)
		}
	}
	body, _, _, err := b.s.core.GetObject(b.ctx, b.s.bucket, b.name, opts)
	if err != nil {
		err = b.s.fail("read", b.key, err)
		if errors.Is(err, storage.ErrExists) || errors.Is(err, storage.ErrNotFound) {
			// 412: the ETag no longer matches. Not a missing blob to the
			// caller, who has it open, but one that changed under it.
			return nil, fmt.Errorf("s3: read %q: the blob was replaced or deleted while it was read: %v", b.key, err)
		}
		return nil, err
	}
	return body, nil
}

func (b *blob) Close() error {
	if b.closed {
		return nil
	}
	b.closed = true
	if b.body != nil {
		err := b.body.Close()
		b.body = nil
		return err
	}
	return nil
}
