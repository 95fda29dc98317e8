package upstream_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/feedserver/feedserver/nuget"
	"github.com/feedserver/feedserver/upstream"
)

// fakeUpstream is a v3 feed in miniature: a service index, registrations
// (inlined, or paged when paged is set) and packages, with switches for the
// ways an upstream misbehaves.
type fakeUpstream struct {
	srv      *httptest.Server
	mu       sync.Mutex
	versions map[string][]string // lower id → versions
	deps     map[string]string   // "id/version" → "depid:range"
	paged    bool
	key      string        // required X-NuGet-ApiKey, "" for none
	user     string        // required Basic user:password, "" for none
	delay    time.Duration // before every answer
	garbage  bool          // answer 200 with a body that is not JSON
	down     bool          // answer 503
	requests map[string]int
	seen     []http.Header
}

func newFake(t *testing.T) *fakeUpstream {
	f := &fakeUpstream{versions: map[string][]string{}, deps: map[string]string{}, requests: map[string]int{}}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeUpstream) set(id string, versions ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.versions[strings.ToLower(id)] = versions
}

func (f *fakeUpstream) count(kind string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.requests[kind]
}

func (f *fakeUpstream) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	delay, garbage, down := f.delay, f.garbage, f.down
	f.seen = append(f.seen, r.Header.Clone())
	f.mu.Unlock()
	if delay > 0 {
		select {
		case <-time.After(delay):
		case <-r.Context().Done():
			return
		}
	}
	if f.key != "" && r.Header.Get("X-NuGet-ApiKey") != f.key {
		http.Error(w, "key", http.StatusUnauthorized)
		return
	}
	if f.user != "" {
		u, p, _ := r.BasicAuth()
		if u+":"+p != f.user {
			http.Error(w, "auth", http.StatusUnauthorized)
			return
		}
	}
	if down {
		http.Error(w, "down", http.StatusServiceUnavailable)
		return
	}
	if garbage {
		fmt.Fprint(w, "<html>not json")
		return
	}
	base := f.srv.URL
	p := r.URL.Path
	switch {
	case p == "/v3/index.json":
		f.hit("index")
		fmt.Fprintf(w, `{"version":"3.0.0","resources":[
			{"@id":"%[1]s/reg/","@type":"RegistrationsBaseUrl/3.6.0"},
			{"@id":"%[1]s/flat/","@type":"PackageBaseAddress/3.0.0"}]}`, base)
	case strings.HasPrefix(p, "/reg/"):
		f.hit("registration")
		rest := strings.TrimPrefix(p, "/reg/")
		id, doc, _ := strings.Cut(rest, "/")
		f.mu.Lock()
		vs, ok := f.versions[id]
		f.mu.Unlock()
		if !ok {
			http.NotFound(w, r)
			return
		}
		leaves := make([]string, 0, len(vs))
		for _, v := range vs {
			dep := ""
			if d, ok := f.deps[id+"/"+v]; ok {
				did, rng, _ := strings.Cut(d, ":")
				dep = fmt.Sprintf(`,"dependencyGroups":[{"targetFramework":".NETFramework4.5","dependencies":[{"id":%q,"range":%q}]}]`, did, rng)
			}
			leaves = append(leaves, fmt.Sprintf(`{"catalogEntry":{"id":%q,"version":%q,"authors":"a, b","description":"d","listed":true,"published":"2020-01-02T03:04:05Z"%s},"packageContent":"x"}`, id, v, dep))
		}
		items := strings.Join(leaves, ",")
		pageURL := base + "/reg/" + id + "/page.json"
		switch {
		case doc == "page.json":
			fmt.Fprintf(w, `{"@id":%q,"items":[%s]}`, pageURL, items)
		case f.paged:
			fmt.Fprintf(w, `{"count":1,"items":[{"@id":%q,"count":%d}]}`, pageURL, len(vs))
		default:
			fmt.Fprintf(w, `{"count":1,"items":[{"@id":%q,"items":[%s]}]}`, pageURL, items)
		}
	case strings.HasPrefix(p, "/flat/"):
		f.hit("package")
		parts := strings.Split(strings.TrimPrefix(p, "/flat/"), "/")
		if len(parts) != 3 {
			http.NotFound(w, r)
			return
		}
		w.Write([]byte("package " + parts[0] + " " + parts[1]))
	default:
		http.NotFound(w, r)
	}
}

func (f *fakeUpstream) hit(kind string) {
	f.mu.Lock()
	f.requests[kind]++
	f.mu.Unlock()
}

