package feed

import (
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/feedserver/feedserver/index"
	"github.com/feedserver/feedserver/nuget"
	"github.com/feedserver/feedserver/storage"
)

// The error vocabulary of the service. Protocols classify with errors.Is and
// map each to a status code in one table per protocol.
var (
	ErrNotFound  = errors.New("not found")
	ErrExists    = errors.New("already exists")
	ErrTooLarge  = errors.New("too large")
	ErrForbidden = errors.New("forbidden")
	// ErrInvalid is nuget's sentinel: every refused package, manifest or name wraps it.
	ErrInvalid = nuget.ErrInvalidPackage
	// ErrStoreUnavailable is the blob store's: it cannot be reached now (a
	// network store down or timing out). Protocols answer 503.
	ErrStoreUnavailable = storage.ErrUnavailable
	// ErrNoSpace is the blob store's: it has no room (a full disk, a
	// quota). Protocols answer 507.
	ErrNoSpace = storage.ErrNoSpace
)

// Options configures a Feed.
type Options struct {
	Logger *slog.Logger
	// MaxPackageSize caps a pushed file in bytes; 0 means no limit.
	MaxPackageSize int64
	// Registerer receives the feed's metrics; nil means none are registered.
	Registerer prometheus.Registerer
	// Workers is the re-index parallelism; 0 means twice the CPUs.
	Workers int
}

// Feed is the package service. It is safe for concurrent use.
type Feed struct {
	store   storage.Store
	catalog index.Catalog
	search  *index.Search
	opts    Options
	log     *slog.Logger
	metrics *metrics

	locks keyLocks

	reindexMu sync.Mutex // one re-index at a time
	state     stateBox

	bg background // search updates and download counts, off the request path

	generation atomic.Uint64 // bumped after every committed change
	versions   versionsCache

	// spoolBufs recycles spool's copy buffers: allocating and zeroing 1 MiB
	// per push was most of a small push's CPU time and its garbage.
	spoolBufs sync.Pool
}

// Generation changes after every committed push, delete, listing change and
// re-indexed file, so a cache of rendered documents keyed by it is never stale.
// It is bumped after the change is committed, never before.
func (f *Feed) Generation() uint64 { return f.generation.Load() }

// changed records a committed change to one id: its cached versions go and
// the generation moves on.
func (f *Feed) changed(space string, kind index.Kind, lowerID string) {
	f.versions.drop(searchID{space, kind, lowerID})
	f.generation.Add(1)
}

// New returns a Feed over a blob store, a catalogue and a search index.
func New(store storage.Store, catalog index.Catalog, search *index.Search, opts Options) (*Feed, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	m, err := newMetrics(opts.Registerer, catalog)
	if err != nil {
		return nil, fmt.Errorf("feed metrics: %w", err)
	}
	f := &Feed{store: store, catalog: catalog, search: search, opts: opts, log: opts.Logger, metrics: m}
	f.startBackground()
	return f, nil
}

// Store is the blob store the feed writes to; generic packages share it.
func (f *Feed) Store() storage.Store { return f.store }

// keyLocks serialises work on one package identity, so concurrent pushes of
// one id/version end with one winner and clear answers for the others.
type keyLocks struct {
	mu    sync.Mutex
	locks map[string]*keyLock
}

type keyLock struct {
	mu   sync.Mutex
	refs int
}

func (k *keyLocks) lock(key string) (unlock func()) {
	k.mu.Lock()
	if k.locks == nil {
		k.locks = make(map[string]*keyLock)
	}
	l := k.locks[key]
	if l == nil {
		l = &keyLock{}
		k.locks[key] = l
	}
	l.refs++
	k.mu.Unlock()
	l.mu.Lock()
	return func() {
		l.mu.Unlock()
		k.mu.Lock()
		l.refs--
		if l.refs == 0 {
			delete(k.locks, key)
		}
		k.mu.Unlock()
	}
}
