package sqlite

import (
	"context"
	"fmt"
	"strings"

	"github.com/feedserver/feedserver/index"
	"github.com/feedserver/feedserver/index/internal/row"
)

// GenericPackages lists generic packages, most recently updated first (see
// index.Catalog).
func (c *Catalog) GenericPackages(ctx context.Context, owner, text string, skip, take int) (_ []index.GenericPackage, total int, err error) {
	defer func() {
		if err != nil {
			err = fmt.Errorf("index: generic packages: %w", err)
		}
	}()
	where := `WHERE (? = '' OR owner = ?) AND name_lower LIKE ? ESCAPE '\'`
	pattern := "%" + row.LikeEscape(strings.ToLower(text)) + "%"
	args := []any{owner, owner, pattern}
	if err := c.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM generic_files `+where+
		` GROUP BY owner, name_lower) AS p`, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	if take <= 0 || skip >= total {
		return []index.GenericPackage{}, total, nil
	}
	// The newest file's name and version by a correlated subquery: portable
	// SQL, where SQLite's bare columns beside MAX() would not be.
	rows, err := c.r.QueryContext(ctx, `SELECT g.owner,
		(SELECT n.name FROM generic_files n WHERE n.owner = g.owner AND n.name_lower = g.name_lower ORDER BY n.created DESC LIMIT 1),
		(SELECT n.version FROM generic_files n WHERE n.owner = g.owner AND n.name_lower = g.name_lower ORDER BY n.created DESC LIMIT 1),
		COUNT(DISTINCT g.version_lower), COUNT(*), SUM(g.size), MAX(g.created)
		FROM generic_files g `+strings.ReplaceAll(where, "owner", "g.owner")+`
		GROUP BY g.owner, g.name_lower
		ORDER BY MAX(g.created) DESC, g.owner, g.name_lower
		LIMIT ? OFFSET ?`, append(args, take, skip)...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	out := []index.GenericPackage{}
	for rows.Next() {
		p, err := row.ScanGenericPackage(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, p)
	}
	return out, total, rows.Err()
}