func newClient(t *testing.T, f *fakeUpstream, cfg upstream.Config, logs io.Writer) *upstream.Client {
	t.Helper()
	cfg.ServiceIndex = f.srv.URL + "/v3/index.json"
	if logs == nil {
		logs = io.Discard
	}
	c, err := upstream.New(cfg, upstream.Options{Logger: slog.New(slog.NewTextHandler(logs, nil)), Label: "Spaces-1"})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func versionsOf(t *testing.T, c *upstream.Client, id string) string {
	t.Helper()
	es, err := c.Versions(t.Context(), id)
	if err != nil {
		t.Fatalf("Versions(%s): %v", id, err)
	}
	var vs []string
	for _, e := range es {
		vs = append(vs, e.Version.String())
	}
	return strings.Join(vs, ",")
}

// The registration is read inlined or page by page, with its dependency
// groups; an unknown id is an empty list, not an error.
func TestVersions(t *testing.T) {
	for _, paged := range []bool{false, true} {
		t.Run(fmt.Sprintf("paged=%v", paged), func(t *testing.T) {
			f := newFake(t)
			f.paged = paged
			f.set("Lib.A", "1.0.0", "1.1.0-beta")
			f.deps["lib.a/1.0.0"] = "Lib.B:[1.0.0, )"
			c := newClient(t, f, upstream.Config{}, nil)
			es, err := c.Versions(t.Context(), "LIB.A")
			if err != nil {
				t.Fatal(err)
			}
			if len(es) != 2 {
				t.Fatalf("got %d versions, want 2", len(es))
			}
			m := es[0].Manifest
			if m == nil || len(m.DependencyGroups) != 1 || m.DependencyGroups[0].TargetFramework != ".NETFramework4.5" ||
				string(m.DependencyGroups[0].Dependencies[0].ID) != "Lib.B" {
				t.Errorf("dependency groups = %+v", m)
			}
			if got := strings.Join(m.Authors, "|"); got != "a|b" {
				t.Errorf("authors = %q", got)
			}
			if !es[0].Listed || es[0].Published.Year() != 2020 {
				t.Errorf("listed %v published %v", es[0].Listed, es[0].Published)
			}
			if got := versionsOf(t, c, "nothing.here"); got != "" {
				t.Errorf("unknown id = %q, want none", got)
			}
		})
	}
}

// Metadata is reused for the lifetime, then asked again; a change upstream
// shows after it.
func TestMetadataLifetime(t *testing.T) {
	f := newFake(t)
	f.set("lib", "1.0.0")
	c := newClient(t, f, upstream.Config{MetadataTTL: 200 * time.Millisecond}, nil)
	versionsOf(t, c, "lib")
	f.set("lib", "1.0.0", "2.0.0")
	if got := versionsOf(t, c, "lib"); got != "1.0.0" {
		t.Errorf("within the lifetime = %q, want the cached 1.0.0", got)
	}
	if n := f.count("registration"); n != 1 {
		t.Errorf("registration requests = %d, want 1", n)
	}
	time.Sleep(250 * time.Millisecond)
	if got := versionsOf(t, c, "lib"); got != "1.0.0,2.0.0" {
		t.Errorf("after the lifetime = %q, want 1.0.0,2.0.0", got)
	}
}

// An upstream that fails (down, garbage, slow) gives the last answer if
// there is one, else ErrUnavailable within the timeout, and a log line;
// after a failure it is not asked again for a while.
func TestUpstreamFails(t *testing.T) {
	for _, tc := range []struct {
		name   string
		break_ func(f *fakeUpstream)
	}{
		{"down", func(f *fakeUpstream) { f.down = true }},
		{"garbage", func(f *fakeUpstream) { f.garbage = true }},
		{"slow", func(f *fakeUpstream) { f.delay = 5 * time.Second }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t)
			f.set("known", "1.0.0")
			var logs bytes.Buffer
			c := newClient(t, f, upstream.Config{Timeout: 300 * time.Millisecond, MetadataTTL: time.Millisecond}, &syncWriter{w: &logs})
			versionsOf(t, c, "known")
			time.Sleep(5 * time.Millisecond)
			f.mu.Lock()
			tc.break_(f)
			f.mu.Unlock()

			start := time.Now()
			if got := versionsOf(t, c, "known"); got != "1.0.0" {
				t.Errorf("stale answer = %q, want 1.0.0", got)
			}
			_, err := c.Versions(t.Context(), "unknown")
			if !errors.Is(err, upstream.ErrUnavailable) {
				t.Errorf("new id while failing = %v, want ErrUnavailable", err)
			}
			if took := time.Since(start); took > 2*time.Second {
				t.Errorf("answers took %s, want about one timeout (300ms) at most", took)
			}
			if !strings.Contains(logs.String(), "upstream unavailable") {
				t.Errorf("no log line says the upstream failed: %q", logs.String())
			}
		})
	}
}

type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

// Concurrent look-ups of one id share one upstream request.
func TestVersionsSingleFlight(t *testing.T) {
	f := newFake(t)
	f.set("lib", "1.0.0")
	f.delay = 100 * time.Millisecond
	c := newClient(t, f, upstream.Config{}, nil)
	var wg sync.WaitGroup
	var failed atomic.Int32
	for range 8 {
		wg.Go(func() {
			if _, err := c.Versions(context.Background(), "lib"); err != nil {
				failed.Add(1)
			}
		})
	}
	wg.Wait()
	if failed.Load() != 0 {
		t.Errorf("%d look-ups failed", failed.Load())
	}
	if n := f.count("registration"); n != 1 {
		t.Errorf("registration requests = %d, want 1", n)
	}
}

