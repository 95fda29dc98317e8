package memory_test

import (
	"testing"

	"github.com/feedserver/feedserver/storage"
	"github.com/feedserver/feedserver/storage/memory"
	"github.com/feedserver/feedserver/storage/storagetest"
)

func TestConformance(t *testing.T) {
	storagetest.Run(t, func(t *testing.T) storage.Store { return memory.New() })
}

func BenchmarkStore(b *testing.B) {
	storagetest.Bench(b, func(b *testing.B) storage.Store { return memory.New() })
}
