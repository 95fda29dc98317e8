package feed

import (
	"slices"
	"sync"
	"time"

	"github.com/feedserver/feedserver/index"
)

// versionsCache keeps the catalogue's version lists of recently read ids: the
// flat container, registration and FindPackagesById all start from one.
//
// It can never serve a list older than the catalogue: every committed change
// to an id (and every flush of its download counts) drops that id's list, and
// a list read from the catalogue is only stored if no drop of any id happened
// while it was being read (the epoch), so a read racing a write cannot store
// what the write replaced.
//
// When other processes write the catalogue too, their changes reach it
// through the change log (follow.go), and maxAge bounds how long a list is
// kept: download counts, which every process flushes on its own, change
// without an entry in the log.
type versionsCache struct {
	mu     sync.Mutex
	epoch  uint64
	maxAge time.Duration // 0: as long as the id does not change
	lists  map[searchID]cachedVersions
}

type cachedVersions struct {
	list []index.Entry
	at   time.Time // when it was read; zero when maxAge is 0
}

// versionsCacheIDs bounds the cache; past it the cache starts over, which
// costs one catalogue read per id and keeps the code trivially correct.
const versionsCacheIDs = 20_000

// get returns a copy of the cached list (callers may change the entries), or
// the epoch to hand to put after reading the catalogue.
func (c *versionsCache) get(k searchID) (list []index.Entry, ok bool, epoch uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	cached, ok := c.lists[k]
	if !ok || c.maxAge > 0 && time.Since(cached.at) > c.maxAge {
		return nil, false, c.epoch
	}
	return slices.Clone(cached.list), true, c.epoch
}

func (c *versionsCache) put(k searchID, list []index.Entry, epoch uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if epoch != c.epoch {
		return // something changed while the list was read
	}
	if c.lists == nil || len(c.lists) >= versionsCacheIDs {
		c.lists = make(map[searchID]cachedVersions)
	}
	v := cachedVersions{list: slices.Clone(list)}
	if c.maxAge > 0 {
		v.at = time.Now()
	}
	c.lists[k] = v
}

func (c *versionsCache) drop(k searchID) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.epoch++
	delete(c.lists, k)
}

// dropAll forgets every list, for a change the process cannot pin to one id.
func (c *versionsCache) dropAll() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.epoch++
	clear(c.lists)
}
