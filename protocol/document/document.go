package document

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"hash/fnv"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Document is a rendered answer: its bytes, its gzipped bytes and their ETags.
type Document struct {
	// Expires bounds how long a cached document is served; 0 leaves it to
	// the stamp alone.
	Expires time.Duration

	stamp       string
	made        time.Time
	contentType string
	body        []byte
	length      string // Content-Length of body
	etag        string
	sum         uint64 // of body, for the ETags

	// The gzipped form: made by New, or by the first Serve to a client that
	// accepts it when lazy is set (NewLazy). gz is nil when not worth it.
	lazy     *Gzipper
	gzOnce   sync.Once
	gz       []byte
	gzLength string
	gzETag   string
}

// size is what the document takes in memory, as a cache counts it. A lazy
// document counts the most its gzipped form can take, from the start: the
// count cannot change while a cache holds it.
func (d *Document) size() int64 {
	n := int64(len(d.body) + len(d.stamp) + 160)
	if d.lazy != nil {
		return n + maxGzipped(len(d.body))
	}
	return n + int64(len(d.gz))
}

// maxGzipped bounds gzip's output for n bytes of input: deflate falls back
// to stored blocks of up to 64 KiB, 5 bytes of header each, and gzip adds
// 18 bytes of its own.
func maxGzipped(n int) int64 { return int64(n + 5*(n/65535+1) + 18) }

// New renders a document's ETags, and its gzipped form when compress is set
// and the body is big enough to gain from it. stamp names the data it was
// rendered from ("" for a document that is never cached).
func New(stamp string, body []byte, contentType string, compress bool) *Document {
	d := newDocument(stamp, body, contentType)
	if compress {
		zw, _ := gzip.NewWriterLevel(nil, gzip.BestSpeed) // level is valid: no error
		d.compress(zw)
	}
	return d
}

func newDocument(stamp string, body []byte, contentType string) *Document {
	h := fnv.New64a()
	h.Write(body)
	sum := h.Sum64()
	return &Document{
		stamp: stamp, made: time.Now(), contentType: contentType,
		body: body, length: strconv.Itoa(len(body)), etag: fmt.Sprintf(`"%x"`, sum), sum: sum,
	}
}

// compress makes the gzipped form with zw, if the body is big enough to
// gain from it.
func (d *Document) compress(zw *gzip.Writer) {
	if len(d.body) <= 256 {
		return
	}
	var buf bytes.Buffer
	zw.Reset(&buf)
	zw.Write(d.body)
	zw.Close()
	d.gz = buf.Bytes()
	d.gzLength = strconv.Itoa(len(d.gz))
	d.gzETag = fmt.Sprintf(`"%x-gz"`, d.sum)
}

// gzipped is the gzipped body, nil when it has none; a lazy document
// compresses it now, once.
func (d *Document) gzipped() []byte {
	if d.lazy != nil {
		d.gzOnce.Do(func() {
			zw := d.lazy.writer()
			d.compress(zw)
			d.lazy.writers.Put(zw)
		})
	}
	return d.gz
}

// Gzipper makes documents that are compressed only when a client asks for
// them gzipped, with recycled writers. A search answer is rarely asked for
// twice: compressing it up front cost as much CPU as the search (issue 23),
// and each new gzip writer allocates about half a MiB. The zero value is
// ready to use.
type Gzipper struct {
	writers sync.Pool // *gzip.Writer at BestSpeed
}

func (z *Gzipper) writer() *gzip.Writer {
	if zw, ok := z.writers.Get().(*gzip.Writer); ok {
		return zw
	}
	zw, _ := gzip.NewWriterLevel(nil, gzip.BestSpeed) // level is valid: no error
	return zw
}

// NewLazy is New with compress set, except that the body is compressed the
// first time Serve sends it to a client that accepts gzip, not before.
func (z *Gzipper) NewLazy(stamp string, body []byte, contentType string) *Document {
	d := newDocument(stamp, body, contentType)
	d.lazy = z
	return d
}

// GenerationStamp is the stamp of a document rendered at a generation of the
// feed, the counter every change moves: such a document is current for
// exactly as long as the counter stays where it was.
func GenerationStamp(generation uint64) string {
	return "g" + strconv.FormatUint(generation, 10)
}

// Cache maps keys to rendered documents, bounded in bytes; when full it drops
// arbitrary entries (map order), which is enough for a cache of hot documents.
// A zero limit turns it off.
type Cache struct {
	mu    sync.RWMutex
	docs  map[string]*Document
	bytes int64
	limit int64
}

// NewCache returns a cache holding up to limit bytes of documents.
func NewCache(limit int64) *Cache {
	return &Cache{docs: make(map[string]*Document), limit: limit}
}

// Get returns the document under key if it was rendered from stamp and is fresh.
func (c *Cache) Get(key, stamp string) *Document {
	if c.limit <= 0 {
		return nil
	}
	c.mu.RLock()
	d := c.docs[key]
	c.mu.RUnlock()
	if d == nil || d.stamp != stamp || d.Expires > 0 && time.Since(d.made) > d.Expires {
		return nil
	}
	return d
}

// Bytes is what the documents the cache holds take, as it counts them.
func (c *Cache) Bytes() int64 {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.bytes
}

// Put stores d under key; a document over a quarter of the limit is not kept.
func (c *Cache) Put(key string, d *Document) {
	if c.limit <= 0 || d.size() > c.limit/4 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if old := c.docs[key]; old != nil {
		delete(c.docs, key) // out of the map first, or the loop below could count it out twice
		c.bytes -= old.size()
	}
	for k, old := range c.docs {
		if c.bytes+d.size() <= c.limit {
			break
		}
		delete(c.docs, k)
		c.bytes -= old.size()
	}
	c.docs[key] = d
	c.bytes += d.size()
}

// Serve writes a document: gzipped when the client accepts it (NuGet clients
// always do), 304 when the client's ETag still matches, a byte range of the
// uncompressed body when one is asked for. vary names the request headers
// the answer depends on.
func Serve(w http.ResponseWriter, r *http.Request, d *Document, cacheControl, vary string) {
	body, length, etag := d.body, d.length, d.etag
	hdr := w.Header()
	hdr.Set("Content-Type", d.contentType)
	hdr.Set("Cache-Control", cacheControl)
	hdr.Set("Vary", vary)
	if r.Header.Get("Range") != "" {
		// A range is of the plain body: ranges of a gzip stream would change
		// with the compressor, and no NuGet client asks for one.
		hdr.Set("ETag", etag)
		http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(body))
		return
	}
	hdr.Set("Accept-Ranges", "bytes")
	if AcceptsGzip(r.Header.Get("Accept-Encoding")) && d.gzipped() != nil {
		body, length, etag = d.gz, d.gzLength, d.gzETag
		hdr.Set("Content-Encoding", "gzip")
	}
	hdr.Set("ETag", etag)
	if inm := r.Header.Get("If-None-Match"); inm != "" && etagMatches(inm, etag) {
		hdr.Del("Content-Encoding")
		w.WriteHeader(http.StatusNotModified)
		return
	}
	hdr.Set("Content-Length", length)
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
}

// AcceptsGzip reads Accept-Encoding: gzip (or x-gzip) listed without q=0.
func AcceptsGzip(header string) bool {
	for _, part := range strings.Split(header, ",") {
		coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		coding = strings.ToLower(strings.TrimSpace(coding))
		if coding != "gzip" && coding != "x-gzip" {
			continue
		}
		q := strings.ReplaceAll(strings.ToLower(params), " ", "")
		return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
	}
	return false
}

func etagMatches(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == etag || t == "*" {
			return true
		}
	}
	return false
}
