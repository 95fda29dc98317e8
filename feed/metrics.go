package feed

import (
	"context"
	"errors"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/feedserver/feedserver/index"
)

// metrics are the feed's own series; HTTP series live in protocol.
type metrics struct {
	pushes        *prometheus.CounterVec
	bytesReceived *prometheus.CounterVec
	deletes       prometheus.Counter

	symbolRequests *prometheus.CounterVec

	reindexSeen, reindexAdded, reindexRemoved, reindexFailed prometheus.Counter
	reindexDuration                                          prometheus.Gauge
	reindexRunning                                           prometheus.Gauge
	reindexLastSuccess                                       prometheus.Gauge

	retention *retentionMetrics

	invalidations *prometheus.CounterVec
	mirror        *mirrorMetrics
}

func newMetrics(reg prometheus.Registerer, catalog index.Catalog) (*metrics, error) {
	if reg == nil {
		reg = prometheus.NewRegistry() // nobody scrapes it; the code paths stay the same
	}
	m := &metrics{
		pushes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "feedserver_pushes_total",
			Help: "Package pushes by protocol and outcome (created, replaced, ignored, exists, invalid, too_large, forbidden, error).",
		}, []string{"protocol", "outcome"}),
		bytesReceived: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "feedserver_received_bytes_total",
			Help: "Package bytes received by protocol, counted while they stream to disk.",
		}, []string{"protocol"}),
		deletes: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "feedserver_deletes_total",
			Help: "Package versions deleted.",
		}),
		symbolRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "feedserver_symbol_requests_total",
			Help: "Symbol server (SSQP) requests for a PDB by result (served, not_found, checksum_mismatch).",
		}, []string{"result"}),
		reindexSeen: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "feedserver_reindex_files_seen_total",
			Help: "Files the re-index found in the package directory.",
		}),
		reindexAdded: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "feedserver_reindex_files_added_total",
			Help: "Files the re-index added to (or refreshed in) the catalogue.",
		}),
		reindexRemoved: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "feedserver_reindex_files_removed_total",
			Help: "Catalogue entries the re-index dropped because their file is gone.",
		}),
		reindexFailed: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "feedserver_reindex_files_failed_total",
			Help: "Files the re-index could not read; each is logged and skipped.",
		}),
		reindexDuration: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "feedserver_reindex_duration_seconds",
			Help: "Duration of the last finished re-index.",
		}),
		reindexRunning: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "feedserver_reindex_running",
			Help: "1 while a re-index runs.",
		}),
		reindexLastSuccess: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "feedserver_reindex_last_success_timestamp_seconds",
			Help: "Unix time the last re-index finished without error.",
		}),
		retention: newRetentionMetrics(),
		invalidations: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "feedserver_cache_invalidations_total",
			Help: "Cached version lists and rendered documents dropped, by source: local (a change this process made), log (a change read from the shared catalogue's change log), all (every cache at once: the log could not be read or no longer reaches back far enough).",
		}, []string{"source"}),
		mirror: newMirrorMetrics(),
	}
	counts := func(pick func(ids, versions int64) int64) func() float64 {
		return func() float64 {
			ids, versions, err := catalog.Counts(context.Background())
			if err != nil {
				return 0
			}
			return float64(pick(ids, versions))
		}
	}
	collectors := []prometheus.Collector{
		m.pushes, m.bytesReceived, m.deletes, m.symbolRequests,
		m.reindexSeen, m.reindexAdded, m.reindexRemoved, m.reindexFailed,
		m.reindexDuration, m.reindexRunning, m.reindexLastSuccess, m.invalidations,
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "feedserver_catalog_packages",
			Help: "Distinct package ids in the catalogue (all spaces and kinds).",
		}, counts(func(ids, _ int64) int64 { return ids })),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "feedserver_catalog_versions",
			Help: "Package versions in the catalogue (all spaces and kinds).",
		}, counts(func(_, versions int64) int64 { return versions })),
	}
	collectors = append(collectors, m.mirror.collectors()...)
	for _, c := range append(collectors, m.retention.collectors()...) {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// push records the outcome of one push.
func (m *metrics) push(protocol string, res PushResult, err error) {
	m.pushes.WithLabelValues(protocol, outcome(res, err)).Inc()
}

func outcome(res PushResult, err error) string {
	switch {
	case err == nil && res.Status == Replaced:
		return "replaced"
	case err == nil && res.Status == Ignored:
		return "ignored"
	case err == nil:
		return "created"
	case errors.Is(err, ErrExists):
		return "exists"
	case errors.Is(err, ErrInvalid):
		return "invalid"
	case errors.Is(err, ErrTooLarge):
		return "too_large"
	case errors.Is(err, ErrForbidden):
		return "forbidden"
	case errors.Is(err, ErrNotFound):
		return "not_found"
	default:
		return "error"
	}
}
