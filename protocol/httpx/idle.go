package httpx

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"
)

// idleMinBytes is what a request body must bring in every idle window to earn
// the next one (or end within it): 64 KiB a minute is about 1 KiB/s, far below
// any honest link, far above a client trickling a byte now and then.
const idleMinBytes = 64 << 10

// IdleBody bounds a request body that stops moving: within every window of
// idle, the body must bring 64 KiB or end, or its next read fails with a
// timeout (which the upload reader turns into ErrBadUpload, so the push fails
// cleanly and its spool file is removed). The window moves on as the bytes
// come, so an honest large upload on a slow link is never cut off, while a
// client that stops sending without closing, or trickles a byte a second, is
// dropped after one window. http.Server's ReadTimeout cannot do this: it
// bounds the whole request, large uploads included. idle <= 0 returns the
// handler unchanged.
//
// It must wrap the server's root handler, so the ResponseWriter it sees is
// net/http's own (the one whose connection deadlines it can set).
func IdleBody(idle time.Duration) func(http.Handler) http.Handler {
	return idleBodyMin(idle, idleMinBytes)
}

func idleBodyMin(idle time.Duration, minBytes int64) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		if idle <= 0 {
			return next
		}
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Body != nil && r.Body != http.NoBody {
				r.Body = &idleBody{body: r.Body, rc: http.NewResponseController(w), idle: idle, min: minBytes}
			}
			next.ServeHTTP(w, r)
		})
	}
}

// idleBody moves the connection's read deadline forward as the body arrives.
type idleBody struct {
	body    io.ReadCloser
	rc      *http.ResponseController
	idle    time.Duration
	min     int64
	armed   bool  // a window is open
	inWin   int64 // bytes read in the current window
	done    bool  // the body ended or failed
	stopped bool  // the deadline cannot be set (not net/http's writer): read plainly
}

func (b *idleBody) Read(p []byte) (int, error) {
	if !b.done && !b.stopped && !b.armed {
		b.arm()
	}
	n, err := b.body.Read(p)
	if b.done {
		return n, err
	}
	if err != nil {
		// Never arm again: at the body's end net/http clears the deadline and
		// starts its connection watcher, which would take a later timeout for
		// a hang-up and cancel the request while the push commits.
		b.done = true
		if errors.Is(err, os.ErrDeadlineExceeded) {
			// Not the *net.OpError itself: its text names both socket addresses.
			err = fmt.Errorf("the client sent less than %d bytes in %s: %w", b.min, b.idle, os.ErrDeadlineExceeded)
		}
		return n, err
	}
	b.inWin += int64(n)
	if b.inWin >= b.min {
		b.armed = false // the next read opens a new window
	}
	return n, err
}

func (b *idleBody) arm() {
	if err := b.rc.SetReadDeadline(time.Now().Add(b.idle)); err != nil {
		b.stopped = true
		return
	}
	b.armed, b.inWin = true, 0
}

func (b *idleBody) Close() error { return b.body.Close() }
