package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
)

// This file holds what makes a lookup by key cheap: prepared statements and
// a context database/sql does not watch.

// stmtCache prepares each query text once per pool.
type stmtCache struct {
	db *sql.DB
	mu sync.Mutex
	m  map[string]*sql.Stmt
}

func (s *stmtCache) get(ctx context.Context, query string) (*sql.Stmt, error) {
	s.mu.Lock()
	st, ok := s.m[query]
	s.mu.Unlock()
	if ok {
		return st, nil
	}
	// Prepare without the lock: it may wait for a busy pool's connection.
	st, err := s.db.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if first, ok := s.m[query]; ok {
		st.Close() // another caller prepared it meanwhile
		return first, nil
	}
	if s.m == nil {
		s.m = make(map[string]*sql.Stmt)
	}
	s.m[query] = st
	return st, nil
}

func (s *stmtCache) close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var errs []error
	for _, st := range s.m {
		errs = append(errs, st.Close())
	}
	s.m = nil
	return errors.Join(errs...)
}

// inTx returns the statement for query, prepared beforehand, bound to tx.
func (s *stmtCache) inTx(ctx context.Context, tx *sql.Tx, query string) (*sql.Stmt, error) {
	s.mu.Lock()
	st, ok := s.m[query]
	s.mu.Unlock()
	if !ok {
		return nil, fmt.Errorf("statement not prepared: %.40s", query) // a bug here, not bad input
	}
	return tx.StmtContext(ctx, st), nil
}

// keyed is the context for a lookup by key, which takes microseconds (or a
// few milliseconds for an id with thousands of versions). Without a Done
// channel, database/sql starts no goroutine per query to watch for
// cancellation; with one, waking that goroutine cost a push more than the
// lookup did. A caller whose context is already done gets its error and no
// lookup.
func keyed(ctx context.Context) (context.Context, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return context.WithoutCancel(ctx), nil
}
