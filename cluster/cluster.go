package cluster

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
)

// The advisory locks of this package, in the two-key form whose first key
// names this program's locks ("fsrv"; index/postgres holds 1 for its
// migrations, auth 2 for its tables).
const (
	lockSpace  = 0x66737276
	lockTables = 3  // transaction lock: creating cluster_jobs
	lockLeader = 10 // session lock: the leader
	lockWork   = 11 // session lock: background work
)

// leaderRetry is how often a process that is not the leader tries to become it.
const leaderRetry = time.Second

// connCheck is how often a session lock's connection is checked: a lock
// whose connection broke is gone, and so is the leadership or the work it
// guarded.
const connCheck = time.Second

// Options configures Open.
type Options struct {
	// Name identifies this process in job records and logs; "" uses the
	// host name and the process id.
	Name       string
	Logger     *slog.Logger
	Registerer prometheus.Registerer // nil registers the metrics nowhere
}

// Cluster is one process's membership of the group that shares a
// database. It is safe for concurrent use.
type Cluster struct {
	cfg    *pgx.ConnConfig // for the connections that hold session locks
	pool   *pgxpool.Pool   // for the job rows
	name   string
	log    *slog.Logger
	leader atomic.Bool
	m      *metrics
}

// Open connects to the database dsn names (as index/postgres.Open reads it)
// and creates the job table if it is missing.
func Open(ctx context.Context, dsn string, opts Options) (*Cluster, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		// pgx's message may quote the connection string, password included.
		return nil, errors.New("cluster: the PostgreSQL connection string does not parse")
	}
	pcfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, errors.New("cluster: the PostgreSQL connection string does not parse")
	}
	pcfg.MaxConns = 2 // a few short queries a second
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Name == "" {
		host, _ := os.Hostname()
		opts.Name = host + ":" + strconv.Itoa(os.Getpid())
	}
	m, err := newMetrics(opts.Registerer)
	if err != nil {
		return nil, err
	}
	pool, err := pgxpool.NewWithConfig(ctx, pcfg)
	if err != nil {
		return nil, fmt.Errorf("cluster: connect: %w", err)
	}
	c := &Cluster{cfg: cfg, pool: pool, name: opts.Name, log: opts.Logger, m: m}
	if err := c.createTables(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	return c, nil
}

// Close closes the job rows' pool. Lead and Exclusive end with their contexts.
func (c *Cluster) Close() { c.pool.Close() }

// Name is this process's name in job records.
func (c *Cluster) Name() string { return c.name }

// createTables creates cluster_jobs, under a transaction lock so processes
// starting at once do not race on it.
func (c *Cluster) createTables(ctx context.Context) error {
	err := pgx.BeginFunc(ctx, c.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1, $2)`, lockSpace, lockTables); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS cluster_jobs (
			name      TEXT        PRIMARY KEY,
			requested BIGINT      NOT NULL DEFAULT 0, -- requests so far
			claimed   BIGINT      NOT NULL DEFAULT 0, -- requests the last run took on
			done      BIGINT      NOT NULL DEFAULT 0, -- requests a finished run covered
			runner    TEXT        NOT NULL DEFAULT '',
			state     TEXT        NOT NULL DEFAULT '', -- the runner's own record (JSON)
			finished  TIMESTAMPTZ,
			runs      BIGINT      NOT NULL DEFAULT 0
		)`)
		return err
	})
	if err != nil {
		return fmt.Errorf("cluster: create tables: %w", err)
	}
	return nil
}

// connect opens a connection of its own, for a session lock.
func (c *Cluster) connect(ctx context.Context) (*pgx.Conn, error) {
	return pgx.ConnectConfig(ctx, c.cfg.Copy())
}

// tryLock takes the session lock key on conn; false when another session holds it.
func tryLock(ctx context.Context, conn *pgx.Conn, key int) (bool, error) {
	var got bool
	err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock($1, $2)`, lockSpace, key).Scan(&got)
	return got, err
}

// guard runs fn with a context that ends when ctx does or conn stops
// answering (its session lock is then gone), checking every connCheck.
// conn is used by nothing else meanwhile.
func guard(ctx context.Context, conn *pgx.Conn, fn func(context.Context)) (lost bool) {
	fctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn(fctx)
	}()
	t := time.NewTicker(connCheck)
	defer t.Stop()
	for {
		select {
		case <-done:
			return false
		case <-t.C:
			pctx, pcancel := context.WithTimeout(ctx, connCheck)
			err := conn.Ping(pctx)
			pcancel()
			if err != nil && ctx.Err() == nil {
				cancel()
				<-done
				return true
			}
		}
	}
}

// Leader reports whether this process is the leader now.
func (c *Cluster) Leader() bool { return c.leader.Load() }

// Lead takes part in the election until ctx ends: whenever this process
// holds the leader lock, run runs, with a context that ends when the lock
// is lost (its connection broke) or ctx ends; Lead then waits for run to
// return before it tries again. Only one process in the group runs run at
// a time, unless a connection breaks unseen by its holder for up to
// connCheck while the server has already ended its session.
func (c *Cluster) Lead(ctx context.Context, run func(context.Context)) {
	for ctx.Err() == nil {
		c.campaign(ctx, run)
		select {
		case <-ctx.Done():
		case <-time.After(leaderRetry):
		}
	}
}

// campaign connects, waits for the leader lock and leads while it holds it;
// it returns when the connection fails or ctx ends.
func (c *Cluster) campaign(ctx context.Context, run func(context.Context)) {
	conn, err := c.connect(ctx)
	if err != nil {
		return
	}
	defer conn.Close(context.WithoutCancel(ctx)) // ends the session, and with it the lock
	for {
		got, err := tryLock(ctx, conn, lockLeader)
		if err != nil {
			return
		}
		if got {
			break
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(leaderRetry):
		}
	}
	c.leader.Store(true)
	c.m.leader.Set(1)
	c.m.elected.Inc()
	c.log.Info("this process is now the leader: it schedules the background work", "name", c.name)
	lost := guard(ctx, conn, run)
	c.leader.Store(false)
	c.m.leader.Set(0)
	if lost {
		c.log.Warn("leadership lost: the connection that held it broke", "name", c.name)
	}
}

// Exclusive runs fn while this process holds the work lock, which one
// process of the group holds at a time. When another holds it, Exclusive
// returns false without calling fn. fn's context ends when ctx does or the
// lock's connection breaks.
func (c *Cluster) Exclusive(ctx context.Context, fn func(context.Context) error) (ran bool, err error) {
	conn, err := c.connect(ctx)
	if err != nil {
		return false, fmt.Errorf("cluster: work lock: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx)) // ends the session, and with it the lock
	got, err := tryLock(ctx, conn, lockWork)
	if err != nil {
		return false, fmt.Errorf("cluster: work lock: %w", err)
	}
	if !got {
		c.m.busy.Inc()
		return false, nil
	}
	if lost := guard(ctx, conn, func(ctx context.Context) { err = fn(ctx) }); lost && err == nil {
		err = errors.New("cluster: the work lock's connection broke while the work ran")
	}
	return true, err
}
