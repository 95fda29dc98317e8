package main

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/feedserver/feedserver/protocol/httpx"
)

// logFlushDelay bounds how long a buffered log line waits for its write.
const logFlushDelay = 100 * time.Millisecond

// logBuffer batches the server's log writes: one write(2) per access-log line
// cost the busiest endpoints several percent of their throughput. An access
// log line reaches the output at most logFlushDelay later; every other record
// flushes at once (see flushingHandler), and Flush empties it on exit.
type logBuffer struct {
	mu    sync.Mutex
	out   io.Writer
	w     *bufio.Writer
	timer *time.Timer // set while unflushed lines wait
}

func newLogBuffer(out io.Writer) *logBuffer {
	return &logBuffer{out: out, w: bufio.NewWriterSize(out, 64<<10)}
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	n, err := b.w.Write(p)
	if err != nil {
		b.w.Reset(b.out) // a bufio.Writer fails for good after one error; lose this batch, not every later line
	}
	if b.timer == nil && b.w.Buffered() > 0 {
		b.timer = time.AfterFunc(logFlushDelay, func() { b.Flush() })
	}
	return n, err
}

// Flush writes what is buffered now.
func (b *logBuffer) Flush() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.timer != nil {
		b.timer.Stop()
		b.timer = nil
	}
	err := b.w.Flush()
	if err != nil {
		b.w.Reset(b.out)
	}
	return err
}

// flushingHandler flushes the buffer after every record but the access log's
// ordinary lines: warnings, errors and the server's own messages (listening,
// re-index finished, ...) are rare, and scripts and people wait for them.
type flushingHandler struct {
	slog.Handler
	buf *logBuffer
}

func (h flushingHandler) Handle(ctx context.Context, r slog.Record) error {
	err := h.Handler.Handle(ctx, r)
	if r.Level >= slog.LevelWarn || r.Message != httpx.AccessLogMessage {
		h.buf.Flush()
	}
	return err
}

func (h flushingHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return flushingHandler{h.Handler.WithAttrs(attrs), h.buf}
}

func (h flushingHandler) WithGroup(name string) slog.Handler {
	return flushingHandler{h.Handler.WithGroup(name), h.buf}
}
