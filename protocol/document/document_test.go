package document_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/feedserver/feedserver/protocol/document"
)

func TestAcceptsGzip(t *testing.T) {
	for header, want := range map[string]bool{
		"":                      false,
		"gzip, deflate":         true, // NuGet clients
		"deflate, br":           false,
		"GZIP":                  true,
		"gzip;q=0":              false,
		"identity, gzip; q=0.5": true,
		"x-gzip":                true,
	} {
		if got := document.AcceptsGzip(header); got != want {
			t.Errorf("AcceptsGzip(%q) = %v, want %v", header, got, want)
		}
	}
}

func TestServe(t *testing.T) {
	big := []byte(`{"versions":["` + strings.Repeat("1.0.0\",\"", 100) + `2.0.0"]}`)
	small := []byte(`{"versions":["1.0.0"]}`)
	serve := func(d *document.Document, method string, header ...string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(method, "/x", nil)
		for i := 0; i+1 < len(header); i += 2 {
			r.Header.Set(header[i], header[i+1])
		}
		w := httptest.NewRecorder()
		document.Serve(w, r, d, "no-cache", "Accept-Encoding")
		return w
	}

	bigSize := strconv.Itoa(len(big))
	plain := serve(document.New("", big, "application/json", true), http.MethodGet)
	etag := plain.Header().Get("ETag")
	gz := serve(document.New("", big, "application/json", true), http.MethodGet, "Accept-Encoding", "gzip, deflate")
	gzETag := gz.Header().Get("ETag")
	var lazy document.Gzipper
	lazyGz := serve(lazy.NewLazy("", big, "application/json"), http.MethodGet, "Accept-Encoding", "gzip")
	if zr, err := gzip.NewReader(bytes.NewReader(lazyGz.Body.Bytes())); err != nil {
		t.Error(err)
	} else if got, err := io.ReadAll(zr); err != nil || !bytes.Equal(got, big) {
		t.Errorf("lazy gzip: %v, %q", err, got)
	}
	zr, err := gzip.NewReader(gz.Body)
	if err != nil {
		t.Fatal(err)
	}
	unzipped, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name                 string
		got                  *httptest.ResponseRecorder
		status               int
		body                 []byte
		encoding, etag, size string
	}{
		{"plain", plain, 200, big, "", etag, bigSize},
		{"gzip accepted", gz, 200, nil, "gzip", gzETag, gz.Header().Get("Content-Length")},
		{"small bodies are not compressed", serve(document.New("", small, "application/json", true), http.MethodGet, "Accept-Encoding", "gzip"), 200, small, "", "", "22"},
		{"compress off", serve(document.New("", big, "application/json", false), http.MethodGet, "Accept-Encoding", "gzip"), 200, big, "", etag, bigSize},
		{"HEAD", serve(document.New("", big, "application/json", true), http.MethodHead), 200, []byte{}, "", etag, bigSize},
		{"ETag matches", serve(document.New("", big, "application/json", true), http.MethodGet, "If-None-Match", `W/"other", `+etag), 304, []byte{}, "", etag, ""},
		{"gzip ETag matches", serve(document.New("", big, "application/json", true), http.MethodGet, "If-None-Match", gzETag, "Accept-Encoding", "gzip"), 304, []byte{}, "", gzETag, ""},
		{"the plain ETag does not match the gzipped form", serve(document.New("", big, "application/json", true), http.MethodGet, "If-None-Match", etag, "Accept-Encoding", "gzip"), 200, nil, "gzip", gzETag, gz.Header().Get("Content-Length")},
		{"a range is of the plain body", serve(document.New("", big, "application/json", true), http.MethodGet, "Range", "bytes=2-11", "Accept-Encoding", "gzip"), 206, big[2:12], "", etag, "10"},
		{"a suffix range", serve(document.New("", big, "application/json", true), http.MethodGet, "Range", "bytes=-3"), 206, big[len(big)-3:], "", etag, "3"},
		{"If-Range with the current ETag", serve(document.New("", big, "application/json", true), http.MethodGet, "Range", "bytes=0-0", "If-Range", etag), 206, big[:1], "", etag, "1"},
		{"If-Range with a stale ETag gets the whole body", serve(document.New("", big, "application/json", true), http.MethodGet, "Range", "bytes=0-0", "If-Range", `"stale"`), 200, big, "", etag, bigSize},
		// A lazy document is the same on the wire; it compresses when first asked.
		{"lazy, plain", serve(lazy.NewLazy("", big, "application/json"), http.MethodGet), 200, big, "", etag, bigSize},
		{"lazy, gzip accepted", lazyGz, 200, nil, "gzip", gzETag, gz.Header().Get("Content-Length")},
		{"lazy, gzip ETag matches", serve(lazy.NewLazy("", big, "application/json"), http.MethodGet, "If-None-Match", gzETag, "Accept-Encoding", "gzip"), 304, []byte{}, "", gzETag, ""},
		{"lazy, small bodies are not compressed", serve(lazy.NewLazy("", small, "application/json"), http.MethodGet, "Accept-Encoding", "gzip"), 200, small, "", "", "22"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := tc.got.Header()
			if tc.got.Code != tc.status {
				t.Errorf("status %d, want %d", tc.got.Code, tc.status)
			}
			if tc.body != nil && !bytes.Equal(tc.got.Body.Bytes(), tc.body) {
				t.Errorf("body %q, want %q", tc.got.Body.Bytes(), tc.body)
			}
			if got := h.Get("Content-Encoding"); got != tc.encoding {
				t.Errorf("Content-Encoding %q, want %q", got, tc.encoding)
			}
			if tc.etag != "" && h.Get("ETag") != tc.etag {
				t.Errorf("ETag %q, want %q", h.Get("ETag"), tc.etag)
			}
			if got := h.Get("Content-Length"); got != tc.size {
				t.Errorf("Content-Length %q, want %q", got, tc.size)
			}
			if h.Get("Content-Type") != "application/json" || h.Get("Cache-Control") != "no-cache" || h.Get("Vary") != "Accept-Encoding" {
				t.Errorf("headers %v", h)
			}
		})
	}
	if !bytes.Equal(unzipped, big) {
		t.Errorf("gzipped body unzips to %q", unzipped)
	}
	if got := plain.Header().Get("Accept-Ranges"); got != "bytes" {
		t.Errorf("Accept-Ranges %q, want bytes", got)
	}
	part := serve(document.New("", big, "application/json", true), http.MethodGet, "Range", "bytes=2-11")
	if got, want := part.Header().Get("Content-Range"), "bytes 2-11/"+bigSize; got != want {
		t.Errorf("Content-Range %q, want %q", got, want)
	}
	if got := serve(document.New("", big, "application/json", true), http.MethodGet, "Range", "bytes=99999-"); got.Code != http.StatusRequestedRangeNotSatisfiable {
		t.Errorf("a range past the end: %d, want 416", got.Code)
	}
	if etag == "" || gzETag == "" || etag == gzETag {
		t.Errorf("ETags %q and %q: want two different ones", etag, gzETag)
	}
}