// Credentials: the key and Basic are sent to the upstream; without them its
// refusal is ErrUnavailable, and no error text carries them.
func TestCredentials(t *testing.T) {
	f := newFake(t)
	f.set("lib", "1.0.0")
	f.key, f.user = "sekrit-key", "me:sekrit-pass"
	good := newClient(t, f, upstream.Config{APIKey: "sekrit-key", Username: "me", Password: "sekrit-pass"}, nil)
	if got := versionsOf(t, good, "lib"); got != "1.0.0" {
		t.Errorf("with credentials = %q", got)
	}
	var logs bytes.Buffer
	bad := newClient(t, f, upstream.Config{APIKey: "wrong-key", Username: "me", Password: "wrong-pass"}, &logs)
	_, err := bad.Versions(t.Context(), "lib")
	if !errors.Is(err, upstream.ErrUnavailable) {
		t.Fatalf("wrong key = %v, want ErrUnavailable", err)
	}
	for _, text := range []string{err.Error(), logs.String()} {
		if strings.Contains(text, "wrong-key") || strings.Contains(text, "wrong-pass") {
			t.Errorf("a credential leaked: %q", text)
		}
	}
	if _, err := upstream.New(upstream.Config{ServiceIndex: "https://me:pw@example.com/v3/index.json"}, upstream.Options{}); err == nil {
		t.Error("a URL with credentials was accepted")
	}
}

// A package streams; one over the size cap fails; a body that stalls fails
// after the timeout; a missing one is ErrNotFound.
func TestDownload(t *testing.T) {
	f := newFake(t)
	f.set("lib", "1.0.0")
	v, _ := nuget.ParseVersion("1.0.0")
	c := newClient(t, f, upstream.Config{}, nil)
	body, err := c.Download(t.Context(), "Lib", v)
	if err != nil {
		t.Fatal(err)
	}
	data, err := io.ReadAll(body)
	body.Close()
	if err != nil || string(data) != "package lib 1.0.0" {
		t.Errorf("body = %q, %v", data, err)
	}

	small := newClient(t, f, upstream.Config{MaxPackageSize: 5}, nil)
	body, err = small.Download(t.Context(), "lib", v)
	if err == nil {
		_, err = io.ReadAll(body)
		body.Close()
	}
	if !errors.Is(err, upstream.ErrUnavailable) {
		t.Errorf("over the cap = %v, want ErrUnavailable", err)
	}

	stall := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v3/index.json" {
			fmt.Fprintf(w, `{"resources":[{"@id":"http://%s/reg/","@type":"RegistrationsBaseUrl"},{"@id":"http://%[1]s/flat/","@type":"PackageBaseAddress/3.0.0"}]}`, r.Host)
			return
		}
		w.Write([]byte("start"))
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	}))
	defer stall.Close()
	sc, err := upstream.New(upstream.Config{ServiceIndex: stall.URL + "/v3/index.json", Timeout: 200 * time.Millisecond}, upstream.Options{})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	body, err = sc.Download(t.Context(), "lib", v)
	if err == nil {
		_, err = io.ReadAll(body)
		body.Close()
	}
	if err == nil || time.Since(start) > 3*time.Second {
		t.Errorf("a stalled body: err %v after %s, want an error after about 200ms", err, time.Since(start))
	}
}

// The API key does not follow a redirect to another host.
func TestRedirectDropsKey(t *testing.T) {
	var leaked atomic.Bool
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-NuGet-ApiKey") != "" || r.Header.Get("Authorization") != "" {
			leaked.Store(true)
		}
		w.Write([]byte("package"))
	}))
	defer other.Close()
	f := newFake(t)
	redirecting := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v3/index.json" {
			fmt.Fprintf(w, `{"resources":[{"@id":"http://%s/reg/","@type":"RegistrationsBaseUrl"},{"@id":"http://%[1]s/flat/","@type":"PackageBaseAddress/3.0.0"}]}`, r.Host)
			return
		}
		http.Redirect(w, r, other.URL+"/elsewhere", http.StatusFound)
	}))
	defer redirecting.Close()
	_ = f
	c, err := upstream.New(upstream.Config{ServiceIndex: redirecting.URL + "/v3/index.json", APIKey: "k", Username: "u", Password: "p"}, upstream.Options{})
	if err != nil {
		t.Fatal(err)
	}
	v, _ := nuget.ParseVersion("1.0.0")
	body, err := c.Download(t.Context(), "lib", v)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, body)
	body.Close()
	if leaked.Load() {
		t.Error("credentials were sent to another host after a redirect")
	}
}
