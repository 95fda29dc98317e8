package auth

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
)

// DB is the key database the stores (Keys, Spaces, Owners) share: a
// *sql.DB and the little that differs between the SQL databases it may be.
// The stores write their queries once, with "?" placeholders and SQL that
// SQLite and PostgreSQL share (VARCHAR, TEXT, BIGINT, IF NOT EXISTS,
// lower()); DB rebinds the placeholders to $1, $2, ... for PostgreSQL and
// serialises table creation across processes there.
type DB struct {
	sql         *sql.DB
	numbered    bool             // $N placeholders (PostgreSQL)
	unavailable func(error) bool // recognises an unreachable server; nil: never
	lock        string           // taken first in a transaction that creates tables; "" for none
}

// SQLite is a key database in SQLite (the embedded default, keys.db in the
// data folder): its single writer already serialises table creation.
func SQLite(db *sql.DB) *DB { return &DB{sql: db} }

// PostgreSQL is a key database in PostgreSQL, reached through a
// database/sql driver (cmd uses pgx's stdlib driver). unavailable tells the
// errors of a server that cannot be reached; they then wrap ErrUnavailable.
// Table creation takes a transaction-scoped advisory lock, so processes
// starting at once do not race on CREATE TABLE IF NOT EXISTS.
func PostgreSQL(db *sql.DB, unavailable func(error) bool) *DB {
	// The two-key advisory lock form: first key "fsrv" (this program's
	// locks), second 2 (the key store's tables and its first key; 1 is the catalogue's migrations,
	// index/postgres/migrate.go).
	return &DB{sql: db, numbered: true, unavailable: unavailable, lock: `SELECT pg_advisory_xact_lock(1718841974, 2)`}
}

// Close closes the underlying database.
func (db *DB) Close() error { return db.sql.Close() }

// Ping checks that the database answers, for readiness checks.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.sql.PingContext(ctx); err != nil {
		return fmt.Errorf("auth: ping the key database: %w", db.classify(err))
	}
	return nil
}

// bind rewrites "?" placeholders for the database: $1, $2, ... in order for
// PostgreSQL. The stores' queries hold no "?" inside string literals.
func (db *DB) bind(query string) string {
	if !db.numbered || !strings.Contains(query, "?") {
		return query
	}
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// classify wraps ErrUnavailable around an error of an unreachable server.
func (db *DB) classify(err error) error {
	if err != nil && db.unavailable != nil && db.unavailable(err) {
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	return err
}

func (db *DB) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	res, err := db.sql.ExecContext(ctx, db.bind(query), args...)
	return res, db.classify(err)
}

func (db *DB) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	rows, err := db.sql.QueryContext(ctx, db.bind(query), args...)
	return rows, db.classify(err)
}

// queryRow is QueryRowContext whose Scan classifies its error.
func (db *DB) queryRow(ctx context.Context, query string, args ...any) row {
	return row{db.sql.QueryRowContext(ctx, db.bind(query), args...), db}
}

type row struct {
	r  *sql.Row
	db *DB
}

func (r row) Scan(dest ...any) error { return r.db.classify(r.r.Scan(dest...)) }

// transact runs stmts (CREATE TABLE IF NOT EXISTS ...) and then, in the
// same transaction, more(tx) when not nil; under the lock on PostgreSQL, so
// processes sharing the database do one at a time.
func (db *DB) transact(ctx context.Context, more func(tx *sql.Tx) error, stmts ...string) error {
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return db.classify(err)
	}
	defer tx.Rollback() // a no-op after Commit
	if db.lock != "" {
		if _, err := tx.ExecContext(ctx, db.lock); err != nil {
			return db.classify(err)
		}
	}
	for _, stmt := range stmts {
		if _, err := tx.ExecContext(ctx, stmt); err != nil {
			return db.classify(err)
		}
	}
	if more != nil {
		if err := more(tx); err != nil {
			return db.classify(err)
		}
	}
	return db.classify(tx.Commit())
}
