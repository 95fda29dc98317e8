package protocol_test

import (
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/feedserver/feedserver/protocol"
	"github.com/feedserver/feedserver/protocol/protocoltest"
)

// Run: go test ./protocol -run XXX -bench . -benchtime 3s

func benchPush(b *testing.B, parallel bool) {
	env := protocoltest.New(b, protocoltest.Quiet())
	client := env.Client()
	pkgs := make([][]byte, b.N)
	for i := range pkgs {
		pkgs[i] = protocoltest.Nupkg(b, "Bench.Push", fmt.Sprintf("1.0.%d", i))
	}
	var next atomic.Int64
	push := func() {
		i := next.Add(1) - 1
		body, ct := protocoltest.Multipart(b, "package", "package.nupkg", pkgs[i])
		req, _ := http.NewRequest(http.MethodPut, env.URL+"/api/v2/package/", bytes.NewReader(body))
		req.Header.Set("Content-Type", ct)
		req.Header.Set("X-NuGet-ApiKey", env.PublisherKey)
		resp, err := client.Do(req)
		if err != nil {
			b.Error(err)
			return
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusCreated {
			b.Errorf("status %d", resp.StatusCode)
		}
	}
	b.ResetTimer()
	if parallel {
		b.SetParallelism(8 / max(1, runtimeProcs()))
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				push()
			}
		})
	} else {
		for range b.N {
			push()
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "pushes/s")
}

func BenchmarkPushSmall(b *testing.B)         { benchPush(b, false) }
func BenchmarkPushSmall8Clients(b *testing.B) { benchPush(b, true) }

func BenchmarkFlatContainerIndex8Clients(b *testing.B) {
	env := protocoltest.New(b, protocoltest.Quiet())
	for _, v := range []string{"1.0.0", "1.1.0", "2.0.0-beta.1", "2.0.0"} {
		if resp := env.Push(b, protocoltest.Nupkg(b, "Bench.Index", v), env.PublisherKey); resp.StatusCode != 201 {
			b.Fatal(resp.StatusCode)
		}
	}
	client := env.Client()
	url := env.URL + "/v3/package/bench.index/index.json"
	b.SetParallelism(8 / max(1, runtimeProcs()))
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			resp, err := client.Get(url)
			if err != nil {
				b.Error(err)
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				b.Errorf("status %d", resp.StatusCode)
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}

func BenchmarkDownload1MiB(b *testing.B) {
	env := protocoltest.New(b, protocoltest.Quiet())
	pkg := protocoltest.NupkgPadded(b, "Bench.Download", "1.0.0", 1<<20)
	if resp := env.Push(b, pkg, env.PublisherKey); resp.StatusCode != 201 {
		b.Fatal(resp.StatusCode)
	}
	client := env.Client()
	url := env.URL + "/v3/package/bench.download/1.0.0/bench.download.1.0.0.nupkg"
	b.SetBytes(int64(len(pkg)))
	b.ResetTimer()
	for range b.N {
		resp, err := client.Get(url)
		if err != nil {
			b.Fatal(err)
		}
		n, _ := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || n != int64(len(pkg)) {
			b.Fatalf("status %d, %d bytes", resp.StatusCode, n)
		}
	}
}

// BenchmarkFlatContainerIndexHandler is the server's own CPU per cached
// index.json, without the network: the whole middleware stack and an
// info-level access log (to io.Discard). The 8-client benchmark above adds
// net/http and loopback TCP, which take most of a real request's time.
func BenchmarkFlatContainerIndexHandler(b *testing.B) {
	env := protocoltest.New(b, protocoltest.WithOptions(func(o *protocol.Options) {
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}))
	for _, v := range []string{"1.0.0", "1.1.0", "2.0.0-beta.1", "2.0.0"} {
		if resp := env.Push(b, protocoltest.Nupkg(b, "Bench.Index", v), env.PublisherKey); resp.StatusCode != 201 {
			b.Fatal(resp.StatusCode)
		}
	}
	h := env.Server.Config.Handler
	req := httptest.NewRequest(http.MethodGet, "/v3/package/bench.index/index.json", nil)
	req.Header.Set("User-Agent", "NuGet Command Line/5.8.0 (Unix 6.1)")
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		w := discardWriter{header: http.Header{}}
		h.ServeHTTP(&w, req)
		if w.status != http.StatusOK {
			b.Fatalf("status %d", w.status)
		}
	}
}

// discardWriter is the cheapest ResponseWriter: it keeps the status only.
type discardWriter struct {
	header http.Header
	status int
}

func (w *discardWriter) Header() http.Header         { return w.header }
func (w *discardWriter) WriteHeader(status int)      { w.status = status }
func (w *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
