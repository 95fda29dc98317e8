package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"sync"

	_ "github.com/mattn/go-sqlite3" // registers the "sqlite3" database/sql driver

	"github.com/feedserver/feedserver/index"
)

// Catalog is the package catalogue in one SQLite file.
//
// Writes go through a pool of exactly one connection, so SQLite never sees two
// writers from this process and never answers SQLITE_BUSY to us; reads use their
// own pool and run concurrently with the writer thanks to WAL.
type Catalog struct {
	w *sql.DB // the single writer connection
	r *sql.DB // readers

	// Prepared statements of the hot paths (push, lookup, versions): go-sqlite3
	// otherwise parses the SQL text on every call. The writer's are prepared
	// when the catalogue opens: its one connection is held by the transaction
	// that would need them.
	ws, rs stmtCache

	// Put hands its rows to one goroutine that commits them in batches (writer.go).
	puts       chan putReq
	closed     chan struct{} // closed by Close
	writerDone chan struct{} // closed when that goroutine has stopped
	closeOnce  sync.Once
}

var _ index.Catalog = (*Catalog)(nil)

// Open opens (creating if needed) the catalogue at path and applies pending
// migrations.
func Open(ctx context.Context, path string) (*Catalog, error) {
	params := url.Values{}
	params.Set("_journal_mode", "WAL")
	params.Set("_foreign_keys", "on")
	params.Set("_busy_timeout", "10000")
	params.Set("_synchronous", "NORMAL")
	// BEGIN IMMEDIATE takes the write lock up front: no lock upgrade, no deadlock.
	params.Set("_txlock", "immediate")
	dsn := "file:" + path + "?" + params.Encode()

	w, err := sql.Open("sqlite3", dsn)
	if err != nil {
		return nil, fmt.Errorf("index: open catalogue %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)

	params.Set("_query_only", "true")
	params.Set("_txlock", "deferred")
	r, err := sql.Open("sqlite3", "file:"+path+"?"+params.Encode())
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("index: open catalogue %s: %w", path, err)
	}
	r.SetMaxOpenConns(8)
	r.SetMaxIdleConns(8)

	c := &Catalog{
		w: w, r: r, ws: stmtCache{db: w}, rs: stmtCache{db: r},
		puts: make(chan putReq), closed: make(chan struct{}), writerDone: make(chan struct{}),
	}
	go c.writePuts()
	if err := migrate(ctx, c.w); err != nil {
		c.Close()
		return nil, err
	}
	for _, q := range []string{sqlInsertRow, sqlPutRow} {
		if _, err := c.ws.get(ctx, q); err != nil {
			c.Close()
			return nil, fmt.Errorf("index: prepare statements: %w", err)
		}
	}
	return c, nil
}

// Close stops the Put writer, then closes both pools. The rows the writer
// has taken are committed first; a Put still waiting fails.
func (c *Catalog) Close() error {
	c.closeOnce.Do(func() { close(c.closed) })
	<-c.writerDone
	return errors.Join(c.rs.close(), c.ws.close(), c.r.Close(), c.w.Close())
}
