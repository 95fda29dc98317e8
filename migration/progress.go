package migration

import (
	"context"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"
)

// progress counts one phase's work and prints it every few seconds.
type progress struct {
	w      io.Writer
	phase  string
	total  int64
	start  time.Time
	done   atomic.Int64
	copied atomic.Int64
	same   atomic.Int64
	bytes  atomic.Int64
	stop   chan struct{}
	wg     sync.WaitGroup
}

// startProgress begins a phase of total items; end prints its last line.
func (m *migration) startProgress(phase string, total int64) *progress {
	p := &progress{w: m.opts.Progress, phase: phase, total: total, start: time.Now(), stop: make(chan struct{})}
	if p.w == nil {
		return p
	}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		t := time.NewTicker(m.opts.Every)
		defer t.Stop()
		for {
			select {
			case <-p.stop:
				return
			case <-t.C:
				p.print()
			}
		}
	}()
	return p
}

func (p *progress) end() {
	close(p.stop)
	p.wg.Wait()
	if p.w != nil {
		p.print()
	}
}

func (p *progress) print() {
	elapsed := time.Since(p.start)
	secs := max(elapsed.Seconds(), 1e-3)
	done := p.done.Load()
	line := fmt.Sprintf("migrate: %s %d/%d (copied %d, already there %d), %.0f/s", p.phase, done, p.total,
		p.copied.Load(), p.same.Load(), float64(done)/secs)
	if b := p.bytes.Load(); b > 0 {
		line += fmt.Sprintf(", %.1f MiB copied at %.1f MiB/s", float64(b)/(1<<20), float64(b)/(1<<20)/secs)
	}
	fmt.Fprintf(p.w, "%s, %s\n", line, elapsed.Round(100*time.Millisecond))
}

// parallel calls fn for every item on n goroutines and returns the first
// error; once one fails (or ctx ends) the others stop taking items.
func parallel[T any](ctx context.Context, n int, items []T, fn func(context.Context, T) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	next := make(chan T)
	var wg sync.WaitGroup
	for range min(n, len(items)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for it := range next {
				if ctx.Err() != nil {
					continue // drain: the feeder stops soon
				}
				if err := fn(ctx, it); err != nil {
					cancel(err)
				}
			}
		}()
	}
feed:
	for _, it := range items {
		select {
		case next <- it:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	return context.Cause(ctx)
}
