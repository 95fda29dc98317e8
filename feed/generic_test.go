package feed_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/feedserver/feedserver/feed"
	"github.com/feedserver/feedserver/feed/generic"
	"github.com/feedserver/feedserver/storage"
)

// The generic registry's own tests are in feed/generic; these helpers and
// tests cover what the feed shares with it: re-index, retention, staging,
// the size limit and the metrics.

func putGeneric(t *testing.T, f *feed.Feed, owner, name, version, file string, body []byte) (generic.File, error) {
	t.Helper()
	return f.Generic().Put(context.Background(), generic.Upload{
		Owner: owner, Name: name, Version: version, FileName: file, Body: bytes.NewReader(body),
	})
}

func mustPutGeneric(t *testing.T, f *feed.Feed, owner, name, version, file string, body []byte) generic.File {
	t.Helper()
	g, err := putGeneric(t, f, owner, name, version, file, body)
	if err != nil {
		t.Fatalf("put %s/%s/%s/%s: %v", owner, name, version, file, err)
	}
	return g
}

func readGeneric(t *testing.T, f *feed.Feed, owner, name, version, file string) ([]byte, generic.File, error) {
	t.Helper()
	b, g, err := f.Generic().Open(context.Background(), owner, name, version, file)
	if err != nil {
		return nil, g, err
	}
	defer b.Close()
	data, err := io.ReadAll(b)
	if err != nil {
		t.Fatal(err)
	}
	return data, g, nil
}

func keysUnder(t *testing.T, s storage.Store, prefix string) []string {
	t.Helper()
	var out []string
	for _, k := range keys(t, s) {
		if strings.HasPrefix(k, prefix) {
			out = append(out, k)
		}
	}
	return out
}

// TestGenericSharesTheFeedsLimitAndMetrics: a generic upload obeys the
// feed's size limit and shows in the feed's push, byte and delete counters.
func TestGenericSharesTheFeedsLimitAndMetrics(t *testing.T) {
	reg := prometheus.NewRegistry()
	e := newEnv(t, t.TempDir(), feed.Options{MaxPackageSize: 1000, Registerer: reg})
	if _, err := putGeneric(t, e.feed, "acme", "tool", "1.0", "big.bin", random(t, 1001)); !errors.Is(err, feed.ErrTooLarge) {
		t.Errorf("put over the feed's limit: %v, want ErrTooLarge", err)
	}
	mustPutGeneric(t, e.feed, "acme", "tool", "1.0", "a.bin", random(t, 600))
	if _, err := putGeneric(t, e.feed, "acme", "tool", "1.0", "A.BIN", []byte("again")); !errors.Is(err, feed.ErrExists) {
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
