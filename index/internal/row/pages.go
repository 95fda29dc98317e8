package row

import (
	"context"
	"iter"
)

// Pages yields the items of successive pages read by next, each page
// starting after the key of the last item of the one before; a page shorter
// than size is the last. The drivers' Files and GenericRefKeys walk the
// catalogue with it in short queries, so the caller may write while it
// iterates.
func Pages[T any](ctx context.Context, size int, next func(ctx context.Context, after string) ([]T, error), key func(T) string) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		after := ""
		for {
			page, err := next(ctx, after)
			if err != nil {
				var zero T
				yield(zero, err)
				return
			}
			for _, item := range page {
				if !yield(item, nil) {
					return
				}
			}
			if len(page) < size {
				return
			}
			after = key(page[len(page)-1])
		}
	}
}
