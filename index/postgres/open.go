package postgres

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/feedserver/feedserver/index"
)

// Catalog is the package catalogue in a PostgreSQL database, over a pool
// of connections (pgxpool). pgx prepares and caches each query's statement
// per connection, so a lookup is one round trip.
type Catalog struct {
	pool      *pgxpool.Pool
	metrics   *metrics
	closeOnce sync.Once
	closed    chan struct{}
}

var _ index.Catalog = (*Catalog)(nil)

// Options configures Open.
type Options struct {
	// Registerer receives the catalogue's latency and error series
	// (metrics.go); nil registers them nowhere.
	Registerer prometheus.Registerer
}

// writeTimeout bounds a write that runs on after its caller has gone (see
// write): a server that stops answering fails the write with ErrUnavailable
// instead of holding the push forever.
const writeTimeout = 30 * time.Second

// Open connects to the database named by dsn (a postgres:// URL or a
// key=value connection string, as libpq reads them) and applies pending
// migrations. A server that cannot be reached fails with ErrUnavailable.
func Open(ctx context.Context, dsn string, opts Options) (*Catalog, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		// pgx's message may quote the connection string, password included.
		return nil, errors.New("index: the PostgreSQL connection string does not parse (postgres://user:password@host:port/database or key=value pairs)")
	}
	if cfg.MaxConns < 8 {
		// pgx's default is the CPU count: a 2-core server would push two at a time.
		cfg.MaxConns = 8
	}
	m, err := newMetrics(opts.Registerer)
	if err != nil {
		return nil, err
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("index: open PostgreSQL catalogue: %w", classify(err))
	}
	c := &Catalog{pool: pool, metrics: m, closed: make(chan struct{})}
	if err := migrate(ctx, pool); err != nil {
		pool.Close()
		return nil, err
	}
	return c, nil
}

// Ping checks that the database answers, for /readyz.
func (c *Catalog) Ping(ctx context.Context) (err error) {
	defer c.observe("ping", time.Now(), &err)
	if err := c.usable(ctx); err != nil {
		return err
	}
	if err := c.pool.Ping(ctx); err != nil {
		return fmt.Errorf("index: ping the catalogue database: %w", classify(err))
	}
	return nil
}

// Close closes the pool, waiting for queries in flight; a second Close
// does nothing, and a call after Close fails.
func (c *Catalog) Close() error {
	c.closeOnce.Do(func() {
		close(c.closed)
		c.pool.Close()
	})
	return nil
}

// errClosed is a call after Close.
var errClosed = errors.New("the catalogue is closed")

// usable refuses a call after Close or from a caller that has gone: a
// lookup whose context is already done does not run.
func (c *Catalog) usable(ctx context.Context) error {
	select {
	case <-c.closed:
		return errClosed
	default:
	}
	return ctx.Err()
}

// write is the context of a write: checked before it starts, then detached
// from the caller, so a client that disconnects mid-commit never leaves the
// row's fate unknown to the caller (the contract: an error means the row was
// not written), and bounded by writeTimeout.
func (c *Catalog) write(ctx context.Context) (context.Context, context.CancelFunc, error) {
	if err := c.usable(ctx); err != nil {
		return nil, nil, err
	}
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), writeTimeout)
	return wctx, cancel, nil
}
