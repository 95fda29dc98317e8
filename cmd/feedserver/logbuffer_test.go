package main

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/feedserver/feedserver/protocol/httpx"
)

// syncBuffer is a bytes.Buffer safe for the flush timer's goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestLogBuffer(t *testing.T) {
	tests := []struct {
		name      string
		log       func(*slog.Logger)
		immediate bool // on the output before the flush delay
	}{
		{"access log line waits for the flush", func(l *slog.Logger) { l.Info(httpx.AccessLogMessage, "status", 200) }, false},
		{"other info is written at once", func(l *slog.Logger) { l.Info("re-index finished", "added", 3) }, true},
		{"access log error is written at once", func(l *slog.Logger) { l.Error(httpx.AccessLogMessage, "status", 500) }, true},
		{"warning is written at once", func(l *slog.Logger) { l.Warn("disk nearly full") }, true},
		{"error is written at once", func(l *slog.Logger) { l.Error("push failed") }, true},
		{"error of a derived logger is written at once", func(l *slog.Logger) { l.With("id", 1).WithGroup("g").Error("boom") }, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := &syncBuffer{}
			buf := newLogBuffer(out)
			log := slog.New(flushingHandler{slog.NewTextHandler(buf, nil), buf})
			tc.log(log)
			if got := out.String() != ""; got != tc.immediate {
				t.Fatalf("written at once = %v, want %v (output %q)", got, tc.immediate, out.String())
			}
			deadline := time.Now().Add(5 * time.Second)
			for out.String() == "" && time.Now().Before(deadline) {
				time.Sleep(10 * time.Millisecond)
			}
			if !strings.HasSuffix(out.String(), "\n") {
				t.Fatalf("after the flush delay the output is %q, want the whole line", out.String())
			}
		})
	}
}

func TestLogBufferFlushOnExit(t *testing.T) {
	out := &syncBuffer{}
	buf := newLogBuffer(out)
	slog.New(slog.NewTextHandler(buf, nil)).Info("last words")
	if err := buf.Flush(); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "last words") {
		t.Fatalf("output after Flush = %q", out.String())
	}
}

// flakyWriter fails its first write, as a log pipe whose reader restarted.
type flakyWriter struct {
	syncBuffer
	failed bool
}

func (f *flakyWriter) Write(p []byte) (int, error) {
	if !f.failed {
		f.failed = true
		return 0, errors.New("broken pipe")
	}
	return f.syncBuffer.Write(p)
}

func TestLogBufferRecoversFromAWriteError(t *testing.T) {
	out := &flakyWriter{}
	buf := newLogBuffer(out)
	log := slog.New(flushingHandler{slog.NewTextHandler(buf, nil), buf})
	log.Error("lost with the failed write")
	log.Error("written after it")
	if got := out.String(); !strings.Contains(got, "written after it") {
		t.Fatalf("output after a failed write = %q, want the next line", got)
	}
}
