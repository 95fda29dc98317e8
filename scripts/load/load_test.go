package main

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/feedserver/feedserver/protocol/octopus/octodiff"
)

func TestGeneratedPackages(t *testing.T) {
	big := filepath.Join(t.TempDir(), "big.nupkg")
	if err := writeBigNupkg(big, "Bench.Big", "1.0.0", 1<<20); err != nil {
		t.Fatal(err)
	}
	bigBytes, err := os.ReadFile(big)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, id, version string
		pkg               []byte
		minSize           int
	}{
		{"small", "Bench.Seq.P7", "1.0.3", smallNupkg("Bench.Seq.P7", "1.0.3"), 0},
		{"big", "Bench.Big", "1.0.0", bigBytes, 1 << 20},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if len(tc.pkg) < tc.minSize {
				t.Errorf("size: got %d, want >= %d", len(tc.pkg), tc.minSize)
			}
			zr, err := zip.NewReader(bytes.NewReader(tc.pkg), int64(len(tc.pkg)))
			if err != nil {
				t.Fatalf("not a zip: %v", err)
			}
			var nuspecs []string
			for _, f := range zr.File {
				if !strings.Contains(f.Name, "/") && strings.HasSuffix(f.Name, ".nuspec") {
					nuspecs = append(nuspecs, f.Name)
				}
			}
			if len(nuspecs) != 1 || nuspecs[0] != tc.id+".nuspec" {
				t.Fatalf("root nuspecs: got %v, want [%s.nuspec]", nuspecs, tc.id)
			}
			rc, err := zr.Open(nuspecs[0])
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(rc)
			for _, want := range []string{"<id>" + tc.id + "</id>", "<version>" + tc.version + "</version>"} {
				if !bytes.Contains(body, []byte(want)) {
					t.Errorf("nuspec: got %s, want it to contain %s", body, want)
				}
			}
		})
	}
}

func TestRun(t *testing.T) {
	boom := errors.New("boom")
	for _, tc := range []struct {
		name      string
		l         load
		failAt    int64 // -1: never
		wantCount int64
		wantErr   error
	}{
		{"stops at max", load{Clients: 3, Duration: time.Minute, Max: 50}, -1, 50, nil},
		{"first error stops the run", load{Clients: 2, Duration: time.Minute, Max: 1000}, 10, 0, boom},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := run(context.Background(), tc.l, func(_ context.Context, _ int, n int64) (int64, error) {
				if n == tc.failAt {
					return 0, boom
				}
				return 10, nil
			})
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("err: got %v, want %v", err, tc.wantErr)
			}
			if res.Count != tc.wantCount || res.Bytes != 10*tc.wantCount {
				t.Errorf("count, bytes: got %d, %d, want %d, %d", res.Count, res.Bytes, tc.wantCount, 10*tc.wantCount)
			}
		})
	}
}

func TestGoal(t *testing.T) {
	for _, tc := range []struct {
		g     goal
		value float64
		met   bool
		text  string
	}{
		{goal{Min: 1000, Unit: "req/s"}, 1000, true, ">= 1000 req/s"},
		{goal{Min: 1000, Unit: "req/s"}, 999, false, ">= 1000 req/s"},
		{goal{Max: 50, Unit: "MiB"}, 49.9, true, "< 50.0 MiB"},
		{goal{Max: 50, Unit: "MiB"}, 50, false, "< 50.0 MiB"},
	} {
		t.Run(tc.text, func(t *testing.T) {
			if got := tc.g.met(tc.value); got != tc.met {
				t.Errorf("met(%v): got %v, want %v", tc.value, got, tc.met)
			}
			if got := tc.g.String(); got != tc.text {
				t.Errorf("String: got %q, want %q", got, tc.text)
			}
		})
	}
}

func TestDeltaPair(t *testing.T) {
	for _, tc := range []struct {
		name              string
		size, at, changed int64
	}{
		{"middle", 256 << 10, 96 << 10, 16 << 10},
		{"start", 256 << 10, 0, 8 << 10},
		{"end", 256 << 10, 240 << 10, 16 << 10},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			basePath, newPath, deltaPath := filepath.Join(dir, "base"), filepath.Join(dir, "new"), filepath.Join(dir, "delta")
			if err := writeDeltaPair(basePath, newPath, tc.size, tc.at, tc.changed); err != nil {
				t.Fatal(err)
			}
			base, _ := os.ReadFile(basePath)
			next, _ := os.ReadFile(newPath)
			if int64(len(base)) != tc.size || int64(len(next)) != tc.size {
				t.Fatalf("sizes: got %d, %d, want %d", len(base), len(next), tc.size)
			}
			end := tc.at + tc.changed
			if !bytes.Equal(base[:tc.at], next[:tc.at]) || !bytes.Equal(base[end:], next[end:]) {
				t.Error("the files differ outside the changed range")
			}
			if bytes.Equal(base[tc.at:end], next[tc.at:end]) {
				t.Error("the changed range is the same in both files")
			}

			// The delta the bench uploads must rebuild the new file from the base.
			var sigBuf bytes.Buffer
			if err := octodiff.BuildSignature(bytes.NewReader(base), &sigBuf); err != nil {
				t.Fatal(err)
			}
			sig, err := octodiff.ReadSignature(&sigBuf)
			if err != nil {
				t.Fatal(err)
			}
			if err := buildDeltaFile(newPath, deltaPath, sig); err != nil {
				t.Fatal(err)
			}
			delta, _ := os.ReadFile(deltaPath)
			if int64(len(delta)) > tc.changed+8<<10 {
				t.Errorf("delta size: got %d, want about %d", len(delta), tc.changed)
			}
			var out bytes.Buffer
			if err := octodiff.ApplyDelta(bytes.NewReader(base), bytes.NewReader(delta), &out); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(out.Bytes(), next) {
				t.Error("base + delta is not the new file")
			}
		})
	}
}

