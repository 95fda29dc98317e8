package feed

import (
	"slices"
	"sync"

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
type versionsCache struct {
	mu    sync.Mutex
	epoch uint64
	lists map[searchID][]index.Entry
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
	if !ok {
		return nil, false, c.epoch
	}
	return slices.Clone(cached), true, c.epoch
}

func (c *versionsCache) put(k searchID, list []index.Entry, epoch uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if epoch != c.epoch {
		return // something changed while the list was read
	}
	if c.lists == nil || len(c.lists) >= versionsCacheIDs {
		c.lists = make(map[searchID][]index.Entry)
	}
	c.lists[k] = slices.Clone(list)
}

func (c *versionsCache) drop(k searchID) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.epoch++
	delete(c.lists, k)
}
