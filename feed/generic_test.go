package feed_test

import (
	"context"
	"errors"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/feedserver/feedserver/feed"
	"github.com/feedserver/feedserver/feed/generic/generictest"
)

// The generic registry's own tests are in feed/generic; the feed's tests
// cover what it shares with the registry: re-index (reindex_test.go),
// retention (retention_test.go), staging (staging_test.go), and here the
// size limit and the metrics.

// TestGenericSharesTheFeedsLimitAndMetrics: a generic upload obeys the
// feed's size limit and shows in the feed's push, byte and delete counters.
func TestGenericSharesTheFeedsLimitAndMetrics(t *testing.T) {
	reg := prometheus.NewRegistry()
	e := newEnv(t, t.TempDir(), feed.Options{MaxPackageSize: 1000, Registerer: reg})
	if _, err := generictest.Put(t, e.feed.Generic(), "acme", "tool", "1.0", "big.bin", random(t, 1001)); !errors.Is(err, feed.ErrTooLarge) {
		t.Errorf("put over the feed's limit: %v, want ErrTooLarge", err)
	}
	generictest.MustPut(t, e.feed.Generic(), "acme", "tool", "1.0", "a.bin", random(t, 600))
	if _, err := generictest.Put(t, e.feed.Generic(), "acme", "tool", "1.0", "A.BIN", []byte("again")); !errors.Is(err, feed.ErrExists) {
		t.Errorf("put of an existing name: %v, want ErrExists", err)
	}
	if _, err := e.feed.Generic().DeleteVersion(context.Background(), "acme", "tool", "1.0"); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, label string
		want        float64
	}{
		{"feedserver_pushes_total", "too_large", 1},
		{"feedserver_pushes_total", "created", 1},
		{"feedserver_pushes_total", "exists", 1},
		{"feedserver_received_bytes_total", "generic", 600 + 5}, // the refused upload stopped before it was counted
		{"feedserver_deletes_total", "", 1},
	} {
		if got := counterValue(t, reg, c.name, c.label); got != c.want {
			t.Errorf("%s{%s} = %v, want %v", c.name, c.label, got, c.want)
		}
	}
}
