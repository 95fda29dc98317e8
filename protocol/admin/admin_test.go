package admin_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/feedserver/feedserver/auth"
	"github.com/feedserver/feedserver/feed"
	"github.com/feedserver/feedserver/index"
	"github.com/feedserver/feedserver/internal/golden"
	"github.com/feedserver/feedserver/nuget"
	"github.com/feedserver/feedserver/protocol"
	"github.com/feedserver/feedserver/protocol/admin"
	"github.com/feedserver/feedserver/protocol/httpx"
	"github.com/feedserver/feedserver/protocol/protocoltest"
)

// report is the part of the retention JSON the tests read.
type report struct {
	DryRun   bool  `json:"dryRun"`
	Examined int64 `json:"examined"`
	Deleted  int64 `json:"deleted"`
	Items    []struct {
		Space, Kind, ID, Version, Reason string
	} `json:"items"`
}

type state struct {
	Running  bool `json:"running"`
	Runs     int  `json:"runs"`
	Progress struct {
		Seen int64 `json:"seen"`
	} `json:"progress"`
}

func decode[T any](t *testing.T, body []byte) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatalf("decode %s: %v", body, err)
	}
	return v
}

// pushRaw stores raw archives of id through the feed.
func pushRaw(t *testing.T, env *protocoltest.Env, id string, versions ...string) {
	t.Helper()
	for _, v := range versions {
		_, err := env.Feed.Push(context.Background(), feed.PushRequest{FileName: id + "." + v + ".zip", Body: bytes.NewReader([]byte("zip " + v))})
		if err != nil {
			t.Fatal(err)
		}
	}
}

func versionsOf(t *testing.T, env *protocoltest.Env, id string) []string {
	t.Helper()
	vs, err := env.Feed.Versions(context.Background(), feed.DefaultSpace, index.KindRaw, id)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, v := range vs {
		out = append(out, v.Version.Original())
	}
	return out
}

func TestAdminNeedsAnUnrestrictedAdministrator(t *testing.T) {
	env := protocoltest.New(t)
	restricted, _, err := env.Keys.Create(context.Background(), auth.KeySpec{Name: "space admin", Role: auth.RoleAdministrator, Spaces: []string{"Spaces-2"}})
	if err != nil {
		t.Fatal(err)
	}
	pushRaw(t, env, "App", "1.0.0", "2.0.0")
	endpoints := []struct{ method, path string }{
		{http.MethodPost, "/api/admin/retention?keepReleases=1"},
		{http.MethodPost, "/api/admin/reindex"},
		{http.MethodGet, "/api/admin/reindex"},
	}
	keys := []struct {
		name, key string
		want      int
	}{
		{"no key", "", http.StatusUnauthorized},
		{"invalid key", "API-NOTAKEY0000000000000000000", http.StatusUnauthorized},
		{"reader", env.ReaderKey, http.StatusForbidden},
		{"publisher", env.PublisherKey, http.StatusForbidden},
		{"administrator of one space", restricted, http.StatusForbidden},
	}
	for _, ep := range endpoints {
		for _, k := range keys {
			t.Run(ep.method+" "+ep.path+" "+k.name, func(t *testing.T) {
				resp, body := env.Do(t, ep.method, ep.path, nil, k.key)
				if resp.StatusCode != k.want {
					t.Fatalf("status %d, want %d: %s", resp.StatusCode, k.want, body)
				}
				e := decode[struct{ ErrorMessage string }](t, body)
				if e.ErrorMessage == "" {
					t.Errorf("no ErrorMessage in %s", body)
				}
			})
		}
	}
	if got := versionsOf(t, env, "app"); len(got) != 2 {
		t.Errorf("refused retention calls deleted versions: %v left", got)
	}
	if st := env.Feed.State(); st.Running || st.Runs != 0 {
		t.Errorf("a refused re-index call started one: %+v", st)
	}
}

// normalise replaces what changes from run to run in a report.
var (
	timeRe     = regexp.MustCompile(`"(started|published)": "[^"]+"`)
	durationRe = regexp.MustCompile(`"durationSeconds": [0-9.e-]+`)
)

func normalise(body []byte) []byte {
	body = timeRe.ReplaceAll(body, []byte(`"$1": "TIME"`))
	return durationRe.ReplaceAll(body, []byte(`"durationSeconds": 0`))
}

func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	golden.Check(t, filepath.Join("testdata", name), got)
}