func TestCache(t *testing.T) {
	doc := func(stamp string, n int) *document.Document {
		return document.New(stamp, bytes.Repeat([]byte("x"), n), "application/json", false)
	}
	c := document.NewCache(4 << 10)
	a := doc("g1", 100)
	c.Put("a", a)
	if got := c.Get("a", "g1"); got != a {
		t.Errorf("Get(a, g1) = %p, want the stored %p", got, a)
	}
	if got := c.Get("a", "g2"); got != nil {
		t.Error("Get with another stamp returned a document")
	}
	if got := c.Get("b", "g1"); got != nil {
		t.Error("Get of a missing key returned a document")
	}

	old := doc("g1", 100)
	old.Expires = time.Nanosecond
	c.Put("old", old)
	time.Sleep(time.Millisecond)
	if c.Get("old", "g1") != nil {
		t.Error("an expired document was served")
	}

	c.Put("huge", doc("g1", 2<<10)) // over a quarter of the limit
	if c.Get("huge", "g1") != nil {
		t.Error("a document over a quarter of the limit was kept")
	}
	for i := range 100 { // ten times the limit: older entries go
		c.Put(string(rune('A'+i)), doc("g1", 300))
	}
	kept := 0
	for i := range 100 {
		if c.Get(string(rune('A'+i)), "g1") != nil {
			kept++
		}
	}
	if kept == 0 || kept*(300+160) > 4<<10 {
		t.Errorf("%d documents of about 460 bytes kept in a 4 KiB cache", kept)
	}

	off := document.NewCache(0)
	off.Put("a", a)
	if off.Get("a", "g1") != nil {
		t.Error("a disabled cache served a document")
	}
}

// FuzzAcceptsGzip: any Accept-Encoding value is read without a panic, and a
// plain "gzip" in front always counts.
func FuzzAcceptsGzip(f *testing.F) {
	f.Add("gzip, deflate")
	f.Add("br;q=1.0, gzip;q=0.8, *;q=0.1")
	f.Add("gzip;q=0")
	f.Fuzz(func(t *testing.T, header string) {
		_ = document.AcceptsGzip(header)
		if !document.AcceptsGzip("gzip, " + header) {
			t.Fatalf("AcceptsGzip(%q) = false", "gzip, "+header)
		}
	})
}
