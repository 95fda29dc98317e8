package index

import (
	"context"
	"fmt"
)

// AllEntries returns every row of one space and kind, listed or not, ordered
// by lowercased id (versions of one id in no particular order). It is one
// query, for feeds that must evaluate a filter over the whole catalogue (the
// NuGet v2 Packages() collection).
func (c *Catalog) AllEntries(ctx context.Context, space string, kind Kind) ([]Entry, error) {
	rows, err := c.r.QueryContext(ctx, `SELECT `+columns+` FROM packages
		WHERE space = ? AND kind = ? ORDER BY id_lower`, space, string(kind))
	if err != nil {
		return nil, fmt.Errorf("index: all entries of %s/%s: %w", space, kind, err)
	}
	defer rows.Close()
	out := []Entry{}
	for rows.Next() {
		e, err := scanEntry(rows)
		if err != nil {
			return nil, fmt.Errorf("index: all entries of %s/%s: %w", space, kind, err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("index: all entries of %s/%s: %w", space, kind, err)
	}
	return out, nil
}
