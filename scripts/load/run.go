package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// load is how one timed row drives the server: Clients workers call op in a
// loop until Duration has passed or Max operations were started, whichever
// comes first.
type load struct {
	Clients  int
	Duration time.Duration
	Max      int64
}

// op does one request. worker is 0..Clients-1, n the operation's sequence
// number across all workers (unique, so it can name a package). It returns
// the payload bytes moved, for MiB/s rows.
type op func(ctx context.Context, worker int, n int64) (bytes int64, err error)

// result is what a timed run measured.
type result struct {
	Count     int64
	Bytes     int64
	Elapsed   time.Duration
	Latencies []time.Duration // sorted
}

func (r result) perSecond() float64 { return float64(r.Count) / r.Elapsed.Seconds() }
func (r result) mibPerSecond() float64 {
	return float64(r.Bytes) / (1 << 20) / r.Elapsed.Seconds()
}

// quantile of the sorted latencies, q in [0,1].
func (r result) quantile(q float64) time.Duration {
	if len(r.Latencies) == 0 {
		return 0
	}
	i := int(q * float64(len(r.Latencies)-1))
	return r.Latencies[i]
}

// run drives op under l. The first error stops the run and is returned, so a
// row never reports a rate made of failures.
func run(ctx context.Context, l load, f op) (result, error) {
	if l.Clients < 1 {
		l.Clients = 1
	}
	ctx, cancel := context.WithTimeout(ctx, l.Duration)
	defer cancel()
	var (
		next     atomic.Int64
		moved    atomic.Int64
		mu       sync.Mutex
		all      []time.Duration
		firstErr error
		wg       sync.WaitGroup
	)
	start := time.Now()
	for w := range l.Clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			for ctx.Err() == nil {
				n := next.Add(1) - 1
				if l.Max > 0 && n >= l.Max {
					break
				}
				t := time.Now()
				b, err := f(ctx, w, n)
				if err != nil {
					if ctx.Err() != nil && errors.Is(err, context.DeadlineExceeded) {
						break // the clock ran out mid-request: not a failure
					}
					mu.Lock()
					if firstErr == nil {
						firstErr = fmt.Errorf("operation %d: %w", n, err)
					}
					mu.Unlock()
					cancel()
					break
				}
				mine = append(mine, time.Since(t))
				moved.Add(b)
			}
			mu.Lock()
			all = append(all, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	if firstErr != nil {
		return result{}, firstErr
	}
	slices.Sort(all)
	return result{Count: int64(len(all)), Bytes: moved.Load(), Elapsed: elapsed, Latencies: all}, nil
}
