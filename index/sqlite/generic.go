package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"iter"
	"strings"
	"time"

	"github.com/feedserver/feedserver/index"
	"github.com/feedserver/feedserver/index/internal/row"
)

// This file holds the queries on generic files (table generic_files) and
// the generic catalogue's own state (table generic_state).

// PutGenericFile inserts or replaces the row of one file, identified by owner
// and the lowercased name, version and file name.
func (c *Catalog) PutGenericFile(ctx context.Context, g index.GenericFile) error {
	values, err := row.GenericValuesOf(g)
	if err != nil {
		return err
	}
	tx, err := c.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("index: put generic file %s: %w", g.RefKey, err)
	}
	defer tx.Rollback()
	// Delete then insert, not an upsert: the new row may clash with one row
	// on its identity and with another on its ref_key, and an upsert
	// resolves one conflict only.
	if _, err := tx.ExecContext(ctx, `DELETE FROM generic_files
		WHERE (owner = ? AND name_lower = ? AND version_lower = ? AND filename_lower = ?) OR ref_key = ?`,
		g.Owner, strings.ToLower(g.Name), strings.ToLower(g.Version), strings.ToLower(g.FileName), g.RefKey); err != nil {
		return fmt.Errorf("index: put generic file %s: %w", g.RefKey, err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO generic_files (`+row.GenericInsertColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, values[:]...); err != nil {
		return fmt.Errorf("index: put generic file %s: %w", g.RefKey, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("index: put generic file %s: %w", g.RefKey, err)
	}
	return nil
}

// GenericFiles returns every file of one generic package, oldest first.
func (c *Catalog) GenericFiles(ctx context.Context, owner, name string) ([]index.GenericFile, error) {
	rows, err := c.r.QueryContext(ctx, `SELECT `+row.GenericColumns+` FROM generic_files
		WHERE owner = ? AND name_lower = ? ORDER BY created, version_lower, filename_lower`,
		owner, strings.ToLower(name))
	if err != nil {
		return nil, fmt.Errorf("index: generic files of %s/%s: %w", owner, name, err)
	}
	defer rows.Close()
	out := []index.GenericFile{}
	for rows.Next() {
		g, err := row.ScanGeneric(rows)
		if err != nil {
			return nil, fmt.Errorf("index: generic files of %s/%s: %w", owner, name, err)
		}
		out = append(out, g)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("index: generic files of %s/%s: %w", owner, name, err)
	}
	return out, nil
}

// DeleteGenericFile removes the row of the file recorded at refKey; a missing
// row is ErrNotFound.
func (c *Catalog) DeleteGenericFile(ctx context.Context, refKey string) error {
	res, err := c.w.ExecContext(ctx, `DELETE FROM generic_files WHERE ref_key = ?`, refKey)
	if err != nil {
		return fmt.Errorf("index: delete generic file %s: %w", refKey, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("index: delete generic file %s: %w", refKey, err)
	}
	if n == 0 {
		return fmt.Errorf("index: generic file %s: %w", refKey, index.ErrNotFound)
	}
	return nil
}

// GenericBlobRefs counts the files whose content is the blob sha256.
func (c *Catalog) GenericBlobRefs(ctx context.Context, sha256 string) (int64, error) {
	var n int64
	// The writer connection: the count must see the writes just committed.
	err := c.w.QueryRowContext(ctx, `SELECT COUNT(*) FROM generic_files WHERE sha256 = ?`, sha256).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("index: references to blob %s: %w", sha256, err)
	}
	return n, nil
}

// GenericRefKeys yields the reference key of every generic file in byte
// order, read in short pages so the caller may write while iterating.
func (c *Catalog) GenericRefKeys(ctx context.Context) iter.Seq2[string, error] {
	return row.Pages(ctx, filesPage, c.genericRefKeysAfter, func(k string) string { return k })
}

func (c *Catalog) genericRefKeysAfter(ctx context.Context, after string) ([]string, error) {
	page, err := c.queryStrings(ctx, `SELECT ref_key FROM generic_files WHERE ref_key > ? ORDER BY ref_key LIMIT ?`,
		after, filesPage)
	if err != nil {
		return nil, fmt.Errorf("index: generic reference keys: %w", err)
	}
	return page, nil
}

// genericIndexed is the generic_state row the first complete re-index writes.
const genericIndexed = "indexed"

// GenericIndexed reports whether a complete re-index has filled the generic
// catalogue since it was created, so that it lists every file on disk.
func (c *Catalog) GenericIndexed(ctx context.Context) (bool, error) {
	var v string
	err := c.w.QueryRowContext(ctx, `SELECT value FROM generic_state WHERE name = ?`, genericIndexed).Scan(&v)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("index: generic state: %w", err)
	}
	return true, nil
}

// MarkGenericIndexed records that a complete re-index has run.
func (c *Catalog) MarkGenericIndexed(ctx context.Context, at time.Time) error {
	tx, err := c.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("index: mark generic indexed: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `DELETE FROM generic_state WHERE name = ?`, genericIndexed); err != nil {
		return fmt.Errorf("index: mark generic indexed: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO generic_state (name, value) VALUES (?, ?)`,
		genericIndexed, at.UTC().Format(time.RFC3339Nano)); err != nil {
		return fmt.Errorf("index: mark generic indexed: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("index: mark generic indexed: %w", err)
	}
	return nil
}
