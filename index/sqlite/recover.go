package sqlite

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/mattn/go-sqlite3"

	"github.com/feedserver/feedserver/index"
)

// OpenChecked is Open for a server's start: it also asks SQLite to check the
// file (PRAGMA quick_check reads every page and index, without
// integrity_check's slow cross-checks). A file that is not a database or
// fails the check is renamed, with its -wal and -shm files, to
// "<path>.corrupt-<UTC time>" and a fresh catalogue takes its place;
// setAside is that name, "" when the file was sound. The caller logs it and
// re-indexes: the catalogue is a cache of the package directory. What only
// the catalogue knew (download counts, unlisted flags) stays in the set-aside
// file for an operator. Any other failure (permissions, a locked file) is
// returned as is: only a file SQLite calls corrupt is ever moved.
func OpenChecked(ctx context.Context, path string, now time.Time) (c *Catalog, setAside string, err error) {
	c, err = Open(ctx, path)
	if err == nil {
		if err = c.quickCheck(ctx); err == nil {
			return c, "", nil
		}
		c.Close()
	}
	if !corruptDB(err) {
		return nil, "", err
	}
	setAside = path + ".corrupt-" + now.UTC().Format("20060102T150405Z")
	if err := setAsideFiles(path, setAside, "", "-wal", "-shm"); err != nil {
		return nil, "", fmt.Errorf("index: the catalogue %s is corrupt (%w) and cannot be moved aside: %w", path, index.ErrCorrupt, err)
	}
	c, err = Open(ctx, path)
	if err != nil {
		return nil, setAside, err
	}
	return c, setAside, nil
}

// quickCheck runs PRAGMA quick_check and wraps index.ErrCorrupt around any finding.
func (c *Catalog) quickCheck(ctx context.Context) error {
	rows, err := c.r.QueryContext(ctx, `PRAGMA quick_check(5)`)
	if err != nil {
		return fmt.Errorf("index: check catalogue: %w", err)
	}
	defer rows.Close()
	var findings []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return fmt.Errorf("index: check catalogue: %w", err)
		}
		if s != "ok" {
			findings = append(findings, s)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("index: check catalogue: %w", err)
	}
	if len(findings) > 0 {
		return fmt.Errorf("index: check catalogue: %w: %s", index.ErrCorrupt, strings.Join(findings, "; "))
	}
	return nil
}

// corruptDB reports an error that says the file itself is bad.
func corruptDB(err error) bool {
	var se sqlite3.Error
	if errors.As(err, &se) && (se.Code == sqlite3.ErrNotADB || se.Code == sqlite3.ErrCorrupt) {
		return true
	}
	return errors.Is(err, index.ErrCorrupt)
}

// setAsideFiles renames path+suffix to to+suffix for each suffix that exists.
func setAsideFiles(path, to string, suffixes ...string) error {
	for _, s := range suffixes {
		if err := os.Rename(path+s, to+s); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	return nil
}