func TestPacedReader(t *testing.T) {
	for _, tc := range []struct {
		name string
		rate float64
		size int
	}{
		{"one read", 1e6, 50 << 10},
		{"many reads", 4e6, 600 << 10},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := bytes.Repeat([]byte("x"), tc.size)
			start := time.Now()
			got, err := io.ReadAll(&pacedReader{r: bytes.NewReader(data), rate: tc.rate})
			took := time.Since(start)
			if err != nil || !bytes.Equal(got, data) {
				t.Fatalf("read %d bytes, err %v; want the %d bytes written", len(got), err, tc.size)
			}
			want := time.Duration(float64(tc.size) / tc.rate * float64(time.Second))
			if took < want || took > want+200*time.Millisecond {
				t.Errorf("took %s, want about %s", took, want)
			}
		})
	}
}

// TestRawConn: the push rows' connection sends a request net/http parses
// as a multipart upload, reports a status it did not want, and dials again
// after the server closes the connection.
func TestRawConn(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := calls.Add(1)
		f, hdr, err := r.FormFile("package")
		if err != nil || r.Method != http.MethodPut || r.Header.Get("X-NuGet-ApiKey") != "API-KEY" {
			http.Error(w, fmt.Sprintf("bad request: %v", err), http.StatusBadRequest)
			return
		}
		body, _ := io.ReadAll(f)
		if hdr.Filename != "package.nupkg" || string(body) != "package bytes" {
			http.Error(w, "wrong part", http.StatusBadRequest)
			return
		}
		switch n {
		case 2, 5:
			http.Error(w, "exists", http.StatusConflict)
		case 3:
			w.Header().Set("Connection", "close")
			w.WriteHeader(http.StatusCreated)
		default:
			w.WriteHeader(http.StatusCreated)
		}
	}))
	defer srv.Close()
	b := &bench{base: srv.URL, key: "API-KEY"}
	c, err := newRawConn(b.base)
	if err != nil {
		t.Fatal(err)
	}
	defer c.close()
	req := b.pushRequest(http.MethodPut, "/api/v2/package", "X-NuGet-ApiKey", "package", "package.nupkg", []byte("package bytes"))
	for i, want := range []struct {
		status int
		ok     bool
	}{{201, true}, {201, false}, {201, true}, {0, true}, {0, false}} { // 0: any 2xx
		_, err := c.do(req, want.status)
		if (err == nil) != want.ok {
			t.Errorf("request %d: err = %v, want ok=%v", i+1, err, want.ok)
		}
	}
	if got := calls.Load(); got != 5 {
		t.Errorf("server saw %d requests, want 5", got)
	}
}

func TestPrebuild(t *testing.T) {
	for _, tc := range []struct {
		name      string
		duration  time.Duration
		max       int64
		wantAhead int // requests built before prebuild returns
	}{
		{"bounded by -max", time.Second, 10, 10},
		{"bounded by the duration", time.Millisecond, 0, 5}, // 1 ms at aheadRate (5,000/s)
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var built atomic.Int64
			b := &bench{duration: tc.duration, max: tc.max}
			reqs := prebuild(ctx, b, func(n int64) request {
				built.Add(1)
				return request{raw: []byte(fmt.Sprint(n)), size: n}
			})
			if got := len(reqs); got != tc.wantAhead {
				t.Errorf("queued when prebuild returned: got %d, want %d", got, tc.wantAhead)
			}
			// The requests come in order, and past the prebuilt ones the
			// producer keeps building (unless -max was reached).
			for n := range int64(tc.wantAhead + 3) {
				if tc.max > 0 && n == tc.max {
					break
				}
				if r := <-reqs; r.size != n || string(r.raw) != fmt.Sprint(n) {
					t.Fatalf("request %d: got %q (size %d)", n, r.raw, r.size)
				}
			}
			if tc.max > 0 {
				time.Sleep(10 * time.Millisecond) // a producer past -max would show here
				if got := built.Load(); got != tc.max {
					t.Errorf("built %d requests, want -max (%d)", got, tc.max)
				}
			}
		})
	}
}

func TestRawTarget(t *testing.T) {
	for _, tc := range []struct{ base, path, host, target string }{
		{"http://127.0.0.1:5000", "/v3/index.json", "127.0.0.1:5000", "/v3/index.json"},
		{"http://feeds.example:8080/nuget", "/api/v2/package", "feeds.example:8080", "/nuget/api/v2/package"},
		{"http://feeds.example/a%20b/", "/x", "feeds.example", "/a%20b/x"},
	} {
		host, target := (&bench{base: tc.base}).rawTarget(tc.path)
		if host != tc.host || target != tc.target {
			t.Errorf("rawTarget(%q, %q) = %q, %q; want %q, %q", tc.base, tc.path, host, target, tc.host, tc.target)
		}
	}
}
