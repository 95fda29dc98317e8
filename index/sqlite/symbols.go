package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/feedserver/feedserver/index"
	"github.com/feedserver/feedserver/index/internal/row"
)

// This file holds the queries on symbol packages' PDBs (table symbol_files).

// PutSymbols replaces the symbol rows of one version in one transaction.
func (c *Catalog) PutSymbols(ctx context.Context, space, id, version string, files []index.SymbolFile) error {
	k, rows, ok, err := row.SymbolRows(space, id, version, files)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("index: put symbols of %s %s: %w", id, version, index.ErrNotFound)
	}
	tx, err := c.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("index: put symbols of %s: %w", k, err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `DELETE FROM symbol_files WHERE space = ? AND id_lower = ? AND version_lower = ?`,
		k.Space, k.ID, k.Version); err != nil {
		return fmt.Errorf("index: put symbols of %s: %w", k, err)
	}
	for _, r := range rows {
		if _, err := tx.ExecContext(ctx, `INSERT INTO symbol_files (`+row.SymbolColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, r[:]...); err != nil {
			return fmt.Errorf("index: put symbols of %s: %w", k, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("index: put symbols of %s: %w", k, err)
	}
	return nil
}

// Symbols returns the symbol rows of one version.
func (c *Catalog) Symbols(ctx context.Context, space, id, version string) ([]index.SymbolFile, error) {
	k, ok := row.Lookup(space, index.KindNuGet, id, version)
	if !ok {
		return []index.SymbolFile{}, nil
	}
	return c.querySymbols(ctx, k.String(), `SELECT `+row.SymbolColumns+` FROM symbol_files
		WHERE space = ? AND id_lower = ? AND version_lower = ? ORDER BY ssqp_key`, k.Space, k.ID, k.Version)
}

// DeleteSymbols removes the symbol rows of one version.
func (c *Catalog) DeleteSymbols(ctx context.Context, space, id, version string) error {
	k, ok := row.Lookup(space, index.KindNuGet, id, version)
	if !ok {
		return nil
	}
	if _, err := c.w.ExecContext(ctx, `DELETE FROM symbol_files WHERE space = ? AND id_lower = ? AND version_lower = ?`,
		k.Space, k.ID, k.Version); err != nil {
		return fmt.Errorf("index: delete symbols of %s: %w", k, err)
	}
	return nil
}

// SymbolsByKey returns the rows of one space with one SSQP key.
func (c *Catalog) SymbolsByKey(ctx context.Context, space, key string) ([]index.SymbolFile, error) {
	return c.querySymbols(ctx, key, `SELECT `+row.SymbolColumns+` FROM symbol_files
		WHERE space = ? AND ssqp_key = ? ORDER BY id_lower, version_lower`, space, strings.ToLower(key))
}

func (c *Catalog) querySymbols(ctx context.Context, what, query string, args ...any) ([]index.SymbolFile, error) {
	rows, err := c.r.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("index: symbols %s: %w", what, err)
	}
	return scanSymbols(rows, what)
}

func scanSymbols(rows *sql.Rows, what string) ([]index.SymbolFile, error) {
	defer rows.Close()
	out := []index.SymbolFile{}
	for rows.Next() {
		f, err := row.ScanSymbol(rows)
		if err != nil {
			return nil, fmt.Errorf("index: symbols %s: %w", what, err)
		}
		out = append(out, f)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("index: symbols %s: %w", what, err)
	}
	return out, nil
}
