package postgres

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/feedserver/feedserver/index"
	"github.com/feedserver/feedserver/index/internal/row"
)

// This file holds the queries on generic files (table generic_files) and
// the generic catalogue's own state (table generic_state).

// putGenericTries bounds PutGenericFile's retries: a put of the same file
// committed between our delete and our insert makes the insert conflict,
// and the next try's delete removes it.
const putGenericTries = 3

// PutGenericFile inserts or replaces the row of one file, identified by owner
// and the lowercased name, version and file name.
func (c *Catalog) PutGenericFile(ctx context.Context, g index.GenericFile) (err error) {
	values, err := row.GenericValuesOf(g)
	if err != nil {
		return err
	}
	defer c.observe("put_generic_file", time.Now(), &err)
	wctx, cancel, err := c.write(ctx)
	if err != nil {
		return fmt.Errorf("index: put generic file %s: %w", g.RefKey, err)
	}
	defer cancel()
	for try := 1; ; try++ {
		// Delete then insert, not an upsert: the new row may clash with one
		// row on its identity and with another on its ref_key, and an upsert
		// resolves one conflict only. One batch: one implicit transaction.
		b := &pgx.Batch{}
		b.Queue(`DELETE FROM generic_files
			WHERE (owner = $1 AND name_lower = $2 AND version_lower = $3 AND filename_lower = $4) OR ref_key = $5`,
			g.Owner, strings.ToLower(g.Name), strings.ToLower(g.Version), strings.ToLower(g.FileName), g.RefKey)
		b.Queue(`INSERT INTO generic_files (`+row.GenericInsertColumns+`)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`, values[:]...)
		err := c.pool.SendBatch(wctx, b).Close()
		if err == nil {
			return nil
		}
		if !exists(err) || try == putGenericTries {
			return fmt.Errorf("index: put generic file %s: %w", g.RefKey, classifyWrite(wctx, err))
		}
	}
}

// GenericFiles returns every file of one generic package, oldest first.
func (c *Catalog) GenericFiles(ctx context.Context, owner, name string) (_ []index.GenericFile, err error) {
	defer c.observe("generic_files", time.Now(), &err)
	defer func() {
		if err != nil {
			err = fmt.Errorf("index: generic files of %s/%s: %w", owner, name, err)
		}
	}()
	if err := c.usable(ctx); err != nil {
		return nil, err
	}
	rows, err := c.pool.Query(ctx, `SELECT `+row.GenericColumns+` FROM generic_files
		WHERE owner = $1 AND name_lower = $2 ORDER BY created, version_lower, filename_lower`,
		owner, strings.ToLower(name))
	if err != nil {
		return nil, classify(err)
	}
	defer rows.Close()
	out := []index.GenericFile{}
	for rows.Next() {
		g, err := row.ScanGeneric(rows)
		if err != nil {
			return nil, classify(err)
		}
		out = append(out, g)
	}
	return out, classify(rows.Err())
}

// DeleteGenericFile removes the row of the file recorded at refKey; a missing
// row is ErrNotFound.
func (c *Catalog) DeleteGenericFile(ctx context.Context, refKey string) (err error) {
	defer c.observe("delete_generic_file", time.Now(), &err)
	wctx, cancel, err := c.write(ctx)
	if err != nil {
		return fmt.Errorf("index: delete generic file %s: %w", refKey, err)
	}
	defer cancel()
	tag, err := c.pool.Exec(wctx, `DELETE FROM generic_files WHERE ref_key = $1`, refKey)
	if err != nil {
		return fmt.Errorf("index: delete generic file %s: %w", refKey, classifyWrite(wctx, err))
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("index: generic file %s: %w", refKey, index.ErrNotFound)
	}
	return nil
}

// GenericBlobRefs counts the files whose content is the blob sha256. Every
// statement sees what committed before it began, so the count sees every
// write that returned before the call.
func (c *Catalog) GenericBlobRefs(ctx context.Context, sha256 string) (n int64, err error) {
	defer c.observe("generic_blob_refs", time.Now(), &err)
	if err := c.usable(ctx); err != nil {
		return 0, fmt.Errorf("index: references to blob %s: %w", sha256, err)
	}
	if err := c.pool.QueryRow(ctx, `SELECT COUNT(*) FROM generic_files WHERE sha256 = $1`, sha256).Scan(&n); err != nil {
		return 0, fmt.Errorf("index: references to blob %s: %w", sha256, classify(err))
	}
	return n, nil
}

