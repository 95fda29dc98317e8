package upstream

import (
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the upstream clients' series, shared by every space's client
// (the space is a label). docs/metrics.md lists them.
type Metrics struct {
	requests *prometheus.CounterVec   // space, what, result
	latency  *prometheus.HistogramVec // space, what
	cacheUse *prometheus.CounterVec   // space, result
}

// NewMetrics registers the series with reg; a nil reg keeps them unregistered.
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "feedserver_upstream_requests_total",
			Help: "Requests to a mirrored upstream feed, by space, document (service_index, registration, package) and result (ok, not_found, error).",
		}, []string{"space", "what", "result"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "feedserver_upstream_request_seconds",
			Help:    "Time until a mirrored upstream's answer headers arrived (or the request failed), by space and document.",
			Buckets: []float64{.01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"space", "what"}),
		cacheUse: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "feedserver_upstream_metadata_cache_total",
			Help: "Look-ups of an upstream id's versions, by space and result: hit (fresh), miss (asked the upstream), stale (the upstream failed; the last answer served).",
		}, []string{"space", "result"}),
	}
	if reg != nil {
		for _, c := range []prometheus.Collector{m.requests, m.latency, m.cacheUse} {
			if err := reg.Register(c); err != nil {
				return nil, fmt.Errorf("register upstream metrics: %w", err)
			}
		}
	}
	return m, nil
}

func (m *Metrics) request(space, what, result string, took time.Duration) {
	if m == nil {
		return
	}
	m.requests.WithLabelValues(space, what, result).Inc()
	m.latency.WithLabelValues(space, what).Observe(took.Seconds())
}

func (m *Metrics) cache(space, result string) {
	if m == nil {
		return
	}
	m.cacheUse.WithLabelValues(space, result).Inc()
}