func TestRetentionDryRunThenRun(t *testing.T) {
	policy := feed.RetentionPolicy{
		Rule:   feed.RetentionRule{KeepReleases: 1},
		Spaces: map[string]feed.RetentionRule{"Spaces-2": {}},
	}
	env := protocoltest.New(t, protocoltest.WithOptions(func(o *protocol.Options) { o.Retention = policy }))
	pushRaw(t, env, "App", "1.0.0", "2.0.0", "3.0.0-beta", "3.0.0")

	resp, body := env.Do(t, http.MethodPost, "/api/admin/retention?dryRun=true", nil, env.AdminKey)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("dry run: status %d: %s", resp.StatusCode, body)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
		t.Errorf("Content-Type = %q", ct)
	}
	checkGolden(t, "retention-dry-run.golden.json", normalise(body))
	dry := decode[report](t, body)
	if !dry.DryRun || dry.Deleted != 2 || dry.Examined != 4 {
		t.Errorf("dry run report %+v: want dryRun, 2 of 4", dry)
	}
	if got := versionsOf(t, env, "app"); len(got) != 4 {
		t.Fatalf("the dry run deleted something: %v left", got)
	}

	resp, body = env.Do(t, http.MethodPost, "/api/admin/retention", nil, env.AdminKey)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("run: status %d: %s", resp.StatusCode, body)
	}
	run := decode[report](t, body)
	if run.DryRun || !slices.Equal(run.Items, dry.Items) {
		t.Errorf("the run deleted %+v; the dry run listed %+v", run.Items, dry.Items)
	}
	if got, want := versionsOf(t, env, "app"), []string{"3.0.0-beta", "3.0.0"}; !slices.Equal(got, want) {
		t.Errorf("versions left %v, want %v", got, want)
	}
	resp, body = env.Do(t, http.MethodGet, "/metrics", nil, "")
	if resp.StatusCode != http.StatusOK || !bytes.Contains(body, []byte(`feedserver_retention_deleted_total{kind="raw"} 2`)) {
		t.Errorf("metrics lack the deletions:\n%s", body)
	}
}

func TestRetentionQueryParameters(t *testing.T) {
	env := protocoltest.New(t) // no policy configured
	pushRaw(t, env, "App", "1.0.0", "2.0.0", "3.0.0")
	tests := []struct {
		query   string
		status  int
		deleted int64
	}{
		{"?dryRun=true", http.StatusOK, 0},
		{"?dryRun=true&keepReleases=2", http.StatusOK, 1},
		{"?dryRun=1&keepReleases=1&genericMaxAgeDays=30", http.StatusOK, 2},
		{"?dryRun=maybe", http.StatusBadRequest, 0},
		{"?dryRun=true&keepReleases=two", http.StatusBadRequest, 0},
		{"?dryRun=true&releaseMaxAgeDays=-1", http.StatusBadRequest, 0},
	}
	for _, tc := range tests {
		t.Run(tc.query, func(t *testing.T) {
			resp, body := env.Do(t, http.MethodPost, "/api/admin/retention"+tc.query, nil, env.AdminKey)
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.status, body)
			}
			if tc.status == http.StatusOK {
				if got := decode[report](t, body).Deleted; got != tc.deleted {
					t.Errorf("would delete %d, want %d", got, tc.deleted)
				}
			}
		})
	}
	if got := versionsOf(t, env, "app"); len(got) != 3 {
		t.Errorf("dry runs deleted versions: %v left", got)
	}
	resp, _ := env.Do(t, http.MethodGet, "/api/admin/retention", nil, env.AdminKey)
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET retention: status %d, want 405", resp.StatusCode)
	}
}

