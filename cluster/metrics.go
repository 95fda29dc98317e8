package cluster

import "github.com/prometheus/client_golang/prometheus"

// metrics are the group's series (docs/metrics.md).
type metrics struct {
	leader  prometheus.Gauge
	elected prometheus.Counter
	busy    prometheus.Counter
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		leader: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "feedserver_cluster_leader",
			Help: "1 while this process is the leader of the replicas sharing its database (it schedules the background work), else 0.",
		}),
		elected: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "feedserver_cluster_leader_elections_total",
			Help: "Times this process became the leader.",
		}),
		busy: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "feedserver_cluster_work_busy_total",
			Help: "Background jobs this process did not start because another replica held the work lock.",
		}),
	}
	if reg == nil {
		return m, nil
	}
	for _, c := range []prometheus.Collector{m.leader, m.elected, m.busy} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}
