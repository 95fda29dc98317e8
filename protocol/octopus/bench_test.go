package octopus_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"sync/atomic"
	"testing"

	"github.com/feedserver/feedserver/protocol/protocoltest"
)

// BenchmarkRawUpload: small zips through POST /api/Spaces-1/packages/raw
// from 8 concurrent clients (goal ≥ 1,500 uploads/s).
func BenchmarkRawUpload(b *testing.B) {
	e := newEnv(b, protocoltest.Quiet())
	client := e.Client()
	data := archive(1, 2048)
	var n atomic.Int64
	b.SetParallelism(max(1, 8/runtimeProcs())) // 8 goroutines whatever GOMAXPROCS
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			name := fmt.Sprintf("Bench.%d.0.0.zip", n.Add(1))
			body, ct := multipartBody(b, "file", name, "application/zip", data)
			req, _ := http.NewRequest("POST", e.URL+"/api/Spaces-1/packages/raw", bytes.NewReader(body))
			req.Header.Set("X-Octopus-ApiKey", e.PublisherKey)
			req.Header.Set("Content-Type", ct)
			resp, err := client.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusCreated {
				b.Fatalf("upload %s: status %d", name, resp.StatusCode)
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "uploads/s")
}

// BenchmarkDelta100MiB: a 100 MiB package differing from the stored one in
// 1 MiB, pushed in full and as an Octodiff delta (signature fetched and
// delta built once, outside the timing, as a client would before sending).
func BenchmarkDelta100MiB(b *testing.B) {
	const size = 100 << 20
	e := newEnv(b, protocoltest.Quiet())
	client := e.Client()
	base := archive(1, size)
	code, body := e.upload(b, "/api/Spaces-1/packages/raw", e.AdminKey, "Big.1.0.0.zip", base)
	if code != http.StatusCreated {
		b.Fatalf("base upload: %d %s", code, body)
	}
	next := mutate(base, 40<<20, 1<<20)
	_, delta := deltaFor(b, e, e.AdminKey, "Big", "2.0.0", next)

	send := func(b *testing.B, path string, payload []byte) int64 {
		body, ct := multipartBody(b, "file", "Big.2.0.0.zip", "application/octet-stream", payload)
		req, _ := http.NewRequest("POST", e.URL+path, bytes.NewReader(body))
		req.Header.Set("X-Octopus-ApiKey", e.AdminKey)
		req.Header.Set("Content-Type", ct)
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		out, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusCreated {
			b.Fatalf("%s: status %d %s", path, resp.StatusCode, out)
		}
		return int64(len(body))
	}
	b.Run("full", func(b *testing.B) {
		var sent int64
		for b.Loop() {
			sent = send(b, "/api/Spaces-1/packages/raw?overwriteMode=OverwriteExisting", next)
		}
		b.ReportMetric(float64(sent), "bytes-sent/op")
	})
	b.Run("delta", func(b *testing.B) {
		var sent int64
		for b.Loop() {
			sent = send(b, "/api/Spaces-1/packages/Big/1.0.0/delta?overwriteMode=OverwriteExisting", delta)
		}
		b.ReportMetric(float64(sent), "bytes-sent/op")
	})
}

func runtimeProcs() int { return runtime.GOMAXPROCS(0) }