// GenericRefKeys yields the reference key of every generic file in byte
// order, read in short pages so the caller may write while iterating.
func (c *Catalog) GenericRefKeys(ctx context.Context) iter.Seq2[string, error] {
	return row.Pages(ctx, filesPage, c.genericRefKeysAfter, func(k string) string { return k })
}

func (c *Catalog) genericRefKeysAfter(ctx context.Context, after string) (_ []string, err error) {
	defer c.observe("generic_ref_keys", time.Now(), &err)
	page, err := c.queryStrings(ctx, `SELECT ref_key FROM generic_files WHERE ref_key > $1 ORDER BY ref_key LIMIT $2`,
		after, filesPage)
	if err != nil {
		return nil, fmt.Errorf("index: generic reference keys: %w", err)
	}
	return page, nil
}

// GenericPackages lists generic packages, most recently updated first (see
// index.Catalog).
func (c *Catalog) GenericPackages(ctx context.Context, owner, text string, skip, take int) (_ []index.GenericPackage, total int, err error) {
	defer c.observe("generic_packages", time.Now(), &err)
	defer func() {
		if err != nil {
			err = fmt.Errorf("index: generic packages: %w", err)
		}
	}()
	if err := c.usable(ctx); err != nil {
		return nil, 0, err
	}
	const where = `WHERE ($1 = '' OR g.owner = $1) AND g.name_lower LIKE $2 ESCAPE '\'`
	pattern := "%" + row.LikeEscape(strings.ToLower(text)) + "%"
	if err := c.pool.QueryRow(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM generic_files g `+where+
		` GROUP BY g.owner, g.name_lower) AS p`, owner, pattern).Scan(&total); err != nil {
		return nil, 0, classify(err)
	}
	if take <= 0 || skip >= total {
		return []index.GenericPackage{}, total, nil
	}
	rows, err := c.pool.Query(ctx, `SELECT g.owner,
		(SELECT n.name FROM generic_files n WHERE n.owner = g.owner AND n.name_lower = g.name_lower ORDER BY n.created DESC LIMIT 1),
		(SELECT n.version FROM generic_files n WHERE n.owner = g.owner AND n.name_lower = g.name_lower ORDER BY n.created DESC LIMIT 1),
		COUNT(DISTINCT g.version_lower), COUNT(*), SUM(g.size)::BIGINT, MAX(g.created)
		FROM generic_files g `+where+`
		GROUP BY g.owner, g.name_lower
		ORDER BY MAX(g.created) DESC, g.owner, g.name_lower
		LIMIT $3 OFFSET $4`, owner, pattern, take, skip)
	if err != nil {
		return nil, 0, classify(err)
	}
	defer rows.Close()
	out := []index.GenericPackage{}
	for rows.Next() {
		p, err := row.ScanGenericPackage(rows)
		if err != nil {
			return nil, 0, classify(err)
		}
		out = append(out, p)
	}
	return out, total, classify(rows.Err())
}

// genericIndexed is the generic_state row the first complete re-index writes.
const genericIndexed = "indexed"

// GenericIndexed reports whether a complete re-index has filled the generic
// catalogue since it was created.
func (c *Catalog) GenericIndexed(ctx context.Context) (_ bool, err error) {
	defer c.observe("generic_indexed", time.Now(), &err)
	if err := c.usable(ctx); err != nil {
		return false, fmt.Errorf("index: generic state: %w", err)
	}
	var v string
	err = c.pool.QueryRow(ctx, `SELECT value FROM generic_state WHERE name = $1`, genericIndexed).Scan(&v)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("index: generic state: %w", classify(err))
	}
	return true, nil
}

// MarkGenericIndexed records that a complete re-index has run.
func (c *Catalog) MarkGenericIndexed(ctx context.Context, at time.Time) (err error) {
	defer c.observe("mark_generic_indexed", time.Now(), &err)
	wctx, cancel, err := c.write(ctx)
	if err != nil {
		return fmt.Errorf("index: mark generic indexed: %w", err)
	}
	defer cancel()
	if _, err := c.pool.Exec(wctx, `INSERT INTO generic_state (name, value) VALUES ($1, $2)
		ON CONFLICT (name) DO UPDATE SET value = excluded.value`,
		genericIndexed, at.UTC().Format(time.RFC3339Nano)); err != nil {
		return fmt.Errorf("index: mark generic indexed: %w", classifyWrite(wctx, err))
	}
	return nil
}
