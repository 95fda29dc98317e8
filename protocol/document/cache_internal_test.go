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
	var z Gzipper
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 2000 {
		key := fmt.Sprintf("k%d", rng.IntN(40)) // many replacements of a few keys
		body := bytes.Repeat([]byte("x"), 100+rng.IntN(900))
		if i%2 == 0 {
			c.Put(key, New("s", body, "application/json", i%4 == 0))
		} else {
			c.Put(key, z.NewLazy("s", body, "application/json"))
		}
		var sum, held int64
		for _, d := range c.docs {
			if rng.IntN(3) == 0 {
				d.gzipped() // a lazy one compresses: its count must not move
			}
			sum += d.size()
			held += int64(len(d.body) + len(d.gz) + len(d.stamp) + 160)
		}
		if held > sum {
			t.Fatalf("after %d puts: the documents hold %d bytes, more than the %d counted", i+1, held, sum)
		}
		if c.bytes != sum || sum > c.limit {
			t.Fatalf("after %d puts: counted %d bytes, held %d, limit %d", i+1, c.bytes, sum, c.limit)
		}
	}
}
