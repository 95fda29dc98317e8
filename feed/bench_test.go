package feed_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/feedserver/feedserver/feed"
	"github.com/feedserver/feedserver/nuget/nugettest"
)

func BenchmarkPush(b *testing.B) {
	t := &testing.T{}
	b.Run("sequential", func(b *testing.B) {
		e, err := openEnv(b.TempDir(), feed.Options{})
		if err != nil {
			b.Fatal(err)
		}
		defer e.close()
		i := 0
		for b.Loop() {
			body := nugettest.Build(t, nugettest.Spec{ID: fmt.Sprintf("Bench.Seq%d", i), Version: "1.0.0"})
			if _, err := e.feed.Push(context.Background(), feed.PushRequest{Body: bytes.NewReader(body)}); err != nil {
				b.Fatal(err)
			}
			i++
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "pushes/s")
	})
	b.Run("8 concurrent", func(b *testing.B) {
		e, err := openEnv(b.TempDir(), feed.Options{})
		if err != nil {
			b.Fatal(err)
		}
		defer e.close()
		var n atomic.Int64
		b.SetParallelism(4) // 2 cores × 4 = 8 pushers
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				body := nugettest.Build(t, nugettest.Spec{ID: fmt.Sprintf("Bench.Par%d", n.Add(1)), Version: "1.0.0"})
				if _, err := e.feed.Push(context.Background(), feed.PushRequest{Body: bytes.NewReader(body)}); err != nil {
					b.Error(err)
					return
				}
			}
		})
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "pushes/s")
	})
}

// writeFeedFiles lays out n packages in a package directory the way pushes
// would, without the pushes: shape "ids" is n ids with one version each,
// shape "versions" is 10 ids with n/10 versions each.
func writeFeedFiles(b *testing.B, dir string, n int, shape string) {
	t := &testing.T{}
	for i := range n {
		id, version := fmt.Sprintf("Reindex.Pkg%d", i), "1.0.0"
		if shape == "versions" {
			id, version = fmt.Sprintf("Reindex.Many%d", i%10), fmt.Sprintf("1.%d.0", i/10)
		}
		lower, lv := strings.ToLower(id), version
		path := filepath.Join(dir, "packages", "spaces-1", "nuget", lower, lv, lower+"."+lv+".nupkg")
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			b.Fatal(err)
		}
		body := nugettest.Build(t, nugettest.Spec{ID: id, Version: version, Tags: "bench reindex"})
		if err := os.WriteFile(path, body, 0o644); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkReindex10k(b *testing.B) {
	for _, shape := range []string{"ids", "versions"} {
		dir := b.TempDir()
		writeFeedFiles(b, dir, 10_000, shape)
		b.Run(shape+"/cold", func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				os.Remove(filepath.Join(dir, "catalog.db"))
				os.Remove(filepath.Join(dir, "catalog.db-wal"))
				os.Remove(filepath.Join(dir, "catalog.db-shm"))
				os.RemoveAll(filepath.Join(dir, "search"))
				e, err := openEnv(dir, feed.Options{})
				if err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				stats, err := e.feed.Reindex(context.Background())
				if err != nil || stats.Added != 10_000 {
					b.Fatalf("re-index: %+v, %v", stats, err)
				}
				b.StopTimer()
				e.close()
				b.StartTimer()
			}
		})
		b.Run(shape+"/warm", func(b *testing.B) {
			e, err := openEnv(dir, feed.Options{})
			if err != nil {
				b.Fatal(err)
			}
			defer e.close()
			if _, err := e.feed.Reindex(context.Background()); err != nil { // a catalogue to be warm against
				b.Fatal(err)
			}
			for b.Loop() {
				stats, err := e.feed.Reindex(context.Background())
				if err != nil || stats.Unchanged != 10_000 {
					b.Fatalf("re-index: %+v, %v", stats, err)
				}
			}
		})
	}
}
