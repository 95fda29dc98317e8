package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/feedserver/feedserver/internal/testsvc"
	"github.com/feedserver/feedserver/protocol/protocoltest"
)

// pg and vgw are this test binary's PostgreSQL cluster and S3 gateway,
// started on first use.
var (
	pg  = testsvc.NewPostgres()
	vgw = testsvc.NewVersitygw()
)

func TestMain(m *testing.M) { os.Exit(testsvc.Run(m, pg, vgw)) }

const testAdminKey = "API-POSTGRESFAULTTEST0000000000001"

// server is a feedserver process run in this test (run, as main runs it).
type server struct {
	base string
	stop func() error
}

// startServer runs the server on dir and the database dsn until the test
// ends, and waits until /readyz answers 200.
func startServer(t *testing.T, dir, dsn string) *server {
	t.Helper()
	return startServerWith(t, nil, "-data", dir, "-database", dsn)
}

// startServerWith runs the server with args and, besides the administrator
// key, the environment env until the test ends, and waits until /readyz
// answers 200.
func startServerWith(t *testing.T, env map[string]string, args ...string) *server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		vars := map[string]string{"FEEDSERVER_ADMIN_API_KEY": testAdminKey, "FEEDSERVER_LOG_LEVEL": "error"}
		maps.Copy(vars, env)
		done <- run(ctx, append([]string{"-listen", addr}, args...), envOf(vars), io.Discard, io.Discard)
	}()
	s := &server{base: "http://" + addr}
	var once sync.Once
	s.stop = func() (err error) {
		once.Do(func() { cancel(); err = <-done })
		return err
	}
	t.Cleanup(func() { s.stop() })
	s.waitReady(t, 60*time.Second)
	return s
}

// waitReady polls /readyz until 200.
func (s *server) waitReady(t *testing.T, limit time.Duration) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		if resp, err := http.Get(s.base + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s/readyz did not answer 200 within %v", s.base, limit)
}

func (s *server) status(t *testing.T, method, path string, body io.Reader, header ...string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, s.base+path, body)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// TestServeOnPostgres: the server runs on PostgreSQL alone (catalogue and
// keys): a push, a restore, and the key made at the first start, which a
// second start on the same database finds again.
func TestServeOnPostgres(t *testing.T) {
	dsn := pg.NewDatabase(t)
	dir := t.TempDir()
	s := startServer(t, dir, dsn)
	nupkg := protocoltest.Nupkg(t, "On.Postgres", "1.0.0")
	body, ct := protocoltest.Multipart(t, "package", "package.nupkg", nupkg)
	if code, msg := s.status(t, http.MethodPut, "/api/v2/package/", bytes.NewReader(body), "X-NuGet-ApiKey", testAdminKey, "Content-Type", ct); code != http.StatusCreated {
		t.Fatalf("push = %d %s", code, msg)
	}
	if code, got := s.status(t, http.MethodGet, "/v3/package/on.postgres/1.0.0/on.postgres.1.0.0.nupkg", nil); code != 200 || !bytes.Equal(got, nupkg) {
		t.Fatalf("download = %d (%d bytes), want the pushed package", code, len(got))
	}
	if code, got := s.status(t, http.MethodGet, "/readyz", nil); code != 200 || string(got) != "ready\ndatabase: ok\n" {
		t.Errorf("/readyz = %d %q", code, got)
	}
	if err := s.stop(); err != nil {
		t.Fatalf("stop: %v", err)
	}
	// keys.db and catalog.db are not made: the database holds them.
	for _, name := range []string{"keys.db", "catalog.db"} {
		if _, err := os.Stat(dir + "/" + name); err == nil {
			t.Errorf("%s was created in the data folder", name)
		}
	}
	// A second start finds the key and the row in the database (the data
	// folder holds the package files, which the start-up re-index checks
	// the rows against, and the search index, but no key).
	again := startServer(t, dir, dsn)
	if code, got := again.status(t, http.MethodGet, "/v3/registration/on.postgres/index.json", nil, "X-NuGet-ApiKey", testAdminKey); code != 200 || !strings.Contains(string(got), "1.0.0") {
		t.Errorf("registration on the second start = %d %s", code, got)
	}
}

