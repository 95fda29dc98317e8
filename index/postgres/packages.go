package postgres

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/feedserver/feedserver/index"
	"github.com/feedserver/feedserver/index/internal/row"
	"github.com/feedserver/feedserver/nuget"
)

// This file holds the queries on one package's rows: what a push, a restore,
// a delete and an unlist ask.

// A new version of a known id takes the casing of the id's existing rows
// (the subquery), so one id never shows two spellings. Two new versions of
// a new id written at once would each see no row and keep their own casing,
// so every write of a row first takes a transaction-scoped advisory lock on
// its id (sqlLockID, in the same batch): writes of one id queue, writes of
// different ids do not. The primary key and the unique blob_key, not the
// lock, decide "already exists".
const (
	sqlLockID    = `SELECT pg_advisory_xact_lock($1)`
	sqlInsertRow = `INSERT INTO packages (` + row.InsertColumns + `)
	VALUES ($1, $2, COALESCE((SELECT id FROM packages
			WHERE space = $1 AND kind = $2 AND id_lower = $4 LIMIT 1), $3),
		$4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20,
		$21, $22, $23, $24, $25, $26)`
	// sqlPutRow replaces every column of an existing row but downloads and
	// deprecation: they belong to the identity, not to the file. Its conflict target is
	// the identity only, so another row's blob_key still fails the insert.
	sqlPutRow = sqlInsertRow + `
	ON CONFLICT (space, kind, id_lower, version_lower) DO UPDATE SET
		` + row.PutSet
)

// Insert adds a row (see index.Catalog).
func (c *Catalog) Insert(ctx context.Context, e index.Entry) (err error) {
	defer c.observe("insert", time.Now(), &err)
	return c.writeRow(ctx, "insert", sqlInsertRow, e)
}

// Put inserts or replaces a row (see index.Catalog). It returns once the
// row is committed.
func (c *Catalog) Put(ctx context.Context, e index.Entry) (err error) {
	defer c.observe("put", time.Now(), &err)
	return c.writeRow(ctx, "put", sqlPutRow, e)
}

// writeRow runs query (sqlInsertRow or sqlPutRow) with e's columns after the
// id's lock, both in one batch: one round trip, one implicit transaction,
// committed when the batch's results are read.
func (c *Catalog) writeRow(ctx context.Context, what, query string, e index.Entry) error {
	if err := row.Check(e); err != nil {
		return err
	}
	k := row.KeyOf(e)
	values, err := row.ValuesOf(e)
	if err != nil {
		return err
	}
	wctx, cancel, err := c.write(ctx)
	if err != nil {
		return fmt.Errorf("index: %s %s: %w", what, k, err)
	}
	defer cancel()
	b := &pgx.Batch{}
	b.Queue(sqlLockID, idLock(k.Space, k.Kind, k.ID))
	b.Queue(query, values[:]...)
	err = c.pool.SendBatch(wctx, b).Close()
	switch {
	case err == nil:
		return nil
	case exists(err):
		return fmt.Errorf("index: %s %s (blob %q): %w", what, k, e.BlobKey, index.ErrExists)
	default:
		return fmt.Errorf("index: %s %s: %w", what, k, classifyWrite(wctx, err))
	}
}

// idLock is the advisory lock key of one id: 64 bits of FNV-1a over its
// identity columns. Two ids that share a key only queue behind each other.
func idLock(space string, kind index.Kind, idLower string) int64 {
	h := fnv.New64a()
	for _, s := range []string{space, string(kind), idLower} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	return int64(h.Sum64())
}

// Get returns one row (see index.Catalog).
func (c *Catalog) Get(ctx context.Context, space string, kind index.Kind, id string, version string) (_ index.Entry, err error) {
	defer c.observe("get", time.Now(), &err)
	k, ok := row.Lookup(space, kind, id, version)
	if !ok {
		return index.Entry{}, fmt.Errorf("index: %s %s %s %q: %w", space, kind, id, version, index.ErrNotFound)
	}
	if err := c.usable(ctx); err != nil {
		return index.Entry{}, fmt.Errorf("index: get %s: %w", k, err)
	}
	e, err := row.Scan(c.pool.QueryRow(ctx, `SELECT `+row.Columns+` FROM packages
		WHERE space = $1 AND kind = $2 AND id_lower = $3 AND version_lower = $4`, k.Space, string(k.Kind), k.ID, k.Version))
	if errors.Is(err, pgx.ErrNoRows) {
		return index.Entry{}, fmt.Errorf("index: %s: %w", k, index.ErrNotFound)
	}
	if err != nil {
		return index.Entry{}, fmt.Errorf("index: get %s: %w", k, classify(err))
	}
	return e, nil
}

// Versions returns every version of one id (see index.Catalog). SQL cannot
// order by NuGet's precedence, so the rows are sorted here.
func (c *Catalog) Versions(ctx context.Context, space string, kind index.Kind, id string) (_ []index.Entry, err error) {
	defer c.observe("versions", time.Now(), &err)
	lower := nuget.ID(id).Lower()
	out, err := c.queryEntries(ctx, `SELECT `+row.Columns+` FROM packages
		WHERE space = $1 AND kind = $2 AND id_lower = $3`, space, string(kind), lower)
	if err != nil {
		return nil, fmt.Errorf("index: versions of %s/%s/%s: %w", space, kind, lower, err)
	}
	slices.SortFunc(out, func(a, b index.Entry) int { return nuget.CompareVersions(a.Version, b.Version) })
	return out, nil
}

