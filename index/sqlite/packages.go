package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/mattn/go-sqlite3"

	"github.com/feedserver/feedserver/index"
	"github.com/feedserver/feedserver/index/internal/row"
	"github.com/feedserver/feedserver/nuget"
)

// This file holds the queries on one package's rows: what a push, a restore,
// a delete and an unlist ask.

// The writer's statements on the push path, prepared by Open. A new version
// of a known id takes the casing of the id's existing rows (the subquery),
// so one id never shows two spellings.
const (
	sqlInsertRow = `INSERT INTO packages (` + row.InsertColumns + `)
	VALUES (?1, ?2, COALESCE((SELECT id FROM packages
			WHERE space = ?1 AND kind = ?2 AND id_lower = ?4 ORDER BY version_lower LIMIT 1), ?3),
		?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20,
		?21, ?22, ?23, ?24, ?25, ?26)`
	// sqlPutRow replaces every column of an existing row but downloads and
	// deprecation: they belong to the identity, not to the file.
	sqlPutRow = sqlInsertRow + `
	ON CONFLICT (space, kind, id_lower, version_lower) DO UPDATE SET
		` + row.PutSet
)

// Insert adds a row (see index.Catalog). SQLite's primary key and the
// unique blob_key decide ErrExists.
func (c *Catalog) Insert(ctx context.Context, e index.Entry) error {
	if err := row.Check(e); err != nil {
		return err
	}
	tx, err := c.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("index: insert %s: %w", row.KeyOf(e), err)
	}
	defer tx.Rollback()
	if err := c.writeRow(ctx, tx, sqlInsertRow, e); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("index: insert %s: %w", row.KeyOf(e), err)
	}
	return nil
}

// writeRow runs query (sqlInsertRow or sqlPutRow) with e's columns inside tx.
func (c *Catalog) writeRow(ctx context.Context, tx *sql.Tx, query string, e index.Entry) error {
	values, err := row.ValuesOf(e)
	if err != nil {
		return err
	}
	st, err := c.ws.inTx(ctx, tx, query)
	if err != nil {
		return fmt.Errorf("index: insert %s: %w", row.KeyOf(e), err)
	}
	switch _, err = st.ExecContext(ctx, values[:]...); {
	case err == nil:
		return nil
	case isUniqueViolation(err):
		return fmt.Errorf("index: insert %s (blob %q): %w", row.KeyOf(e), e.BlobKey, index.ErrExists)
	default:
		return fmt.Errorf("index: insert %s: %w", row.KeyOf(e), err)
	}
}

func isUniqueViolation(err error) bool {
	var se sqlite3.Error
	return errors.As(err, &se) &&
		(se.ExtendedCode == sqlite3.ErrConstraintUnique || se.ExtendedCode == sqlite3.ErrConstraintPrimaryKey)
}

// Get returns one row (see index.Catalog).
func (c *Catalog) Get(ctx context.Context, space string, kind index.Kind, id string, version string) (index.Entry, error) {
	k, ok := row.Lookup(space, kind, id, version)
	if !ok {
		return index.Entry{}, fmt.Errorf("index: %s %s %s %q: %w", space, kind, id, version, index.ErrNotFound)
	}
	ctx, err := keyed(ctx)
	if err != nil {
		return index.Entry{}, fmt.Errorf("index: get %s: %w", k, err)
	}
	st, err := c.rs.get(ctx, `SELECT `+row.Columns+` FROM packages
		WHERE space = ? AND kind = ? AND id_lower = ? AND version_lower = ?`)
	if err != nil {
		return index.Entry{}, fmt.Errorf("index: get %s: %w", k, err)
	}
	e, err := row.Scan(st.QueryRowContext(ctx, k.Space, string(k.Kind), k.ID, k.Version))
	if errors.Is(err, sql.ErrNoRows) {
		return index.Entry{}, fmt.Errorf("index: %s: %w", k, index.ErrNotFound)
	}
	if err != nil {
		return index.Entry{}, fmt.Errorf("index: get %s: %w", k, err)
	}
	return e, nil
}

// Versions returns every version of one id (see index.Catalog). SQL cannot
// order by NuGet's precedence, so the rows are sorted here.
func (c *Catalog) Versions(ctx context.Context, space string, kind index.Kind, id string) ([]index.Entry, error) {
	lower := nuget.ID(id).Lower()
	ctx, err := keyed(ctx)
	if err != nil {
		return nil, fmt.Errorf("index: versions of %s/%s/%s: %w", space, kind, lower, err)
	}
	st, err := c.rs.get(ctx, `SELECT `+row.Columns+` FROM packages
		WHERE space = ? AND kind = ? AND id_lower = ?`)
	if err != nil {
		return nil, fmt.Errorf("index: versions of %s/%s/%s: %w", space, kind, lower, err)
	}
	rows, err := st.QueryContext(ctx, space, string(kind), lower)
	if err != nil {
		return nil, fmt.Errorf("index: versions of %s/%s/%s: %w", space, kind, lower, err)
	}
	out, err := scanEntries(rows)
	if err != nil {
		return nil, fmt.Errorf("index: versions of %s/%s/%s: %w", space, kind, lower, err)
	}
	slices.SortFunc(out, func(a, b index.Entry) int { return nuget.CompareVersions(a.Version, b.Version) })
	return out, nil
}

