package httpx

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"
)

// IdleBody bounds how long a request body may stall: each read of the body
// must bring bytes within idle, or it fails with a timeout (which the upload
// reader turns into ErrBadUpload, so the push fails cleanly and its spool file
// is removed). The window moves forward with every read, so an honest large
// upload on a slow link is never cut off, while a client that trickles a byte
// now and then, or stops sending without closing, is. http.Server's
// ReadTimeout cannot do this: it bounds the whole request, large uploads
// included. idle <= 0 returns the handler unchanged.
//
// It must wrap the server's root handler, so the ResponseWriter it sees is
// net/http's own (the one whose connection deadlines it can set).
func IdleBody(idle time.Duration) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		if idle <= 0 {
			return next
		}
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Body != nil && r.Body != http.NoBody {
				r.Body = &idleBody{body: r.Body, rc: http.NewResponseController(w), idle: idle}
			}
			next.ServeHTTP(w, r)
		})
	}
}

// idleBody pushes the connection's read deadline forward as the body is read.
type idleBody struct {
	body  io.ReadCloser
	rc    *http.ResponseController
	idle  time.Duration
	until time.Time // the deadline now set; zero when none is
	done  bool      // the body ended: no deadline any more
}

func (b *idleBody) Read(p []byte) (int, error) {
	if !b.done {
		// Re-arming on every 4 KiB read would be wasted work: move the
		// deadline only once a quarter of the window is used up.
		if now := time.Now(); b.until.Sub(now) < b.idle*3/4 {
			if err := b.rc.SetReadDeadline(now.Add(b.idle)); err == nil {
				b.until = now.Add(b.idle)
			}
		}
	}
	n, err := b.body.Read(p)
	if err != nil && !b.done {
		// Nothing more to wait for. A deadline left armed would fire during
		// the handler's remaining work, and net/http's connection watcher
		// (started at the body's end) would take it for a hang-up and cancel
		// the request's context.
		b.done = true
		if !b.until.IsZero() {
			_ = b.rc.SetReadDeadline(time.Time{})
		}
		if errors.Is(err, os.ErrDeadlineExceeded) {
			err = fmt.Errorf("the client sent no bytes for %s: %w", b.idle, err)
		}
	}
	return n, err
}

func (b *idleBody) Close() error { return b.body.Close() }
