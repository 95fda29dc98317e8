package postgres

import (
	"context"
	"embed"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/feedserver/feedserver/index/internal/row"
)

// The schema, one file per version: NNNN_name.sql, applied in order and
// recorded in schema_migrations. A released file never changes; a change is
// a new file.
//
//go:embed migrations/*.sql
var migrationFS embed.FS

// The advisory lock that serialises migrations across processes: the
// two-key form, so it never meets the one-key id locks of packages.go
// (PostgreSQL keeps the two key spaces apart). The first key names this
// program's locks ("fsrv"), the second this one among them.
const (
	lockSpace      = 0x66737276
	lockMigrations = 1
)

// migrate applies every embedded migration not yet recorded in
// schema_migrations, in file-name order, each in its own transaction that
// first takes the migration lock: of two processes starting at once, the
// second waits, then finds each migration recorded and skips it. DDL is
// transactional in PostgreSQL, so a migration that fails leaves nothing.
func migrate(ctx context.Context, pool *pgxpool.Pool) error {
	migrations, err := row.Migrations(migrationFS)
	if err != nil {
		return err
	}
	for _, m := range migrations {
		err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
			return applyMigration(ctx, tx, m.Version, m.Name, m.SQL)
		})
		if err != nil {
			return fmt.Errorf("index: migration %s: %w", m.Name, classify(err))
		}
	}
	return nil
}

func applyMigration(ctx context.Context, tx pgx.Tx, version int, name, body string) error {
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1, $2)`, lockSpace, lockMigrations); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		name       TEXT    NOT NULL,
		applied_at BIGINT  NOT NULL
	)`); err != nil {
		return err
	}
	var applied bool
	if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE version = $1)`, version).Scan(&applied); err != nil {
		return err
	}
	if applied {
		return nil
	}
	if _, err := tx.Exec(ctx, body); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)`,
		version, name, time.Now().UnixNano())
	return err
}