// AllEntries returns every row of one space and kind (see index.Catalog).
func (c *Catalog) AllEntries(ctx context.Context, space string, kind index.Kind) (_ []index.Entry, err error) {
	defer c.observe("all_entries", time.Now(), &err)
	out, err := c.queryEntries(ctx, `SELECT `+row.Columns+` FROM packages
		WHERE space = $1 AND kind = $2 ORDER BY id_lower`, space, string(kind))
	if err != nil {
		return nil, fmt.Errorf("index: all entries of %s/%s: %w", space, kind, err)
	}
	return out, nil
}

// queryEntries runs a query of rows selected with row.Columns; no rows is
// an empty, non-nil slice.
func (c *Catalog) queryEntries(ctx context.Context, query string, args ...any) ([]index.Entry, error) {
	return queryRows(ctx, c, row.Scan, query, args...)
}

// queryRows runs a query and reads each row with scan; no rows is an
// empty, non-nil slice.
func queryRows[T any](ctx context.Context, c *Catalog, scan func(row.Scanner) (T, error), query string, args ...any) ([]T, error) {
	if err := c.usable(ctx); err != nil {
		return nil, err
	}
	rows, err := c.pool.Query(ctx, query, args...)
	if err != nil {
		return nil, classify(err)
	}
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, classify(err)
		}
		out = append(out, v)
	}
	return out, classify(rows.Err())
}

// exec runs one identity-addressed write and reports ErrNotFound when no row matched.
func (c *Catalog) exec(ctx context.Context, what string, k row.Key, ok bool, query string, args ...any) error {
	if !ok {
		return fmt.Errorf("index: %s %s: %w", what, k, index.ErrNotFound)
	}
	wctx, cancel, err := c.write(ctx)
	if err != nil {
		return fmt.Errorf("index: %s %s: %w", what, k, err)
	}
	defer cancel()
	n := len(args)
	args = append(args, k.Space, string(k.Kind), k.ID, k.Version)
	tag, err := c.pool.Exec(wctx, query+fmt.Sprintf(` WHERE space = $%d AND kind = $%d AND id_lower = $%d AND version_lower = $%d`,
		n+1, n+2, n+3, n+4), args...)
	if err != nil {
		return fmt.Errorf("index: %s %s: %w", what, k, classifyWrite(wctx, err))
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("index: %s %s: %w", what, k, index.ErrNotFound)
	}
	return nil
}

// Delete removes one row.
func (c *Catalog) Delete(ctx context.Context, space string, kind index.Kind, id, version string) (err error) {
	defer c.observe("delete", time.Now(), &err)
	k, ok := row.Lookup(space, kind, id, version)
	return c.exec(ctx, "delete", k, ok, `DELETE FROM packages`)
}

// SetListed lists or unlists one version.
func (c *Catalog) SetListed(ctx context.Context, space string, kind index.Kind, id, version string, listed bool) (err error) {
	defer c.observe("set_listed", time.Now(), &err)
	k, ok := row.Lookup(space, kind, id, version)
	return c.exec(ctx, "set listed", k, ok, `UPDATE packages SET listed = $1`, listed)
}

// AddDownloads adds n downloads to one version in one UPDATE.
func (c *Catalog) AddDownloads(ctx context.Context, space string, kind index.Kind, id, version string, n int64, at time.Time) (err error) {
	defer c.observe("add_downloads", time.Now(), &err)
	k, ok := row.Lookup(space, kind, id, version)
	return c.exec(ctx, "add downloads", k, ok, `UPDATE packages SET downloads = downloads + $1, `+row.LastDownloadSet("GREATEST", "$2::BIGINT"), n, row.Nanos(at))
}

// SetDeprecation sets or clears the deprecation of versions of one id in
// one transaction, under the id's lock (see index.Catalog).
func (c *Catalog) SetDeprecation(ctx context.Context, space string, kind index.Kind, id string, versions []string, d *nuget.Deprecation) (err error) {
	defer c.observe("set_deprecation", time.Now(), &err)
	what := fmt.Sprintf("set deprecation of %s/%s/%s", space, kind, nuget.ID(id).Lower())
	value, err := row.EncodeDeprecation(d)
	if err != nil {
		return err
	}
	keys := make([]row.Key, 0, len(versions))
	for _, version := range versions {
		k, ok := row.Lookup(space, kind, id, version)
		if !ok {
			return fmt.Errorf("index: %s %q: %w", what, version, index.ErrNotFound)
		}
		keys = append(keys, k)
	}
	if len(keys) == 0 {
		return nil
	}
	wctx, cancel, err := c.write(ctx)
	if err != nil {
		return fmt.Errorf("index: %s: %w", what, err)
	}
	defer cancel()
	tx, err := c.pool.Begin(wctx)
	if err != nil {
		return fmt.Errorf("index: %s: %w", what, classifyWrite(wctx, err))
	}
	defer tx.Rollback(wctx)
	if _, err := tx.Exec(wctx, sqlLockID, idLock(keys[0].Space, keys[0].Kind, keys[0].ID)); err != nil {
		return fmt.Errorf("index: %s: %w", what, classifyWrite(wctx, err))
	}
	for _, k := range keys {
		tag, err := tx.Exec(wctx, `UPDATE packages SET deprecation = $1
			WHERE space = $2 AND kind = $3 AND id_lower = $4 AND version_lower = $5`,
			value, k.Space, string(k.Kind), k.ID, k.Version)
		if err != nil {
			return fmt.Errorf("index: %s: %w", what, classifyWrite(wctx, err))
		}
		if tag.RowsAffected() == 0 {
			return fmt.Errorf("index: set deprecation %s: %w", k, index.ErrNotFound)
		}
	}
	if err := tx.Commit(wctx); err != nil {
		return fmt.Errorf("index: %s: %w", what, classifyWrite(wctx, err))
	}
	return nil
}
