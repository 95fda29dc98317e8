package v3

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/feedserver/feedserver/index"
)

// Why the cache cannot serve a stale document: every cached document carries
// the stamp of the data it was rendered from, and is served only to a request
// that computed the same stamp first.
//
//   - With a feed generation (Options.Generation), the stamp is the counter
//     read BEFORE the catalogue is read. A change committed meanwhile bumps
//     the counter after it commits, so the document is stored under the old
//     number and the next request, seeing the new one, renders afresh.
//   - Without it, a registration index is stamped with a signature of the
//     catalogue rows it shows (version, listed, published, hash, id casing);
//     each request reads the rows (one indexed SQLite query) and reuses the
//     rendered and compressed bytes only when the signature matches. Search
//     answers are then not cached at all: their inputs span the catalogue.
//
// Search answers also carry download counts, which change without a
// generation bump; they are kept searchTTL at most.
const searchTTL = 10 * time.Second

// document is a rendered answer: its bytes, gzipped bytes and ETags.
type document struct {
	stamp   string
	made    time.Time
	body    []byte
	gz      []byte // nil when not worth compressing
	etag    string
	gzETag  string
	expires time.Duration // 0 = only the stamp decides
}

func (d *document) size() int64 { return int64(len(d.body) + len(d.gz) + len(d.stamp) + 128) }

// newDocument renders the ETags (and the gzipped form when compress is set).
func newDocument(stamp string, body []byte, compress bool) *document {
	h := fnv.New64a()
	h.Write(body)
	sum := h.Sum64()
	d := &document{stamp: stamp, made: time.Now(), body: body, etag: fmt.Sprintf(`"%x"`, sum)}
	if compress && len(body) > 256 {
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed) // level is valid: no error
		zw.Write(body)
		zw.Close()
		d.gz = buf.Bytes()
		d.gzETag = fmt.Sprintf(`"%x-gz"`, sum)
	}
	return d
}

// cache maps keys to rendered documents, bounded in bytes; when full it drops
// arbitrary entries (map order), which is enough for a cache of hot documents.
type cache struct {
	mu      sync.RWMutex
	docs    map[string]*document
	bytes   int64
	limit   int64
	enabled bool
}

func newCache(limit int64) *cache {
	return &cache{docs: make(map[string]*document), limit: limit, enabled: limit > 0}
}

// get returns the document under key if it was rendered from stamp and is fresh.
func (c *cache) get(key, stamp string) *document {
	if !c.enabled {
		return nil
	}
	c.mu.RLock()
	d := c.docs[key]
	c.mu.RUnlock()
	if d == nil || d.stamp != stamp || d.expires > 0 && time.Since(d.made) > d.expires {
		return nil
	}
	return d
}

func (c *cache) put(key string, d *document) {
	if !c.enabled || d.size() > c.limit/4 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if old := c.docs[key]; old != nil {
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

// generationStamp is the stamp of the feed's current generation, or "" when
// the feed does not count its changes.
func (h *Handler) generationStamp() string {
	if h.opts.Generation == nil {
		return ""
	}
	return "g" + strconv.FormatUint(h.opts.Generation(), 10)
}

// signature stamps a list of catalogue rows with what a registration document shows of them.
func signature(entries []index.Entry) string {
	h := fnv.New64a()
	var n [8]byte
	for _, e := range entries {
		h.Write([]byte(e.ID))
		h.Write([]byte{0})
		h.Write([]byte(e.Version.Full()))
		h.Write([]byte{0})
		h.Write([]byte(e.SHA512))
		if e.Listed {
			h.Write([]byte{1})
		} else {
			h.Write([]byte{0})
		}
		binary.LittleEndian.PutUint64(n[:], uint64(e.Published.UnixNano()))
		h.Write(n[:])
	}
	return "s" + strconv.FormatUint(h.Sum64(), 16)
}

// serve writes a document: gzipped when the client accepts it (NuGet clients
// always do), 304 when the client's ETag still matches.
func serve(w http.ResponseWriter, r *http.Request, d *document, cacheControl string) {
	body, etag := d.body, d.etag
	hdr := w.Header()
	hdr.Set("Content-Type", "application/json; charset=utf-8")
	hdr.Set("Cache-Control", cacheControl)
	// The URLs inside depend on the host and proxy headers when no public URL is configured.
	hdr.Set("Vary", "Accept-Encoding, Host, X-Forwarded-Host, X-Forwarded-Proto")
	if d.gz != nil && acceptsGzip(r.Header.Get("Accept-Encoding")) {
		body, etag = d.gz, d.gzETag
		hdr.Set("Content-Encoding", "gzip")
	}
	hdr.Set("ETag", etag)
	if inm := r.Header.Get("If-None-Match"); inm != "" && etagMatches(inm, etag) {
		hdr.Del("Content-Encoding")
		w.WriteHeader(http.StatusNotModified)
		return
	}
	hdr.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
}

// acceptsGzip reads Accept-Encoding: gzip (or x-gzip) listed without q=0.
func acceptsGzip(header string) bool {
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
