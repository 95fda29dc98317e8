package index

import (
	"context"
	"fmt"
)

// Spaces returns the ids of the spaces that hold at least one package
// version, in byte order. Retention walks them space by space.
func (c *Catalog) Spaces(ctx context.Context) ([]string, error) {
	sks, err := c.spaceKinds(ctx)
	if err != nil {
		return nil, fmt.Errorf("index: spaces: %w", err)
	}
	var out []string
	for _, sk := range sks {
		if len(out) == 0 || out[len(out)-1] != sk.space {
			out = append(out, sk.space)
		}
	}
	return out, nil
}
