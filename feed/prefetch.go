package feed

import (
	"context"
	"iter"
)

// prefetch runs seq on its own goroutine, up to n items ahead of the caller,
// and yields its items in the same order. The re-index reads the directory
// walk and the catalogue's rows through it, so their system calls overlap
// with the merge instead of taking turns on one goroutine.
func prefetch[T any](ctx context.Context, seq iter.Seq2[T, error], n int) iter.Seq2[T, error] {
	type item struct {
		v   T
		err error
	}
	return func(yield func(T, error) bool) {
		ctx, cancel := context.WithCancel(ctx)
		items := make(chan item, n)
		go func() {
			defer close(items)
			for v, err := range seq {
				// Checked first: once the caller stops, the drain below keeps the
				// channel ready, and select would pick the send at random.
				if ctx.Err() != nil {
					return
				}
				select {
				case items <- item{v, err}:
				case <-ctx.Done():
					return // the caller stopped early
				}
			}
		}()
		defer func() {
			cancel()
			for range items { // let the producer finish before seq's resources go
			}
		}()
		for it := range items {
			if !yield(it.v, it.err) {
				return
			}
		}
	}
}
