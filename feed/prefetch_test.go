package feed

import (
	"context"
	"errors"
	"iter"
	"slices"
	"testing"
)

func numbers(n int, failAt int) iter.Seq2[int, error] {
	return func(yield func(int, error) bool) {
		for i := range n {
			var err error
			if i == failAt {
				err = errors.New("boom")
			}
			if !yield(i, err) {
				return
			}
		}
	}
}

func TestPrefetchKeepsOrderAndErrors(t *testing.T) {
	var got []int
	var errs int
	for v, err := range prefetch(context.Background(), numbers(10_000, 5_000), 16) {
		if err != nil {
			errs++
		}
		got = append(got, v)
	}
	want := make([]int, 10_000)
	for i := range want {
		want[i] = i
	}
	if !slices.Equal(got, want) || errs != 1 {
		t.Errorf("got %d items (in order: %v) and %d errors; want 10000 in order and 1 error", len(got), slices.Equal(got, want), errs)
	}
}

func TestPrefetchStopsEarly(t *testing.T) {
	produced := 0
	seq := func(yield func(int, error) bool) {
		for i := 0; ; i++ {
			produced = i
			if !yield(i, nil) {
				return
			}
		}
	}
	n := 0
	for range prefetch(context.Background(), seq, 4) {
		if n++; n == 10 {
			break
		}
	}
	// The producer has stopped by the time the loop returns. It got at most one
	// buffer (4) ahead, plus the item it was sending when the consumer stopped,
	// plus the one it produced before seeing the cancellation: index 10+4+1+1.
	if produced > 10+4+1+1 {
		t.Errorf("producer ran %d items for a consumer that took 10", produced)
	}
}
