package feed

import (
	"context"
	"fmt"

	"github.com/feedserver/feedserver/index"
)

// AllEntries returns every version of every package of one space and kind,
// listed or not, ordered by lowercased id; the v2 feed's Packages() filters
// over it.
func (f *Feed) AllEntries(ctx context.Context, space string, kind index.Kind) ([]index.Entry, error) {
	es, err := f.catalog.AllEntries(ctx, space, kind)
	if err != nil {
		return nil, fmt.Errorf("list %s %s: %w", space, kind, err)
	}
	return es, nil
}
