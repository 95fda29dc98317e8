package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/feedserver/feedserver/index"
)

// This file reads the change log that migrations/0002_changes.sql's
// triggers write (see index.ChangeLog and that file for why the numbers
// are gapless and commit in order).

var _ index.ChangeLog = (*Catalog)(nil)

// changesChannel is the LISTEN/NOTIFY channel the triggers ring.
const changesChannel = "feedserver_changes"

// Changes returns up to limit changes above after and the head, in one
// statement, so both are of one snapshot.
func (c *Catalog) Changes(ctx context.Context, after int64, limit int) (head int64, out []index.Change, err error) {
	defer c.observe("changes", time.Now(), &err)
	if err := c.usable(ctx); err != nil {
		return 0, nil, fmt.Errorf("index: changes after %d: %w", after, err)
	}
	if limit <= 0 {
		limit = 1000
	}
	// The head row always exists, so the join yields one row even when no
	// change is newer than after.
	rows, err := c.pool.Query(ctx, `SELECT h.seq, c.seq, c.space, c.kind, c.id_lower,
		EXTRACT(EPOCH FROM clock_timestamp() - c.at)::FLOAT8
		FROM change_head h LEFT JOIN LATERAL (
			SELECT seq, space, kind, id_lower, at FROM changes WHERE seq > $1 ORDER BY seq LIMIT $2
		) c ON TRUE ORDER BY c.seq`, after, limit)
	if err != nil {
		return 0, nil, fmt.Errorf("index: changes after %d: %w", after, classify(err))
	}
	defer rows.Close()
	for rows.Next() {
		var (
			seq             *int64
			space, kind, id *string
			age             *float64
		)
		if err := rows.Scan(&head, &seq, &space, &kind, &id, &age); err != nil {
			return 0, nil, fmt.Errorf("index: changes after %d: %w", after, classify(err))
		}
		if seq == nil {
			continue // no change after after: the row carries the head alone
		}
		out = append(out, index.Change{Seq: *seq, Space: *space, Kind: index.Kind(*kind), ID: *id,
			Age: time.Duration(*age * float64(time.Second))})
	}
	if err := rows.Err(); err != nil {
		return 0, nil, fmt.Errorf("index: changes after %d: %w", after, classify(err))
	}
	return head, out, nil
}

// PruneChanges removes the changes committed before the given time but the
// newest, which tells a reader far behind that it missed some.
func (c *Catalog) PruneChanges(ctx context.Context, before time.Time) (n int64, err error) {
	defer c.observe("prune_changes", time.Now(), &err)
	wctx, cancel, err := c.write(ctx)
	if err != nil {
		return 0, fmt.Errorf("index: prune changes: %w", err)
	}
	defer cancel()
	tag, err := c.pool.Exec(wctx, `DELETE FROM changes
		WHERE at < $1 AND seq < (SELECT seq FROM change_head)`, before)
	if err != nil {
		return 0, fmt.Errorf("index: prune changes: %w", classifyWrite(wctx, err))
	}
	return tag.RowsAffected(), nil
}

// watchRetry is how long WatchChanges waits before it connects again after
// losing its connection.
const watchRetry = time.Second

// WatchChanges listens for the triggers' notifications on a connection of
// its own (a pooled one would go back to the pool between waits) and rings
// the returned channel for each, and once more after every reconnection,
// since notifications sent while it was away are lost. The channel is
// closed when ctx ends.
func (c *Catalog) WatchChanges(ctx context.Context) <-chan struct{} {
	bell := make(chan struct{}, 1)
	ring := func() {
		select {
		case bell <- struct{}{}:
		default: // a ring is pending: it stands for this one too
		}
	}
	go func() {
		defer close(bell)
		for ctx.Err() == nil {
			// A failed connection is counted, not reported: the reader's
			// polls cover what the doorbell misses meanwhile.
			c.listen(ctx, ring)
			if ctx.Err() != nil {
				return
			}
			c.metrics.errors.WithLabelValues("watch_changes").Inc()
			ring()
			select {
			case <-ctx.Done():
				return
			case <-time.After(watchRetry):
			}
		}
	}()
	return bell
}

// listen connects, listens and rings for every notification until the
// connection fails or ctx ends.
func (c *Catalog) listen(ctx context.Context, ring func()) {
	conn, err := pgx.ConnectConfig(ctx, c.pool.Config().ConnConfig.Copy())
	if err != nil {
		return
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "LISTEN "+changesChannel); err != nil {
		return
	}
	ring() // anything committed before LISTEN took effect
	for {
		if _, err := conn.WaitForNotification(ctx); err != nil {
			return
		}
		ring()
	}
}
