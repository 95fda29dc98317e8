package v3

import (
	"encoding/binary"
	"encoding/json"
	"hash/fnv"
	"net/http"
	"strconv"
	"time"

	"github.com/feedserver/feedserver/index"
	"github.com/feedserver/feedserver/protocol/document"
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

// generationStamp is the stamp of the feed's current generation, or "" when
// the feed does not count its changes.
func (h *Handler) generationStamp() string {
	if h.opts.Generation == nil {
		return ""
	}
	return document.GenerationStamp(h.opts.Generation())
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

// jsonType is the Content-Type of every document this package serves.
const jsonType = "application/json; charset=utf-8"

// render marshals v into a document stamped stamp; compress keeps a gzip
// copy beside it (for documents the cache keeps).
func render(stamp string, v any, compress bool) (*document.Document, error) {
	body, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return document.New(stamp, body, jsonType, compress), nil
}

// serve writes a document; the URLs inside depend on the host and proxy
// headers when no public URL is configured, hence the Vary.
func (h *Handler) serve(w http.ResponseWriter, r *http.Request, d *document.Document) {
	document.Serve(w, r, d, h.fam.ListCacheControl(), "Accept-Encoding, Host, X-Forwarded-Host, X-Forwarded-Proto")
}
