package httpx

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"syscall"
	"testing"

	"github.com/feedserver/feedserver/auth"
	"github.com/feedserver/feedserver/feed"
)

// testFamily words every failure "class status: text" and notes what it was given.
func testFamily(log *bytes.Buffer) (*Family, *Failure) {
	var got Failure
	fam := &Family{
		Name:     "test",
		Log:      slog.New(slog.NewTextHandler(log, nil)),
		Statuses: map[Class]int{InvalidKey: http.StatusForbidden},
		Write: func(w http.ResponseWriter, r *http.Request, f *Failure) {
			got = *f
			WriteText(w, r, f.Status, fmt.Sprintf("%v %d: %s", f.Class, f.Status, f.Err))
		},
	}
	return fam, &got
}

func TestFamilyServe(t *testing.T) {
	var log bytes.Buffer
	fam, got := testFamily(&log)
	var seen error
	var drained bool
	serve := func(method string, h HandlerFunc) *httptest.ResponseRecorder {
		w := httptest.NewRecorder()
		r := httptest.NewRequest(method, "/", strings.NewReader("the rest of an upload"))
		// Begin gives the request its state: the access log's error and the request id.
		Begin(nil)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			fam.Serve(h).ServeHTTP(w, r)
			if s := stateOf(r.Context()); s != nil {
				seen = s.err
			}
			n, _ := r.Body.Read(make([]byte, 1))
			drained = n == 0
		})).ServeHTTP(w, r)
		return w
	}

	// A handler that answers is left alone.
	w := serve(http.MethodGet, func(w http.ResponseWriter, r *http.Request) error {
		w.WriteHeader(http.StatusTeapot)
		return nil
	})
	if w.Code != http.StatusTeapot || seen != nil || drained {
		t.Errorf("a handler that answered: %d, error %v, body drained %v", w.Code, seen, drained)
	}

	// A failure: the class's status, stale headers gone, the error recorded, no log for a client mistake.
	notFound := fmt.Errorf("%w: no such package", feed.ErrNotFound)
	w = serve(http.MethodGet, func(w http.ResponseWriter, r *http.Request) error {
		w.Header().Set("ETag", `"x"`)
		w.Header().Set("Content-Disposition", "attachment")
		w.Header().Set("DataServiceVersion", "2.0;") // not stale: it marks every answer
		return notFound
	})
	if w.Code != http.StatusNotFound || w.Body.String() != "NotFound 404: not found: no such package\n" ||
		w.Header().Get("ETag") != "" || w.Header().Get("Content-Disposition") != "" || w.Header().Get("DataServiceVersion") != "2.0;" {
		t.Errorf("not found: %d %q %v", w.Code, w.Body, w.Header())
	}
	if seen != notFound || log.Len() != 0 || !drained {
		t.Errorf("recorded %v, logged %q, body drained %v; want the error recorded, nothing logged, the body read",
			seen, log.String(), drained)
	}

	// A family's exception to a class's status.
	if w = serve(http.MethodPut, func(http.ResponseWriter, *http.Request) error { return auth.ErrInvalidKey }); w.Code != http.StatusForbidden {
		t.Errorf("invalid key with the family's exception: %d, want 403", w.Code)
	}

	// A server fault is logged, with the request id the client sees; its text
	// loses the path and socket addresses the client must not read.
	fault := fmt.Errorf("commit: %w", &os.PathError{Op: "rename", Path: "/data/packages/x", Err: syscall.EIO})
	w = serve(http.MethodPut, func(http.ResponseWriter, *http.Request) error { return fault })
	if w.Code != http.StatusInternalServerError || strings.Contains(w.Body.String(), "/data") ||
		!strings.Contains(log.String(), "test request failed") || !strings.Contains(log.String(), "/data/packages/x") ||
		got.RequestID == "" || !strings.Contains(log.String(), got.RequestID) {
		t.Errorf("server fault: %d %q, logged %q (request id %q)", w.Code, w.Body, log.String(), got.RequestID)
	}

	// HEAD: headers only.
	if w = serve(http.MethodHead, func(http.ResponseWriter, *http.Request) error { return notFound }); w.Code != http.StatusNotFound || w.Body.Len() != 0 {
		t.Errorf("HEAD: %d %q", w.Code, w.Body)
	}

	// A refusal's text reaches the family as is.
	serve(http.MethodGet, func(http.ResponseWriter, *http.Request) error {
		return fmt.Errorf("guard: %w", Refuse(NotFound, "The space Spaces-9 does not exist on this server."))
	})
	if got.Refused != "The space Spaces-9 does not exist on this server." || got.Class != NotFound {
		t.Errorf("refusal: %+v", got)
	}
}

func TestUploadRefusesADeclaredOversizeBody(t *testing.T) {
	body := strings.NewReader(strings.Repeat("x", 100<<10))
	r := httptest.NewRequest(http.MethodPut, "/", body)
	r.ContentLength = 1<<20 + uploadSlack + 1
	_, _, err := Upload(httptest.NewRecorder(), r, 1<<20)
	var tooBig *http.MaxBytesError
	if !errors.As(err, &tooBig) || classify(err) != TooLarge {
		t.Fatalf("Upload of a body declared over the limit: %v, want a MaxBytesError", err)
	}
	if body.Len() != 100<<10 {
		t.Errorf("Upload read %d bytes of a body it refused by its length", 100<<10-body.Len())
	}
	// Under the limit: the raw body is the file, read through the limit.
	r = httptest.NewRequest(http.MethodPut, "/", strings.NewReader(strings.Repeat("y", 2000)))
	file, _, err := Upload(httptest.NewRecorder(), r, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if n, err := io.Copy(io.Discard, file); err != nil || n != 2000 {
		t.Errorf("read %d bytes, err %v; want 2000 within the slack", n, err)
	}
}
