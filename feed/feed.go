package feed

import (
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/feedserver/feedserver/feed/generic"
	"github.com/feedserver/feedserver/feed/internal/fault"
	"github.com/feedserver/feedserver/feed/internal/keylock"
	"github.com/feedserver/feedserver/feed/internal/spool"
	"github.com/feedserver/feedserver/index"
	"github.com/feedserver/feedserver/storage"
)

// The error vocabulary of the service, shared with the generic registry
// (defined in feed/internal/fault, so the registry need not import feed).
// Protocols classify with errors.Is and map each to a status code in one
// table per protocol.
var (
	ErrNotFound  = fault.ErrNotFound
	ErrExists    = fault.ErrExists
	ErrTooLarge  = fault.ErrTooLarge
	ErrForbidden = fault.ErrForbidden
	// ErrInvalid is nuget's sentinel: every refused package, manifest or name wraps it.
	ErrInvalid = fault.ErrInvalid
	// ErrUnavailable is the catalogue's: its database server cannot be
	// reached now (protocols answer 503; the request may succeed later).
	ErrUnavailable = index.ErrUnavailable
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
	// Changes is the change log of a catalogue other processes write too
	// (index/postgres): the feed follows it to keep its caches and its
	// search index in step (follow.go). nil for a catalogue this process
	// alone writes (index/sqlite), whose changes it knows as it makes them.
	Changes index.ChangeLog
	// Cluster coordinates background work with the other processes that
	// share the catalogue and the store (replicas.go); nil when the feed is
	// alone.
	Cluster Cluster
	// OrphanGrace is how old a push's stage must be before the leader of
	// a shared store sweeps it as left behind (a live push in another
	// process may still be writing it), and how long a new leader waits
	// before its first collection. 0 means a minute (lead.go).
	OrphanGrace time.Duration
	// VersionsCacheBytes bounds the cache of version lists every read
	// starts from (one catalogue read per id otherwise); 0 means
	// DefaultVersionsCacheBytes, negative turns the cache off.
	VersionsCacheBytes int64
	// Mirrors are the spaces (canonical ids) that mirror an upstream feed
	// (mirror.go); a space not named mirrors nothing.
	Mirrors map[string]Mirror
}

// CachedBytes is what the cached version lists take, as the cache counts
// them (Options.VersionsCacheBytes bounds it).
func (f *Feed) CachedBytes() int64 {
	f.versions.mu.Lock()
	defer f.versions.mu.Unlock()
	return f.versions.bytes
}

// DefaultVersionsCacheBytes is the versions cache's size when Options does
// not say: the lists of about 20,000 ids of small packages.
const DefaultVersionsCacheBytes = 32 << 20

// Feed is the package service. It is safe for concurrent use.
type Feed struct {
	store   storage.Store
	catalog index.Catalog
	search  *index.Search
	opts    Options
	log     *slog.Logger
	metrics *metrics
	spool   *spool.Spooler    // stages and hashes uploads, the generic registry's too
	generic *generic.Registry // generic packages, in the same store and catalogue

	locks keylock.Locks // one package version at a time

	reindexMu sync.Mutex // one re-index at a time
	state     stateBox

	bg background // search updates and download counts, off the request path

	generation atomic.Uint64 // bumped after every committed change
	versions   versionsCache
	follow     *follower // the change log's reader; nil without Options.Changes
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
	f.metrics.invalidations.WithLabelValues("local").Inc()
}

// sharedVersionsMaxAge bounds how long a version list is cached when other
// processes write the catalogue too: their download counts reach it without
// an entry in the change log.
const sharedVersionsMaxAge = 10 * time.Second

// New returns a Feed over a blob store, a catalogue and a search index.
func New(store storage.Store, catalog index.Catalog, search *index.Search, opts Options) (*Feed, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.OrphanGrace <= 0 {
		opts.OrphanGrace = orphanGrace
	}
	m, err := newMetrics(opts.Registerer, catalog)
	if err != nil {
		return nil, fmt.Errorf("feed metrics: %w", err)
	}
	f := &Feed{store: store, catalog: catalog, search: search, opts: opts, log: opts.Logger, metrics: m}
	switch {
	case opts.VersionsCacheBytes == 0:
		f.versions.limit = DefaultVersionsCacheBytes
	case opts.VersionsCacheBytes > 0:
		f.versions.limit = opts.VersionsCacheBytes
	}
	f.spool = spool.New(store, spool.Options{MaxSize: opts.MaxPackageSize, Received: m.bytesReceived})
	f.generic = generic.New(store, catalog, generic.Options{
		Logger:  opts.Logger,
		Spooler: f.spool,
		Pushed:  func(protocol string, err error) { m.push(protocol, PushResult{}, err) },
		Deleted: m.deletes.Inc,
	})
	f.startBackground()
	if opts.Changes != nil {
		f.versions.maxAge = sharedVersionsMaxAge
		if err := f.startFollowing(opts.Changes, opts.Registerer); err != nil {
			f.Close()
			return nil, fmt.Errorf("feed metrics: %w", err)
		}
	}
	return f, nil
}

// Generic is the generic package registry, which shares the feed's store,
// catalogue, upload limit and metrics, and is re-indexed and retained with it.
func (f *Feed) Generic() *generic.Registry { return f.generic }

// Store is the blob store the feed writes to; generic packages share it.
func (f *Feed) Store() storage.Store { return f.store }
