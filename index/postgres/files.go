package postgres

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/feedserver/feedserver/index"
	"github.com/feedserver/feedserver/index/internal/row"
)

// This file holds what the re-index asks: every file in key order, and the
// row of one file.

// filesPage is how many rows Files and GenericRefKeys read per query: each
// page is one short query, so a walk holds no snapshot and no connection
// while the caller works.
const filesPage = 1000

// Files yields the file columns of every row with a blob key, ordered by
// blob key in byte order (the column's COLLATE "C").
func (c *Catalog) Files(ctx context.Context) iter.Seq2[index.FileRow, error] {
	return row.Pages(ctx, filesPage, c.filesAfter, func(f index.FileRow) string { return f.BlobKey })
}

func (c *Catalog) filesAfter(ctx context.Context, after string) (_ []index.FileRow, err error) {
	defer c.observe("files", time.Now(), &err)
	if err := c.usable(ctx); err != nil {
		return nil, fmt.Errorf("index: files: %w", err)
	}
	rows, err := c.pool.Query(ctx, `SELECT `+row.FileColumns+` FROM packages
		WHERE blob_key IS NOT NULL AND blob_key > $1 ORDER BY blob_key LIMIT $2`, after, filesPage)
	if err != nil {
		return nil, fmt.Errorf("index: files: %w", classify(err))
	}
	defer rows.Close()
	var page []index.FileRow
	for rows.Next() {
		f, err := row.ScanFile(rows)
		if err != nil {
			return nil, fmt.Errorf("index: files: %w", classify(err))
		}
		page = append(page, f)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("index: files: %w", classify(err))
	}
	return page, nil
}

// EntryByBlobKey returns the row whose file is key.
func (c *Catalog) EntryByBlobKey(ctx context.Context, key string) (_ index.Entry, err error) {
	defer c.observe("entry_by_blob_key", time.Now(), &err)
	if err := c.usable(ctx); err != nil {
		return index.Entry{}, fmt.Errorf("index: blob %q: %w", key, err)
	}
	e, err := row.Scan(c.pool.QueryRow(ctx, `SELECT `+row.Columns+` FROM packages WHERE blob_key = $1`, key))
	if errors.Is(err, pgx.ErrNoRows) {
		return index.Entry{}, fmt.Errorf("index: blob %q: %w", key, index.ErrNotFound)
	}
	if err != nil {
		return index.Entry{}, fmt.Errorf("index: blob %q: %w", key, classify(err))
	}
	return e, nil
}

// DeleteByBlobKey removes the row whose file is key and returns it, in one
// statement.
func (c *Catalog) DeleteByBlobKey(ctx context.Context, key string) (_ index.Entry, err error) {
	defer c.observe("delete_by_blob_key", time.Now(), &err)
	wctx, cancel, err := c.write(ctx)
	if err != nil {
		return index.Entry{}, fmt.Errorf("index: delete blob %q: %w", key, err)
	}
	defer cancel()
	e, err := row.Scan(c.pool.QueryRow(wctx, `DELETE FROM packages WHERE blob_key = $1 RETURNING `+row.Columns, key))
	if errors.Is(err, pgx.ErrNoRows) {
		return index.Entry{}, fmt.Errorf("index: delete blob %q: %w", key, index.ErrNotFound)
	}
	if err != nil {
		return index.Entry{}, fmt.Errorf("index: delete blob %q: %w", key, classifyWrite(wctx, err))
	}
	return e, nil
}
