package protocol_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"os/exec"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/feedserver/feedserver/protocol"
	"github.com/feedserver/feedserver/protocol/protocoltest"
)

func TestKeysNeverLogged(t *testing.T) {
	env := protocoltest.New(t)
	pkg := protocoltest.Nupkg(t, "Log.Pkg", "1.0.0")
	body, ct := protocoltest.Multipart(t, "package", "package.nupkg", pkg)
	wrong := "API-NOTAVALIDKEYNOTAVALIDKEY0000"
	requests := []struct {
		path   string
		header []string
	}{
		{"/api/v2/package/", []string{"X-NuGet-ApiKey", env.PublisherKey}},
		{"/api/v2/package/?apikey=" + env.AdminKey + "&replace=true", nil},
		{"/nuget/packages?ApiKey=" + env.AdminKey, nil},
		{"/nuget/packages?apikey=" + wrong, nil},
		{"/api/v2/package/", []string{"Authorization", "Bearer " + env.AdminKey}},
		{"/api/v2/package/", []string{"X-Octopus-ApiKey", wrong}},
	}
	for _, rq := range requests {
		h := append([]string{"Content-Type", ct}, rq.header...)
		env.Do(t, http.MethodPut, rq.path, bytes.NewReader(body), "", h...)
	}
	req, _ := http.NewRequest(http.MethodGet, env.URL+"/v3/package/log.pkg/index.json", nil)
	req.SetBasicAuth("user", env.ReaderKey)
	if resp, err := env.Server.Client().Do(req); err == nil {
		resp.Body.Close()
	}

	logs := env.Logs()
	if !strings.Contains(logs, "REDACTED") || !strings.Contains(logs, `"route":"/api/v2/package/"`) {
		t.Fatalf("the access log does not look like it logged the requests:\n%s", logs)
	}
	for name, key := range map[string]string{"admin": env.AdminKey, "publisher": env.PublisherKey, "reader": env.ReaderKey, "wrong": wrong} {
		if strings.Contains(logs, key) || strings.Contains(logs, key[4:]) {
			t.Errorf("the %s key appears in the logs:\n%s", name, logs)
		}
	}
}

func TestHealth(t *testing.T) {
	var ready atomic.Bool
	env := protocoltest.New(t, protocoltest.WithOptions(func(o *protocol.Options) { o.Ready = ready.Load }))
	if resp, body := env.Do(t, http.MethodGet, "/healthz", nil, ""); resp.StatusCode != 200 || string(body) != "ok\n" {
		t.Errorf("/healthz = %d %q, want 200 ok", resp.StatusCode, body)
	}
	if resp, body := env.Do(t, http.MethodGet, "/readyz", nil, ""); resp.StatusCode != 503 || len(body) == 0 {
		t.Errorf("/readyz before ready = %d %q, want 503 with a reason", resp.StatusCode, body)
	}
	ready.Store(true)
	if resp, _ := env.Do(t, http.MethodGet, "/readyz", nil, ""); resp.StatusCode != 200 {
		t.Errorf("/readyz when ready = %d, want 200", resp.StatusCode)
	}
}

// TestReadyChecks: /readyz asks each check on every probe; a database that
// does not answer makes it 503 (without its address) and says which check
// failed and which did not, and it is ready again once the database answers,
// with no restart.
func TestReadyChecks(t *testing.T) {
	var down atomic.Bool
	check := func(ctx context.Context) error {
		if down.Load() {
			return errors.New("dial tcp 10.1.2.3:5432: connection refused")
		}
		return nil
	}
	env := protocoltest.New(t, protocoltest.WithOptions(func(o *protocol.Options) {
		o.ReadyChecks = []protocol.ReadyCheck{
			{Name: "package store", Check: func(context.Context) error { return nil }},
			{Name: "database", Check: check},
		}
	}))
	for _, tt := range []struct {
		down     bool
		wantCode int
		wantBody string
	}{
		{false, 200, "ready\npackage store: ok\ndatabase: ok\n"},
		{true, 503, "not ready\npackage store: ok\ndatabase: unavailable\n"},
		{false, 200, "ready\npackage store: ok\ndatabase: ok\n"},
	} {
		down.Store(tt.down)
		if resp, body := env.Do(t, http.MethodGet, "/readyz", nil, ""); resp.StatusCode != tt.wantCode || string(body) != tt.wantBody {
			t.Errorf("database down=%v: /readyz = %d %q, want %d %q", tt.down, resp.StatusCode, body, tt.wantCode, tt.wantBody)
		}
	}
}

func TestMetrics(t *testing.T) {
	env := protocoltest.New(t)
	env.Push(t, protocoltest.Nupkg(t, "Metric.Pkg", "1.0.0"), env.PublisherKey)
	env.Do(t, http.MethodGet, "/v3/package/metric.pkg/index.json", nil, "")
	env.Do(t, http.MethodGet, "/v3/package/metric.pkg/1.0.0/metric.pkg.1.0.0.nupkg", nil, "")
	env.Do(t, http.MethodGet, "/no/such/route", nil, "")
	resp, body := env.Do(t, http.MethodGet, "/metrics", nil, "")
	if resp.StatusCode != 200 {
		t.Fatalf("/metrics = %d", resp.StatusCode)
	}
	text := string(body)
	for _, want := range []string{
		`feedserver_http_requests_total{code="201",method="PUT",route="/api/v2/package/"} 1`,
		`feedserver_http_requests_total{code="200",method="GET",route="/v3/package/{id}/index.json"} 1`,
		`feedserver_http_requests_total{code="200",method="GET",route="/v3/package/{id}/{version}/{file}"} 1`,
		`feedserver_http_requests_total{code="404",method="GET",route="unmatched"} 1`,
		`feedserver_http_request_duration_seconds_bucket{method="PUT",route="/api/v2/package/",le="+Inf"} 1`,
		`feedserver_http_response_bytes_total{route="/v3/package/{id}/{version}/{file}"}`,
		`feedserver_pushes_total{outcome="created",protocol="nuget"} 1`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if strings.Contains(text, "metric.pkg") || strings.Contains(text, "/no/such/route") {
		t.Errorf("a raw path leaked into a metric label")
	}
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		t.Skip("promtool not installed")
	}
	cmd := exec.Command(promtool, "check", "metrics")
	cmd.Stdin = bytes.NewReader(body)
	if out, err := cmd.CombinedOutput(); err != nil || len(bytes.TrimSpace(out)) > 0 {
		t.Errorf("promtool check metrics: %v\n%s", err, out)
	}
}
