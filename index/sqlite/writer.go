package sqlite

import (
	"context"
	"errors"
	"fmt"
	"syscall"

	"github.com/mattn/go-sqlite3"

	"github.com/feedserver/feedserver/index"
	"github.com/feedserver/feedserver/index/internal/row"
)

// Put inserts or replaces a row (see index.Catalog).
//
// Concurrent Puts are committed together: one goroutine owns the writer
// connection for them and writes whatever has queued up in one transaction.
// Once queued, a Put is committed even if ctx ends, and Put waits for it, so
// the caller always learns whether the row exists.
func (c *Catalog) Put(ctx context.Context, e index.Entry) error {
	if err := row.Check(e); err != nil {
		return err
	}
	req := putReq{e: e, done: make(chan error, 1)}
	select {
	case c.puts <- req:
	case <-ctx.Done():
		return fmt.Errorf("index: put %s: %w", row.KeyOf(e), ctx.Err())
	case <-c.closed:
		return fmt.Errorf("index: put %s: %w", row.KeyOf(e), errClosed)
	}
	return <-req.done
}

// errClosed is a Put after Close.
var errClosed = errors.New("the catalogue is closed")

// maxPutBatch bounds one group commit, so a burst of pushes still commits in
// steps of a few milliseconds.
const maxPutBatch = 64

// putReq is one Put waiting for the batch writer.
type putReq struct {
	e    index.Entry
	done chan error // buffered: the writer never waits for the caller
}

// writePuts is the goroutine that commits Puts. Pushes from 8 clients used
// to queue for the writer connection, each paying for its own transaction;
// now whoever queues while one transaction commits shares the next one.
func (c *Catalog) writePuts() {
	defer close(c.writerDone)
	ctx := context.Background() // callers wait for the outcome, so a write is never abandoned
	for {
		var batch []putReq
		select {
		case r := <-c.puts:
			batch = append(batch, r)
		case <-c.closed:
			return
		}
	drain:
		for len(batch) < maxPutBatch {
			select {
			case r := <-c.puts:
				batch = append(batch, r)
			default:
				break drain
			}
		}
		if len(batch) > 1 {
			if err := c.putRows(ctx, batch); err == nil {
				for _, r := range batch {
					r.done <- nil
				}
				continue
			}
			// One bad row must not fail the others: each gets its own
			// transaction and hears its own outcome.
		}
		for _, r := range batch {
			r.done <- c.putRows(ctx, []putReq{r})
		}
	}
}

// putRows writes the rows of batch in one transaction, each in one
// statement (sqlPutRow): a lookup of the old row's downloads and a delete
// before the insert cost a push three more statements, and database/sql a
// goroutine for each query in a transaction.
func (c *Catalog) putRows(ctx context.Context, batch []putReq) error {
	k := row.KeyOf(batch[0].e)
	tx, err := c.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("index: put %s: %w", k, err)
	}
	defer tx.Rollback()
	for _, r := range batch {
		if err := diskFull(c.writeRow(ctx, tx, sqlPutRow, r.e)); err != nil {
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		return diskFull(fmt.Errorf("index: put %s: %w", k, err))
	}
	return nil
}

// diskFull makes SQLite's "database or disk is full" an out-of-space error
// that errors.Is(err, syscall.ENOSPC) recognises, so a push that fails on it
// answers 507 like a push whose file did not fit.
func diskFull(err error) error {
	if err == nil {
		return nil // before se, which escapes: no allocation for a write that worked
	}
	var se sqlite3.Error
	if errors.As(err, &se) && se.Code == sqlite3.ErrFull {
		return fmt.Errorf("%w (%w)", err, syscall.ENOSPC)
	}
	return err
}
