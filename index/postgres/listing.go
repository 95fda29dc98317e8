package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/feedserver/feedserver/index"
	"github.com/feedserver/feedserver/nuget"
)

// This file holds what background work walks: spaces, ids page by page,
// and the counts the metrics report.

// PackageIDs pages through the distinct lowercased ids of one space and
// kind, in byte order (id_lower's COLLATE "C").
func (c *Catalog) PackageIDs(ctx context.Context, space string, kind index.Kind, after string, limit int) (_ []string, err error) {
	defer c.observe("package_ids", time.Now(), &err)
	if limit <= 0 {
		limit = 500
	}
	ids, err := c.queryStrings(ctx, `SELECT DISTINCT id_lower FROM packages
		WHERE space = $1 AND kind = $2 AND id_lower > $3 ORDER BY id_lower LIMIT $4`,
		space, string(kind), nuget.ID(after).Lower(), limit)
	if err != nil {
		return nil, fmt.Errorf("index: package ids: %w", err)
	}
	return ids, nil
}

// HasListed reports whether an id has at least one listed version.
func (c *Catalog) HasListed(ctx context.Context, space string, kind index.Kind, id string) (_ bool, err error) {
	defer c.observe("has_listed", time.Now(), &err)
	lower := nuget.ID(id).Lower()
	if err := c.usable(ctx); err != nil {
		return false, fmt.Errorf("index: listed %s/%s/%s: %w", space, kind, lower, err)
	}
	var listed bool
	err = c.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM packages
		WHERE space = $1 AND kind = $2 AND id_lower = $3 AND listed)`, space, string(kind), lower).Scan(&listed)
	if err != nil {
		return false, fmt.Errorf("index: listed %s/%s/%s: %w", space, kind, lower, classify(err))
	}
	return listed, nil
}

// Spaces returns the spaces that hold at least one row, in byte order.
func (c *Catalog) Spaces(ctx context.Context) (_ []string, err error) {
	defer c.observe("spaces", time.Now(), &err)
	spaces, err := c.queryStrings(ctx, `SELECT DISTINCT space FROM packages ORDER BY space`)
	if err != nil {
		return nil, fmt.Errorf("index: spaces: %w", err)
	}
	return spaces, nil
}

// Counts returns the number of distinct ids (per space and kind) and of rows.
func (c *Catalog) Counts(ctx context.Context) (ids, versions int64, err error) {
	defer c.observe("counts", time.Now(), &err)
	if err := c.usable(ctx); err != nil {
		return 0, 0, fmt.Errorf("index: counts: %w", err)
	}
	err = c.pool.QueryRow(ctx, `SELECT
		(SELECT COUNT(*) FROM (SELECT DISTINCT space, kind, id_lower FROM packages) AS d),
		(SELECT COUNT(*) FROM packages)`).Scan(&ids, &versions)
	if err != nil {
		return 0, 0, fmt.Errorf("index: counts: %w", classify(err))
	}
	return ids, versions, nil
}

// queryStrings runs a query of one text column; no rows is an empty,
// non-nil slice.
func (c *Catalog) queryStrings(ctx context.Context, query string, args ...any) ([]string, error) {
	if err := c.usable(ctx); err != nil {
		return nil, err
	}
	rows, err := c.pool.Query(ctx, query, args...)
	if err != nil {
		return nil, classify(err)
	}
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, classify(err)
		}
		out = append(out, s)
	}
	return out, classify(rows.Err())
}
