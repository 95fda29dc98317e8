package keylock

import (
	"sync"
	"testing"
)

// TestLocks: one holder per key at a time, other keys are free meanwhile,
// and a key's lock is dropped when nobody holds or waits for it.
func TestLocks(t *testing.T) {
	var l Locks
	unlockA := l.Lock("a")
	unlockB := l.Lock("b") // another key does not wait for "a"
	unlockB()

	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		holders int
		most    int
	)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			unlock := l.Lock("a")
			mu.Lock()
			holders++
			most = max(most, holders)
			mu.Unlock()
			mu.Lock()
			holders--
			mu.Unlock()
			unlock()
		}()
	}
	unlockA()
	wg.Wait()
	if most != 1 {
		t.Errorf("%d goroutines held one key at once, want 1", most)
	}
	if n := len(l.locks); n != 0 {
		t.Errorf("%d locks left after every holder released, want 0", n)
	}
}
