package s3

import (
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics time every request to the store and count the failed ones, by
// operation (docs/metrics.md). They are taken at the transport, so each
// retry counts, and an unreachable store shows as errors before any
// client hears of it.
type metrics struct {
	duration *prometheus.HistogramVec
	errors   *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "feedserver_storage_s3_request_duration_seconds",
			Help: "Time from sending a request to the S3 store to its response headers, by operation, failures included.",
			// From a loopback HEAD (~0.3 ms) to completing a large multipart upload.
			Buckets: []float64{0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 120},
		}, []string{"operation"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "feedserver_storage_s3_request_errors_total",
			Help: "Requests to the S3 store that failed for the store's sake (no connection, timeout, 5xx, 401/403, 507), by operation; not found and precondition failed are answers, not errors.",
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

// transport wraps next with the metrics.
func (m *metrics) transport(next http.RoundTripper) http.RoundTripper {
	return roundTripper{m: m, next: next}
}

type roundTripper struct {
	m    *metrics
	next http.RoundTripper
}

func (rt roundTripper) RoundTrip(req *http.Request) (*http.Response, error) {
	op := operation(req)
	start := time.Now()
	resp, err := rt.next.RoundTrip(req)
	rt.m.duration.WithLabelValues(op).Observe(time.Since(start).Seconds())
	if err != nil && req.Context().Err() == nil || resp != nil && storeFault(resp.StatusCode) {
		rt.m.errors.WithLabelValues(op).Inc()
	}
	return resp, err
}

// storeFault reports a status that is the store's trouble rather than an
// answer about a key.
func storeFault(code int) bool {
	return code >= 500 || code == http.StatusUnauthorized || code == http.StatusForbidden
}

// operation names an S3 request by its method and query, a small fixed set
// of label values.
func operation(req *http.Request) string {
	q := req.URL.Query()
	switch req.Method {
	case http.MethodHead:
		return "head"
	case http.MethodGet:
		switch {
		case q.Has("list-type"):
			return "list"
		case q.Has("uploads"):
			return "list_uploads"
		case q.Has("location"):
			return "location"
		}
		return "get"
	case http.MethodPut:
		if q.Has("partNumber") {
			return "upload_part"
		}
		return "put"
	case http.MethodPost:
		if q.Has("uploads") {
			return "create_upload"
		}
		if q.Has("uploadId") {
			return "complete_upload"
		}
	case http.MethodDelete:
		if q.Has("uploadId") {
			return "abort_upload"
		}
		return "delete"
	}
	return "other"
}
