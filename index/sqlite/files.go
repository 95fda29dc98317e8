package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"iter"

	"github.com/feedserver/feedserver/index"
	"github.com/feedserver/feedserver/index/internal/row"
)

// This file holds what the re-index asks: every file in key order, and the
// row of one file.

// filesPage is how many rows Files and GenericRefKeys read per query; paging
// keeps read transactions short so WAL checkpoints are never held back by a
// long walk.
const filesPage = 1000

// Files yields the file columns of every row with a blob key, ordered by
// blob key in byte order: SQLite's BINARY collation, the default.
func (c *Catalog) Files(ctx context.Context) iter.Seq2[index.FileRow, error] {
	return row.Pages(ctx, filesPage, c.filesAfter, func(f index.FileRow) string { return f.BlobKey })
}

func (c *Catalog) filesAfter(ctx context.Context, after string) ([]index.FileRow, error) {
	rows, err := c.r.QueryContext(ctx, `SELECT `+row.FileColumns+` FROM packages
		WHERE blob_key IS NOT NULL AND blob_key > ? ORDER BY blob_key LIMIT ?`, after, filesPage)
	if err != nil {
		return nil, fmt.Errorf("index: files: %w", err)
	}
	defer rows.Close()
	var page []index.FileRow
	for rows.Next() {
		f, err := row.ScanFile(rows)
		if err != nil {
			return nil, fmt.Errorf("index: files: %w", err)
		}
		page = append(page, f)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("index: files: %w", err)
	}
	return page, nil
}

// EntryByBlobKey returns the row whose file is key.
func (c *Catalog) EntryByBlobKey(ctx context.Context, key string) (index.Entry, error) {
	ctx, err := keyed(ctx)
	if err != nil {
		return index.Entry{}, fmt.Errorf("index: blob %q: %w", key, err)
	}
	e, err := row.Scan(c.r.QueryRowContext(ctx, `SELECT `+row.Columns+` FROM packages WHERE blob_key = ?`, key))
	if errors.Is(err, sql.ErrNoRows) {
		return index.Entry{}, fmt.Errorf("index: blob %q: %w", key, index.ErrNotFound)
	}
	if err != nil {
		return index.Entry{}, fmt.Errorf("index: blob %q: %w", key, err)
	}
	return e, nil
}

// DeleteByBlobKey removes the row whose file is key and returns it.
func (c *Catalog) DeleteByBlobKey(ctx context.Context, key string) (index.Entry, error) {
	tx, err := c.w.BeginTx(ctx, nil)
	if err != nil {
		return index.Entry{}, fmt.Errorf("index: delete blob %q: %w", key, err)
	}
	defer tx.Rollback()
	e, err := row.Scan(tx.QueryRowContext(ctx, `SELECT `+row.Columns+` FROM packages WHERE blob_key = ?`, key))
	if errors.Is(err, sql.ErrNoRows) {
		return index.Entry{}, fmt.Errorf("index: delete blob %q: %w", key, index.ErrNotFound)
	}
	if err != nil {
		return index.Entry{}, fmt.Errorf("index: delete blob %q: %w", key, err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM packages WHERE blob_key = ?`, key); err != nil {
		return index.Entry{}, fmt.Errorf("index: delete blob %q: %w", key, err)
	}
	if err := tx.Commit(); err != nil {
		return index.Entry{}, fmt.Errorf("index: delete blob %q: %w", key, err)
	}
	return e, nil
}