// AllEntries returns every row of one space and kind (see index.Catalog).
func (c *Catalog) AllEntries(ctx context.Context, space string, kind index.Kind) ([]index.Entry, error) {
	rows, err := c.r.QueryContext(ctx, `SELECT `+row.Columns+` FROM packages
		WHERE space = ? AND kind = ? ORDER BY id_lower`, space, string(kind))
	if err != nil {
		return nil, fmt.Errorf("index: all entries of %s/%s: %w", space, kind, err)
	}
	out, err := scanEntries(rows)
	if err != nil {
		return nil, fmt.Errorf("index: all entries of %s/%s: %w", space, kind, err)
	}
	return out, nil
}

// scanEntries reads and closes rows selected with row.Columns; no rows is an
// empty, non-nil slice.
func scanEntries(rows *sql.Rows) ([]index.Entry, error) {
	defer rows.Close()
	out := []index.Entry{}
	for rows.Next() {
		e, err := row.Scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// exec runs one identity-addressed write and reports ErrNotFound when no row matched.
func (c *Catalog) exec(ctx context.Context, what string, k row.Key, ok bool, query string, args ...any) error {
	if !ok {
		return fmt.Errorf("index: %s %s: %w", what, k, index.ErrNotFound)
	}
	args = append(args, k.Space, string(k.Kind), k.ID, k.Version)
	res, err := c.w.ExecContext(ctx, query+` WHERE space = ? AND kind = ? AND id_lower = ? AND version_lower = ?`, args...)
	if err != nil {
		return fmt.Errorf("index: %s %s: %w", what, k, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("index: %s %s: %w", what, k, err)
	}
	if n == 0 {
		return fmt.Errorf("index: %s %s: %w", what, k, index.ErrNotFound)
	}
	return nil
}

// Delete removes one row.
func (c *Catalog) Delete(ctx context.Context, space string, kind index.Kind, id, version string) error {
	k, ok := row.Lookup(space, kind, id, version)
	return c.exec(ctx, "delete", k, ok, `DELETE FROM packages`)
}

// SetListed lists or unlists one version.
func (c *Catalog) SetListed(ctx context.Context, space string, kind index.Kind, id, version string, listed bool) error {
	k, ok := row.Lookup(space, kind, id, version)
	return c.exec(ctx, "set listed", k, ok, `UPDATE packages SET listed = ?`, listed)
}

// AddDownloads adds n downloads to one version: a single UPDATE on the
// writer connection.
func (c *Catalog) AddDownloads(ctx context.Context, space string, kind index.Kind, id, version string, n int64, at time.Time) error {
	k, ok := row.Lookup(space, kind, id, version)
	return c.exec(ctx, "add downloads", k, ok, `UPDATE packages SET downloads = downloads + ?, `+row.LastDownloadSet("MAX", "?"), n, row.Nanos(at))
}

// SetDeprecation sets or clears the deprecation of versions of one id in
// one transaction on the writer connection (see index.Catalog).
func (c *Catalog) SetDeprecation(ctx context.Context, space string, kind index.Kind, id string, versions []string, d *nuget.Deprecation) error {
	value, err := row.EncodeDeprecation(d)
	if err != nil {
		return err
	}
	tx, err := c.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("index: set deprecation of %s/%s/%s: %w", space, kind, id, err)
	}
	defer tx.Rollback()
	for _, version := range versions {
		k, ok := row.Lookup(space, kind, id, version)
		if !ok {
			return fmt.Errorf("index: set deprecation %s/%s/%s %q: %w", space, kind, id, version, index.ErrNotFound)
		}
		res, err := tx.ExecContext(ctx, `UPDATE packages SET deprecation = ?
			WHERE space = ? AND kind = ? AND id_lower = ? AND version_lower = ?`,
			value, k.Space, string(k.Kind), k.ID, k.Version)
		if err != nil {
			return fmt.Errorf("index: set deprecation %s: %w", k, err)
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return fmt.Errorf("index: set deprecation %s: %w", k, cmp.Or(err, index.ErrNotFound))
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("index: set deprecation of %s/%s/%s: %w", space, kind, id, err)
	}
	return nil
}
