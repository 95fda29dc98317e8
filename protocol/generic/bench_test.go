package generic_test

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"net/http"
	"runtime"
	"testing"

	"github.com/feedserver/feedserver/protocol/protocoltest"
)

// BenchmarkUpload streams 64 MiB uploads through the whole server (HTTP,
// auth, spool with hashing, rename into the blob store). It reports the
// server's heap in use after the uploads, which stays flat whatever the size.
func BenchmarkUpload(b *testing.B) {
	const size = 64 << 20
	e := protocoltest.New(b, protocoltest.Quiet())
	body := make([]byte, size)
	if _, err := rand.Read(body); err != nil {
		b.Fatal(err)
	}
	client := e.Client()
	b.SetBytes(size)
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		body[0] = byte(i) // a new blob each time, not a deduplicated one
		body[1] = byte(i >> 8)
		req, err := http.NewRequest(http.MethodPut, fmt.Sprintf("%s/api/packages/bench/generic/big/1.0/f%d.bin", e.URL, i), bytes.NewReader(body))
		if err != nil {
			b.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+e.AdminKey)
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusCreated {
			b.Fatalf("status %d", resp.StatusCode)
		}
	}
	b.StopTimer()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	b.ReportMetric(float64(m.HeapInuse)/(1<<20), "heap-MiB")
}
