package document

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"testing"
)

// The byte count must stay the sum of what the map holds, whatever mix of
// new keys and replacements fills the cache; a drifting count would let the
// cache grow past its limit.
func TestCacheAccounting(t *testing.T) {
	c := NewCache(8 << 10)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 2000 {
		key := fmt.Sprintf("k%d", rng.IntN(40)) // many replacements of a few keys
		c.Put(key, New("s", bytes.Repeat([]byte("x"), 100+rng.IntN(900)), "application/json", false))
		var sum int64
		for _, d := range c.docs {
			sum += d.size()
		}
		if c.bytes != sum || sum > c.limit {
			t.Fatalf("after %d puts: counted %d bytes, held %d, limit %d", i+1, c.bytes, sum, c.limit)
		}
	}
}
