package httpx

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"
)

// bodyResult is what the test handler saw of the request body.
type bodyResult struct {
	n      int
	err    error
	ctxErr error // the request context after the handler's post-body work
}

// idleServer serves a handler that reads the whole body, then (like a push
// committing its file) works for afterBody before looking at its context.
func idleServer(t *testing.T, idle, afterBody time.Duration) (addr string, results chan bodyResult) {
	t.Helper()
	results = make(chan bodyResult, 1)
	h := idleBodyMin(idle, 1024)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(r.Body)
		if err == nil {
			time.Sleep(afterBody)
		}
		results <- bodyResult{n: len(b), err: err, ctxErr: r.Context().Err()}
		w.WriteHeader(http.StatusNoContent)
	}))
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://"), results
}

// sendSlowly writes a request with a body of chunks × chunk bytes, one chunk
// every gap, and returns the connection for reading the answer.
func sendSlowly(t *testing.T, addr string, chunks, chunk int, gap time.Duration) net.Conn {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	fmt.Fprintf(conn, "PUT /upload HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n", chunks*chunk)
	go func() {
		for range chunks {
			time.Sleep(gap)
			if _, err := conn.Write(bytes.Repeat([]byte{'x'}, chunk)); err != nil {
				return // the server gave up on us
			}
		}
	}()
	return conn
}

func wait(t *testing.T, results chan bodyResult) bodyResult {
	t.Helper()
	select {
	case r := <-results:
		return r
	case <-time.After(30 * time.Second):
		t.Fatal("the handler is still reading: the stalled body was not cut off")
		return bodyResult{}
	}
}

func TestIdleBody(t *testing.T) {
	t.Run("a stalled body is cut off", func(t *testing.T) {
		addr, results := idleServer(t, 200*time.Millisecond, 0)
		// 10 bytes announced, 2 sent, then silence with the connection open.
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		fmt.Fprintf(conn, "PUT /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nab")
		r := wait(t, results)
		if !errors.Is(r.err, os.ErrDeadlineExceeded) {
			t.Fatalf("read error = %v, want a deadline error", r.err)
		}
		if !strings.Contains(r.err.Error(), "less than 1024 bytes in 200ms") {
			t.Errorf("read error %q does not say what happened", r.err)
		}
		if strings.Contains(r.err.Error(), "127.0.0.1") || strings.Contains(r.err.Error(), "tcp") {
			t.Errorf("read error %q names the connection", r.err)
		}
	})
	t.Run("a trickle is cut off", func(t *testing.T) {
		// A byte every 20 ms never stalls, but never brings 1024 bytes a window.
		addr, results := idleServer(t, 300*time.Millisecond, 0)
		sendSlowly(t, addr, 500, 1, 20*time.Millisecond)
		if r := wait(t, results); !errors.Is(r.err, os.ErrDeadlineExceeded) {
			t.Fatalf("read %d bytes, err %v; want a deadline error", r.n, r.err)
		}
	})
	t.Run("a slow but steady body is not", func(t *testing.T) {
		// Longer in all than the window, but every window brings enough.
		addr, results := idleServer(t, 600*time.Millisecond, 0)
		conn := sendSlowly(t, addr, 6, 2048, 150*time.Millisecond)
		r := wait(t, results)
		if r.err != nil || r.n != 6*2048 {
			t.Fatalf("read %d bytes, err %v; want %d, nil", r.n, r.err, 6*2048)
		}
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNoContent {
			t.Errorf("status = %d, want 204", resp.StatusCode)
		}
	})
	t.Run("work after the body outlives the window", func(t *testing.T) {
		// A large push fsyncs and catalogues after its last byte; the window
		// must not cancel the request meanwhile.
		addr, results := idleServer(t, 100*time.Millisecond, 400*time.Millisecond)
		conn := sendSlowly(t, addr, 1, 3, 0)
		r := wait(t, results)
		if r.err != nil || r.ctxErr != nil {
			t.Fatalf("read err %v, context err %v; want nil, nil", r.err, r.ctxErr)
		}
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	})
	t.Run("zero leaves the handler alone", func(t *testing.T) {
		h := http.NotFoundHandler()
		if got := IdleBody(0)(h); fmt.Sprintf("%p", got) != fmt.Sprintf("%p", h) {
			t.Errorf("IdleBody(0) wrapped the handler")
		}
	})
}
