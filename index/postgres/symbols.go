package postgres

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/feedserver/feedserver/index"
	"github.com/feedserver/feedserver/index/internal/row"
)

// This file holds the queries on symbol packages' PDBs (table symbol_files).

// PutSymbols replaces the symbol rows of one version in one batch, which
// PostgreSQL runs as one implicit transaction.
func (c *Catalog) PutSymbols(ctx context.Context, space, id, version string, files []index.SymbolFile) (err error) {
	defer c.observe("put_symbols", time.Now(), &err)
	k, rows, ok, err := row.SymbolRows(space, id, version, files)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("index: put symbols of %s %s: %w", id, version, index.ErrNotFound)
	}
	wctx, cancel, err := c.write(ctx)
	if err != nil {
		return fmt.Errorf("index: put symbols of %s: %w", k, err)
	}
	defer cancel()
	b := &pgx.Batch{}
	b.Queue(`DELETE FROM symbol_files WHERE space = $1 AND id_lower = $2 AND version_lower = $3`, k.Space, k.ID, k.Version)
	for _, r := range rows {
		b.Queue(`INSERT INTO symbol_files (`+row.SymbolColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, r[:]...)
	}
	if err := c.pool.SendBatch(wctx, b).Close(); err != nil {
		return fmt.Errorf("index: put symbols of %s: %w", k, classifyWrite(wctx, err))
	}
	return nil
}

// Symbols returns the symbol rows of one version.
func (c *Catalog) Symbols(ctx context.Context, space, id, version string) (_ []index.SymbolFile, err error) {
	defer c.observe("symbols", time.Now(), &err)
	k, ok := row.Lookup(space, index.KindNuGet, id, version)
	if !ok {
		return []index.SymbolFile{}, nil
	}
	return c.querySymbols(ctx, k.String(), `SELECT `+row.SymbolColumns+` FROM symbol_files
		WHERE space = $1 AND id_lower = $2 AND version_lower = $3 ORDER BY ssqp_key`, k.Space, k.ID, k.Version)
}

// DeleteSymbols removes the symbol rows of one version.
func (c *Catalog) DeleteSymbols(ctx context.Context, space, id, version string) (err error) {
	defer c.observe("delete_symbols", time.Now(), &err)
	k, ok := row.Lookup(space, index.KindNuGet, id, version)
	if !ok {
		return nil
	}
	wctx, cancel, err := c.write(ctx)
	if err != nil {
		return fmt.Errorf("index: delete symbols of %s: %w", k, err)
	}
	defer cancel()
	if _, err := c.pool.Exec(wctx, `DELETE FROM symbol_files WHERE space = $1 AND id_lower = $2 AND version_lower = $3`,
		k.Space, k.ID, k.Version); err != nil {
		return fmt.Errorf("index: delete symbols of %s: %w", k, classifyWrite(wctx, err))
	}
	return nil
}

// SymbolsByKey returns the rows of one space with one SSQP key.
func (c *Catalog) SymbolsByKey(ctx context.Context, space, key string) (_ []index.SymbolFile, err error) {
	defer c.observe("symbols_by_key", time.Now(), &err)
	return c.querySymbols(ctx, key, `SELECT `+row.SymbolColumns+` FROM symbol_files
		WHERE space = $1 AND ssqp_key = $2 ORDER BY id_lower, version_lower`, space, strings.ToLower(key))
}

func (c *Catalog) querySymbols(ctx context.Context, what, query string, args ...any) ([]index.SymbolFile, error) {
	out, err := queryRows(ctx, c, row.ScanSymbol, query, args...)
	if err != nil {
		return nil, fmt.Errorf("index: symbols %s: %w", what, err)
	}
	return out, nil
}