// TestPostgresDownDuringPushes: PostgreSQL stops while clients push and
// starts again. While it is down, pushes and reads answer 503 (never 500)
// and /readyz says so; once it is back the same server process recovers;
// every push that was acknowledged (201) downloads byte-identical.
func TestPostgresDownDuringPushes(t *testing.T) {
	dsn := pg.NewDatabase(t)
	s := startServer(t, t.TempDir(), dsn)

	type push struct {
		id, version string
		nupkg       []byte
		code        int
	}
	var (
		mu     sync.Mutex
		pushes []push
		stop   = make(chan struct{})
		wg     sync.WaitGroup
	)
	for w := range 4 {
		wg.Go(func() {
			for n := 0; ; n++ {
				select {
				case <-stop:
					return
				default:
				}
				p := push{id: fmt.Sprintf("Fault.W%d", w), version: fmt.Sprintf("1.0.%d", n)}
				p.nupkg = protocoltest.NupkgPadded(t, p.id, p.version, 2048)
				body, ct := protocoltest.Multipart(t, "package", "package.nupkg", p.nupkg)
				req, _ := http.NewRequest(http.MethodPut, s.base+"/api/v2/package/", bytes.NewReader(body))
				req.Header.Set("X-NuGet-ApiKey", testAdminKey)
				req.Header.Set("Content-Type", ct)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Errorf("push %s %s: %v", p.id, p.version, err)
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				p.code = resp.StatusCode
				mu.Lock()
				pushes = append(pushes, p)
				mu.Unlock()
				time.Sleep(10 * time.Millisecond)
			}
		})
	}
	count := func(code int) int {
		mu.Lock()
		defer mu.Unlock()
		n := 0
		for _, p := range pushes {
			if p.code == code {
				n++
			}
		}
		return n
	}

	time.Sleep(time.Second)
	before := count(http.StatusCreated)
	if err := pg.Stop(); err != nil {
		t.Fatal(err)
	}
	down := time.Now()
	time.Sleep(2 * time.Second)
	if code, body := s.status(t, http.MethodGet, "/readyz", nil); code != http.StatusServiceUnavailable || !strings.Contains(string(body), "database: unavailable") {
		t.Errorf("/readyz while PostgreSQL is down = %d %q, want 503 database: unavailable", code, body)
	}
	if code, body := s.status(t, http.MethodGet, "/v3/package/fault.w0/index.json", nil); code != http.StatusServiceUnavailable {
		t.Errorf("a read while PostgreSQL is down = %d %q, want 503", code, body)
	}
	unavailable := count(http.StatusServiceUnavailable)
	if err := pg.Start(); err != nil {
		t.Fatal(err)
	}
	s.waitReady(t, 60*time.Second)
	t.Logf("down %v; %d pushes acknowledged before, %d answered 503 while down", time.Since(down).Round(time.Millisecond), before, unavailable)
	recovered := count(http.StatusCreated)
	time.Sleep(time.Second)
	close(stop)
	wg.Wait()

	if before == 0 || unavailable == 0 {
		t.Fatalf("%d pushes before the stop, %d answered 503 while down: the test did not see both", before, unavailable)
	}
	if after := count(http.StatusCreated); after <= recovered {
		t.Errorf("no push succeeded after PostgreSQL came back (%d acknowledged in all)", after)
	}
	for _, p := range pushes {
		if p.code != http.StatusCreated && p.code != http.StatusServiceUnavailable {
			t.Errorf("push %s %s answered %d, want 201, or 503 while the database is down", p.id, p.version, p.code)
		}
		lower := strings.ToLower(p.id)
		code, got := s.status(t, http.MethodGet, fmt.Sprintf("/v3/package/%s/%s/%s.%s.nupkg", lower, p.version, lower, p.version), nil)
		switch {
		case p.code == http.StatusCreated && (code != 200 || !bytes.Equal(got, p.nupkg)):
			t.Errorf("acknowledged %s %s: download = %d (%d bytes), want the pushed bytes", p.id, p.version, code, len(got))
		case p.code != http.StatusCreated && code != 404 && (code != 200 || !bytes.Equal(got, p.nupkg)):
			// A push that failed may have committed before its connection
			// broke; if it is there, it is whole.
			t.Errorf("failed push %s %s: download = %d (%d bytes), want 404 or the whole package", p.id, p.version, code, len(got))
		}
	}
}

// TestDatabaseSetting: -database takes nothing (SQLite in the data folder),
// a postgres:// URL or libpq's key=value form; anything else is refused
// without echoing a password.
func TestDatabaseSetting(t *testing.T) {
	tests := []struct {
		value    string
		wantErr  bool
		describe string
	}{
		{"", false, "SQLite in the data folder"},
		{"postgres://feed:secret@db.example:6543/feed?sslmode=require", false, "PostgreSQL db.example:6543/feed"},
		{"postgresql://feed@db.example/feed", false, "PostgreSQL db.example:5432/feed"},
		{"host=db.example port=6543 dbname=feed user=feed password=secret", false, "PostgreSQL db.example:6543/feed"},
		{"mysql://feed:secret@db.example/feed", true, ""},
		{"catalog.db", true, ""},
	}
	for _, tt := range tests {
		cfg, _, err := loadConfig("feedserver", []string{"-database", tt.value}, envOf(nil), io.Discard)
		if tt.wantErr {
			if err == nil || strings.Contains(err.Error(), "secret") {
				t.Errorf("-database %q: error %v, want a refusal that hides the password", tt.value, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("-database %q: %v", tt.value, err)
			continue
		}
		if got := describeDatabase(cfg); got != tt.describe || strings.Contains(got, "secret") {
			t.Errorf("-database %q is described as %q, want %q", tt.value, got, tt.describe)
		}
	}
}
