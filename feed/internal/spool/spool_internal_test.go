package spool

import (
	"bytes"
	"crypto/sha1"
	"errors"
	"io"
	"sync/atomic"
	"testing"
	"time"
)

// failingSink accepts `ok` writes, then fails every one after.
type failingSink struct {
	ok     int
	writes atomic.Int32
}

var errSinkFull = errors.New("sink full")

func (s *failingSink) Write(p []byte) (int, error) {
	if int(s.writes.Add(1)) > s.ok {
		return 0, errSinkFull
	}
	return len(p), nil
}

// TestSpoolPipeline drives the pipeline directly: every sink sees every
// chunk in order, and a sink that fails ends the pipeline with its error
// without blocking the sender, however many chunks are still to come.
func TestSpoolPipeline(t *testing.T) {
	tests := []struct {
		name    string
		chunks  int
		failAt  int // the failing sink's first failing write; 0: it never fails
		wantErr error
	}{
		{"all chunks pass", 12, 0, nil},
		{"a sink fails on its second chunk", 12, 2, errSinkFull},
		{"a sink fails on its first chunk", 40, 1, errSinkFull},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sp := &Spooler{}
			h := sha1.New()
			sink := &failingSink{ok: 1 << 30}
			if tc.failAt > 0 {
				sink.ok = tc.failAt - 1
			}
			p := sp.newPipeline([]io.Writer{h, sink})
			var want bytes.Buffer
			done := make(chan error, 1)
			go func() {
				for i := range tc.chunks {
					buf := sp.buffer()
					n := 1000 + i // chunks of different lengths and contents
					for j := range n {
						(*buf)[j] = byte(i + j)
					}
					want.Write((*buf)[:n])
					p.send(buf, n)
				}
				done <- p.close()
			}()
			select {
			case err := <-done:
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("close = %v, want %v", err, tc.wantErr)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("the pipeline blocked")
			}
			// After a failure the lanes skip what is queued (the push is lost
			// anyway), so only a clean run must hash everything.
			if sum := sha1.Sum(want.Bytes()); tc.wantErr == nil && !bytes.Equal(h.Sum(nil), sum[:]) {
				t.Errorf("the hash sink saw the chunks out of order or incomplete")
			}
		})
	}
}
