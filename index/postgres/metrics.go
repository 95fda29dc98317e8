package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/feedserver/feedserver/index"
	"github.com/feedserver/feedserver/nuget"
)

// metrics time every operation against the database, and count the ones
// that failed for the database's sake (docs/metrics.md).
type metrics struct {
	duration *prometheus.HistogramVec
	errors   *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "feedserver_catalog_db_duration_seconds",
			Help: "Time of each catalogue operation against the PostgreSQL database, by operation, failures included.",
			// From a loopback lookup (~0.2 ms) to a write that waits for a
			// slow disk or a restarting server.
			Buckets: []float64{0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30},
		}, []string{"operation"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "feedserver_catalog_db_errors_total",
			Help: "Catalogue operations the PostgreSQL database failed (unreachable, full, or any other server error), by operation; not found and already exists are answers, not errors.",
		}, []string{"operation"}),
	}
	if reg == nil {
		return m, nil
	}
	for _, c := range []prometheus.Collector{m.duration, m.errors} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// observe records one operation that started at start and ended with *err;
// called deferred, as defer c.observe("get", time.Now(), &err).
func (c *Catalog) observe(op string, start time.Time, err *error) {
	c.metrics.duration.WithLabelValues(op).Observe(time.Since(start).Seconds())
	if e := *err; e != nil && !answer(e) {
		c.metrics.errors.WithLabelValues(op).Inc()
	}
}

// answer tells an error that is the catalogue's answer or the caller's doing
// from a failure of the database.
func answer(err error) bool {
	return errors.Is(err, index.ErrNotFound) || errors.Is(err, index.ErrExists) ||
		errors.Is(err, nuget.ErrInvalidPackage) || errors.Is(err, context.Canceled) || errors.Is(err, errClosed)
}
