package sqlite

import (
	"context"
	"fmt"

	"github.com/feedserver/feedserver/index"
	"github.com/feedserver/feedserver/nuget"
)

// This file holds what background work walks: spaces, ids page by page,
// and the counts the metrics report.

// PackageIDs pages through the distinct lowercased ids of one space and kind.
func (c *Catalog) PackageIDs(ctx context.Context, space string, kind index.Kind, after string, limit int) ([]string, error) {
	if limit <= 0 {
		limit = 500
	}
	ids, err := c.queryStrings(ctx, `SELECT DISTINCT id_lower FROM packages
		WHERE space = ? AND kind = ? AND id_lower > ? ORDER BY id_lower LIMIT ?`,
		space, string(kind), nuget.ID(after).Lower(), limit)
	if err != nil {
		return nil, fmt.Errorf("index: package ids: %w", err)
	}
	return ids, nil
}

// HasListed reports whether an id has at least one listed version.
func (c *Catalog) HasListed(ctx context.Context, space string, kind index.Kind, id string) (bool, error) {
	lower := nuget.ID(id).Lower()
	var n int
	err := c.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM packages
		WHERE space = ? AND kind = ? AND id_lower = ? AND listed = ?`, space, string(kind), lower, true).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("index: listed %s/%s/%s: %w", space, kind, lower, err)
	}
	return n > 0, nil
}

// Spaces returns the spaces that hold at least one row, in byte order.
func (c *Catalog) Spaces(ctx context.Context) ([]string, error) {
	spaces, err := c.queryStrings(ctx, `SELECT DISTINCT space FROM packages ORDER BY space`)
	if err != nil {
		return nil, fmt.Errorf("index: spaces: %w", err)
	}
	return spaces, nil
}

// Counts returns the number of distinct ids (per space and kind) and of rows.
func (c *Catalog) Counts(ctx context.Context) (ids, versions int64, err error) {
	err = c.r.QueryRowContext(ctx, `SELECT
		(SELECT COUNT(*) FROM (SELECT DISTINCT space, kind, id_lower FROM packages) AS d),
		(SELECT COUNT(*) FROM packages)`).Scan(&ids, &versions)
	if err != nil {
		return 0, 0, fmt.Errorf("index: counts: %w", err)
	}
	return ids, versions, nil
}

// queryStrings runs a query of one text column on the readers; no rows is an
// empty, non-nil slice.
func (c *Catalog) queryStrings(ctx context.Context, query string, args ...any) ([]string, error) {
	rows, err := c.r.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}
