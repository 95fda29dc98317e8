package storagetest

import (
	"bytes"
	"fmt"
	"io"
	"testing"

	"github.com/feedserver/feedserver/storage"
)

// Bench runs Put, Stage (write, read back, commit) and Open benchmarks for
// 4 KiB and 1 MiB blobs. newStore is
// called once per sub-benchmark and must return an empty store.
func Bench(b *testing.B, newStore func(b *testing.B) storage.Store) {
	sizes := []struct {
		name string
		n    int
	}{
		{"4KiB", 4 << 10},
		{"1MiB", 1 << 20},
	}
	for _, sz := range sizes {
		data, err := io.ReadAll(io.LimitReader(&pattern{}, int64(sz.n)))
		if err != nil {
			b.Fatal(err)
		}
		b.Run("Put/"+sz.name, func(b *testing.B) {
			s := newStore(b)
			b.SetBytes(int64(sz.n))
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				// A bounded key set: overwrites, like re-pushes, and a
				// store that does not grow with b.N.
				key := fmt.Sprintf("bench/%02d/blob", i%64)
				if _, err := s.Put(b.Context(), key, bytes.NewReader(data)); err != nil {
					b.Fatalf("Put: %v", err)
				}
				i++
			}
		})
		b.Run("Stage/"+sz.name, func(b *testing.B) {
			s := newStore(b)
			b.SetBytes(int64(sz.n))
			b.ReportAllocs()
			buf := make([]byte, 1<<20) // a push's chunk buffer
			n := copy(buf, data)
			i := 0
			for b.Loop() {
				st, err := s.Stage(b.Context())
				if err != nil {
					b.Fatalf("Stage: %v", err)
				}
				if _, err := st.Write(buf[:n]); err != nil {
					b.Fatalf("Write: %v", err)
				}
				if err := st.Finish(); err != nil {
					b.Fatalf("Finish: %v", err)
				}
				// Read back the end, as identifying a package reads a zip's directory.
				if _, err := st.ReadAt(buf[n-22:n], int64(n-22)); err != nil {
					b.Fatalf("ReadAt: %v", err)
				}
				key := fmt.Sprintf("bench/%02d/blob", i%64)
				if _, err := st.Commit(b.Context(), key, storage.CommitOptions{}); err != nil {
					b.Fatalf("Commit: %v", err)
				}
				i++
			}
		})
		b.Run("Open/"+sz.name, func(b *testing.B) {
			s := newStore(b)
			if _, err := s.Put(b.Context(), "bench/blob", bytes.NewReader(data)); err != nil {
				b.Fatalf("Put: %v", err)
			}
			b.SetBytes(int64(sz.n))
			b.ReportAllocs()
			for b.Loop() {
				blob, err := s.Open(b.Context(), "bench/blob")
				if err != nil {
					b.Fatalf("Open: %v", err)
				}
				n, err := io.Copy(io.Discard, blob)
				blob.Close()
				if err != nil || n != int64(sz.n) {
					b.Fatalf("read %d bytes, %v; want %d", n, err, sz.n)
				}
			}
		})
	}
}