// A re-index on the real feed: 202, then the state shows it finished.
func TestReindexOnDemand(t *testing.T) {
	env := protocoltest.New(t)
	pushRaw(t, env, "App", "1.0.0", "2.0.0")
	resp, body := env.Do(t, http.MethodPost, "/api/admin/reindex", nil, env.AdminKey)
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("status %d, want 202: %s", resp.StatusCode, body)
	}
	if st := decode[state](t, body); !st.Running {
		t.Errorf("202 body says not running: %s", body)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, body = env.Do(t, http.MethodGet, "/api/admin/reindex", nil, env.AdminKey)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET state: status %d: %s", resp.StatusCode, body)
		}
		st := decode[state](t, body)
		if !st.Running && st.Runs == 1 {
			if st.Progress.Seen != 2 {
				t.Errorf("the re-index saw %d files, want 2: %s", st.Progress.Seen, body)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the re-index did not finish: %s", body)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// fakeFeed is a feed whose re-index runs until released, so the tests see
// a re-index in progress for as long as they need.
type fakeFeed struct {
	release   chan struct{}
	retention error

	mu      sync.Mutex
	running bool
	runs    int
	ctxErr  error // what the last re-index's context said when it returned
}

func (f *fakeFeed) Reindex(ctx context.Context) (feed.ReindexStats, error) {
	f.mu.Lock()
	f.running = true
	f.mu.Unlock()
	var err error
	select {
	case <-f.release:
	case <-ctx.Done():
		err = ctx.Err()
	}
	f.mu.Lock()
	f.running, f.ctxErr = false, err
	f.runs++
	f.mu.Unlock()
	return feed.ReindexStats{}, err
}

func (f *fakeFeed) State() feed.ReindexState {
	f.mu.Lock()
	defer f.mu.Unlock()
	return feed.ReindexState{Running: f.running, Runs: f.runs}
}

func (f *fakeFeed) Retention(ctx context.Context, p feed.RetentionPolicy, dryRun bool) (feed.RetentionReport, error) {
	return feed.RetentionReport{DryRun: dryRun}, f.retention
}

func (f *fakeFeed) SetDeprecation(context.Context, string, string, []string, *nuget.Deprecation) ([]index.Entry, error) {
	return nil, errors.New("fakeFeed: no deprecation")
}

// fakeServer serves the admin handler over fake with the real middleware
// and the keys of env.
func fakeServer(t *testing.T, env *protocoltest.Env, fake *fakeFeed) (*httptest.Server, *admin.Handler) {
	t.Helper()
	h := admin.New(fake, admin.Options{})
	mux := http.NewServeMux()
	mux.Handle("POST /api/admin/retention", h.Serve(h.Retention))
	mux.Handle("POST /api/admin/reindex", h.Serve(h.ReindexStart))
	mux.Handle("GET /api/admin/reindex", h.Serve(h.ReindexState))
	srv := httptest.NewServer(httpx.Begin(nil)(httpx.Authenticate(env.Keys)(mux)))
	t.Cleanup(srv.Close)
	return srv, h
}

func call(t *testing.T, srv *httptest.Server, method, path, key string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Octopus-ApiKey", key)
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(resp.Body); err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, buf.Bytes()
}

func TestReindexConflict(t *testing.T) {
	env := protocoltest.New(t)
	fake := &fakeFeed{release: make(chan struct{})}
	srv, h := fakeServer(t, env, fake)
	t.Cleanup(h.Close)

	code, body := call(t, srv, http.MethodPost, "/api/admin/reindex", env.AdminKey)
	if code != http.StatusAccepted || !decode[state](t, body).Running {
		t.Fatalf("first POST: %d %s, want 202 running", code, body)
	}
	code, body = call(t, srv, http.MethodPost, "/api/admin/reindex", env.AdminKey)
	if code != http.StatusConflict || !decode[state](t, body).Running {
		t.Fatalf("second POST while running: %d %s, want 409 running", code, body)
	}
	code, body = call(t, srv, http.MethodGet, "/api/admin/reindex", env.AdminKey)
	if code != http.StatusOK || !decode[state](t, body).Running {
		t.Fatalf("GET while running: %d %s", code, body)
	}

	close(fake.release)
	deadline := time.Now().Add(10 * time.Second)
	for {
		code, body = call(t, srv, http.MethodGet, "/api/admin/reindex", env.AdminKey)
		if st := decode[state](t, body); code == http.StatusOK && !st.Running && st.Runs == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the re-index did not finish: %d %s", code, body)
		}
		time.Sleep(10 * time.Millisecond)
	}
	code, body = call(t, srv, http.MethodPost, "/api/admin/reindex", env.AdminKey)
	if code != http.StatusAccepted {
		t.Fatalf("POST after the run finished: %d %s, want 202", code, body)
	}
}

// A re-index the start-up (not this handler) runs is a conflict too.
func TestReindexConflictWithStartupRun(t *testing.T) {
	env := protocoltest.New(t)
	fake := &fakeFeed{release: make(chan struct{})}
	srv, h := fakeServer(t, env, fake)
	t.Cleanup(h.Close)
	started := make(chan struct{})
	go func() {
		close(started)
		_, _ = fake.Reindex(context.Background())
	}()
	<-started
	for !fake.State().Running {
		time.Sleep(time.Millisecond)
	}
	code, body := call(t, srv, http.MethodPost, "/api/admin/reindex", env.AdminKey)
	close(fake.release)
	if code != http.StatusConflict {
		t.Fatalf("POST during the start-up re-index: %d %s, want 409", code, body)
	}
}

// Close cancels the re-index the handler started and waits for it.
func TestCloseStopsTheReindex(t *testing.T) {
	env := protocoltest.New(t)
	fake := &fakeFeed{release: make(chan struct{})}
	srv, h := fakeServer(t, env, fake)
	if code, body := call(t, srv, http.MethodPost, "/api/admin/reindex", env.AdminKey); code != http.StatusAccepted {
		t.Fatalf("POST: %d %s", code, body)
	}
	for !fake.State().Running {
		time.Sleep(time.Millisecond)
	}
	h.Close()
	fake.mu.Lock()
	err, runs := fake.ctxErr, fake.runs
	fake.mu.Unlock()
	if runs != 1 || !errors.Is(err, context.Canceled) {
		t.Errorf("after Close: runs %d, context error %v; want 1 cancelled run", runs, err)
	}
	if code, body := call(t, srv, http.MethodPost, "/api/admin/reindex", env.AdminKey); code != http.StatusServiceUnavailable {
		t.Errorf("POST after Close: %d %s, want 503", code, body)
	}
}

func TestRetentionBusyIsAConflict(t *testing.T) {
	env := protocoltest.New(t)
	fake := &fakeFeed{release: make(chan struct{}), retention: fmt.Errorf("%w: a re-index is running", feed.ErrBusy)}
	srv, _ := fakeServer(t, env, fake)
	code, body := call(t, srv, http.MethodPost, "/api/admin/retention?dryRun=true", env.AdminKey)
	if code != http.StatusConflict {
		t.Errorf("status %d, want 409: %s", code, body)
	}
}
