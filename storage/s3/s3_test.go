package s3_test

import (
	"os"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/feedserver/feedserver/internal/testsvc"
	"github.com/feedserver/feedserver/storage"
	"github.com/feedserver/feedserver/storage/s3"
	"github.com/feedserver/feedserver/storage/storagetest"
)

// gateway is the versitygw every test of this package shares; each gets its
// own bucket.
var gateway = testsvc.NewVersitygw()

func TestMain(m *testing.M) { os.Exit(testsvc.Run(m, gateway)) }

// newStore opens a store on a fresh bucket, under prefix when not "".
func newStore(tb testing.TB, prefix string, reg prometheus.Registerer) (*s3.Store, testsvc.Bucket) {
	tb.Helper()
	b := gateway.NewBucket(tb)
	c, err := s3.ParseURL(b.URL(prefix), b.Getenv)
	if err != nil {
		tb.Fatalf("ParseURL: %v", err)
	}
	c.ScratchDir = tb.TempDir()
	s, err := s3.Open(tb.Context(), c, reg)
	if err != nil {
		tb.Fatalf("Open: %v", err)
	}
	tb.Cleanup(func() { s.Close() })
	return s, b
}

func TestConformance(t *testing.T) {
	storagetest.Run(t, func(t *testing.T) storage.Store {
		s, _ := newStore(t, "", nil)
		return s
	})
}

// TestConformancePrefix runs the suite on a store in a folder of the bucket.
func TestConformancePrefix(t *testing.T) {
	storagetest.Run(t, func(t *testing.T) storage.Store {
		s, _ := newStore(t, "feeds/one", nil)
		return s
	})
}

func BenchmarkStore(b *testing.B) {
	storagetest.Bench(b, func(b *testing.B) storage.Store {
		s, _ := newStore(b, "", nil)
		return s
	})
}
