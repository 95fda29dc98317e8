package main

import (
	"fmt"
	"runtime/debug"
)

// The memory budget (-memory, FEEDSERVER_MEMORY) is the one setting that
// sizes the server: a quarter of it for the caches, together, and all of it
// as Go's soft memory limit. docs/performance.md says what the process takes
// outside Go's memory (the executable, SQLite's page cache, the search
// index's mapped files) and how the collector's target was chosen.

// minMemory is the smallest budget the server accepts: below it the caches
// hold too little to be worth their code, and the collector runs constantly.
const minMemory = 32 << 20

// budget is what the memory setting gives each part of the server.
type budget struct {
	limit     int64 // Go's soft memory limit
	versions  int64 // feed.Options.VersionsCacheBytes: the catalogue's version lists
	documents int64 // protocol.Options.CacheBytes: rendered documents
}

// budgetFor splits memory: a quarter for the caches, three eighths of that
// for version lists (every read starts from one) and the rest for rendered
// documents. The rest of the limit is the working memory of the requests and
// the search index, and the collector's room.
func budgetFor(memory int64) (budget, error) {
	if memory < minMemory {
		return budget{}, fmt.Errorf("memory: %d bytes is under the %d MiB the server needs", memory, minMemory>>20)
	}
	caches := memory / 4
	versions := caches * 3 / 8
	return budget{limit: memory, versions: versions, documents: caches - versions}, nil
}

// serveGCPercent is the server's garbage-collection target unless GOGC is
// set: docs/performance.md has the measurements it was chosen from.
const serveGCPercent = 200

// setMemory sets the collector's target and Go's soft memory limit for the
// budget; GOGC and GOMEMLIMIT set in the environment win.
func setMemory(b budget, getenv func(string) string) {
	if getenv("GOGC") == "" {
		debug.SetGCPercent(serveGCPercent)
	}
	if getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(b.limit)
	}
}
