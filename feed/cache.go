package feed

import (
	"slices"
	"sync"
	"time"

	"github.com/feedserver/feedserver/index"
)

// versionsCache keeps the catalogue's version lists of recently read ids: the
// flat container, registration, search and FindPackagesById all start from
// one.
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
//
// It holds at most limit bytes of lists, as entryBytes counts them (the
// memory budget, Options.VersionsCacheBytes); when full it drops arbitrary
// lists (map order), which is enough for a cache of hot ids. A list over a
// quarter of the limit (an id with thousands of versions) is not kept.
type versionsCache struct {
	mu     sync.Mutex
	epoch  uint64
	limit  int64         // 0 turns the cache off
	maxAge time.Duration // 0: as long as the id does not change
	bytes  int64
	lists  map[searchID]cachedList
}

type cachedList struct {
	entries []index.Entry
	bytes   int64
	at      time.Time // when it was read; zero when maxAge is 0
}

// get returns a copy of the cached list (callers may change the entries), or
// the epoch to hand to put after reading the catalogue.
func (c *versionsCache) get(k searchID) (list []index.Entry, ok bool, epoch uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	cached, ok := c.lists[k]
	if !ok || c.maxAge > 0 && time.Since(cached.at) > c.maxAge {
		return nil, false, c.epoch
	}
	return slices.Clone(cached.entries), true, c.epoch
}

func (c *versionsCache) put(k searchID, list []index.Entry, epoch uint64) {
	size := int64(len(k.space)+len(k.kind)+len(k.id)) + 64 // the key and the map's slot
	for i := range list {
		size += entryBytes(&list[i])
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if epoch != c.epoch || size > c.limit/4 {
		return // something changed while the list was read, or it is too big to keep
	}
	if c.lists == nil {
		c.lists = make(map[searchID]cachedList)
	}
	if old, ok := c.lists[k]; ok {
		delete(c.lists, k)
		c.bytes -= old.bytes
	}
	for key, old := range c.lists {
		if c.bytes+size <= c.limit {
			break
		}
		delete(c.lists, key)
		c.bytes -= old.bytes
	}
	v := cachedList{entries: slices.Clone(list), bytes: size}
	if c.maxAge > 0 {
		v.at = time.Now()
	}
	c.lists[k] = v
	c.bytes += size
}

func (c *versionsCache) drop(k searchID) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.epoch++
	if old, ok := c.lists[k]; ok {
		delete(c.lists, k)
		c.bytes -= old.bytes
	}
}

// dropAll forgets every list, for a change the process cannot pin to one id.
func (c *versionsCache) dropAll() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.epoch++
	clear(c.lists)
	c.bytes = 0
}
