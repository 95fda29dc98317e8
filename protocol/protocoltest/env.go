package protocoltest

import (
	"bytes"
	"context"
	"database/sql"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	_ "github.com/mattn/go-sqlite3" // the auth and catalogue databases
	"github.com/prometheus/client_golang/prometheus"

	"github.com/feedserver/feedserver/auth"
	"github.com/feedserver/feedserver/feed"
	"github.com/feedserver/feedserver/feed/feedtest"
	"github.com/feedserver/feedserver/feed/generic/generictest"
	"github.com/feedserver/feedserver/protocol"
)

// Env is one running server and what a test needs to talk to it.
type Env struct {
	Server   *httptest.Server
	URL      string // base URL, no trailing slash
	Feed     *feed.Feed
	Keys     *auth.Keys
	Spaces   *auth.Spaces // Spaces-1 ("Default") and Spaces-2 ("Second")
	Registry *prometheus.Registry
	Dir      string

	AdminKey, PublisherKey, ReaderKey string

	logs *syncBuffer
}

// Option adjusts the server's options before it starts.
type Option func(*protocol.Options)

// WithOptions applies f to the server options.
func WithOptions(f func(*protocol.Options)) Option { return Option(f) }

// New starts a server on a fresh temporary directory; it stops with the test.
func New(t testing.TB, opts ...Option) *Env {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	env := &Env{Dir: dir, Registry: prometheus.NewRegistry(), logs: &syncBuffer{}}
	logger := slog.New(slog.NewJSONHandler(env.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))

	parts := feedtest.Open(t, dir)
	db, err := sql.Open("sqlite3", "file:"+filepath.Join(dir, "auth.db")+"?_journal_mode=WAL&_busy_timeout=10000")
	must(t, err)
	t.Cleanup(func() { db.Close() })
	env.Keys, err = auth.NewKeys(ctx, auth.SQLite(db))
	must(t, err)
	env.Spaces, err = auth.NewSpaces(ctx, auth.SQLite(db))
	must(t, err)
	second, err := env.Spaces.Create(ctx, "Second")
	must(t, err)
	if second.ID != "Spaces-2" {
		t.Fatalf("the second space is %s, want Spaces-2", second.ID)
	}
	for _, k := range []struct {
		role auth.Role
		dst  *string
	}{{auth.RoleAdministrator, &env.AdminKey}, {auth.RolePublisher, &env.PublisherKey}, {auth.RoleReader, &env.ReaderKey}} {
		*k.dst, _, err = env.Keys.Create(ctx, auth.KeySpec{Name: string(k.role), Role: k.role})
		must(t, err)
	}

	env.Feed, err = feed.New(parts.Store, parts.Catalog, parts.Search, feed.Options{Logger: logger, Registerer: env.Registry})
	must(t, err)
	o := protocol.Options{Keys: env.Keys, Spaces: env.Spaces, Logger: logger, Registerer: env.Registry, Gatherer: env.Registry}
	for _, opt := range opts {
		opt(&o)
	}
	srv, err := protocol.New(env.Feed, o)
	must(t, err)
	env.Server = httptest.NewServer(srv.Handler())
	t.Cleanup(env.Server.Close)
	env.URL = env.Server.URL
	return env
}

// NewOwners returns an owner store of its own, for a server that keeps
// generic owners as a real one does (protocol.Options.Owners; New leaves it
// nil, which accepts any owner).
func NewOwners(t testing.TB) *auth.Owners {
	t.Helper()
	return generictest.Owners(t)
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// Logs is everything the server logged so far (JSON lines).
func (e *Env) Logs() string { return e.logs.String() }

// Do sends a request to path (relative to URL) with an optional key in
// X-NuGet-ApiKey and extra header pairs; the body is read and closed, and
// returned with the response.
func (e *Env) Do(t testing.TB, method, path string, body io.Reader, key string, header ...string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, e.URL+path, body)
	must(t, err)
	if key != "" {
		req.Header.Set("X-NuGet-ApiKey", key)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := e.Server.Client().Do(req)
	must(t, err)
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	must(t, err)
	return resp, data
}

// Push PUTs a nupkg to /api/v2/package/ as NuGet.exe does (multipart, field
// "package", file "package.nupkg") with key in X-NuGet-ApiKey ("" for none).
// The response body is read into the returned response's Body again.
func (e *Env) Push(t testing.TB, nupkg []byte, key string) *http.Response {
	t.Helper()
	return e.PushTo(t, "/api/v2/package/", nupkg, key)
}

// PushTo is Push to another publish path (it may carry a query).
func (e *Env) PushTo(t testing.TB, path string, nupkg []byte, key string) *http.Response {
	t.Helper()
	body, contentType := Multipart(t, "package", "package.nupkg", nupkg)
	resp, data := e.Do(t, http.MethodPut, path, bytes.NewReader(body), key, "Content-Type", contentType)
	resp.Body = io.NopCloser(bytes.NewReader(data))
	return resp
}

// Multipart builds a multipart/form-data body with one file part.
func Multipart(t testing.TB, field, fileName string, data []byte) (body []byte, contentType string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, err := mw.CreateFormFile(field, fileName)
	must(t, err)
	_, err = fw.Write(data)
	must(t, err)
	must(t, mw.Close())
	return buf.Bytes(), mw.FormDataContentType()
}

// ReadBody returns the whole body of a response and closes it.
func ReadBody(t testing.TB, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	must(t, err)
	return string(b)
}

// syncBuffer is a bytes.Buffer safe for the server's concurrent log writes.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// Contains reports whether s contains sub, ignoring case.
func Contains(s, sub string) bool { return strings.Contains(strings.ToLower(s), strings.ToLower(sub)) }

// Quiet discards the server's logs (benchmarks).
func Quiet() Option {
	return func(o *protocol.Options) { o.Logger = slog.New(slog.DiscardHandler) }
}

// Client is an HTTP client for the server that keeps up to 64 idle
// connections, so parallel benchmarks reuse their keep-alive connections.
func (e *Env) Client() *http.Client {
	tr := e.Server.Client().Transport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 64
	return &http.Client{Transport: tr}
}
