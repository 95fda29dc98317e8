package index

import (
	"context"
	"time"
)

// ChangeLog is the change log of a catalogue that several processes share
// (index/postgres): every committed change to the rows of a package id, in
// commit order, so that each process can drop what it cached of that id and
// update its own search index. The embedded catalogue (index/sqlite) has no
// change log: only its own process writes it, and tells itself.
type ChangeLog interface {
	// Changes returns up to limit changes numbered above after, in
	// ascending order, and the number of the newest change (head; 0 when
	// there is none), both as of one moment. Numbers are gapless and commit
	// in order, so a reader that has applied every change up to after and
	// gets none has seen every change committed before the call began. A
	// first change numbered above after+1, or a head below after, means the
	// changes in between are gone (pruned, or another database): the reader
	// must start over from the catalogue.
	Changes(ctx context.Context, after int64, limit int) (head int64, changes []Change, err error)
	// WatchChanges returns a channel that receives soon after changes
	// commit, until ctx ends. It is a doorbell, not a delivery: a ring may
	// stand for many changes or be lost (a broken connection), so readers
	// also poll.
	WatchChanges(ctx context.Context) <-chan struct{}
	// PruneChanges removes the changes committed before the given time,
	// always keeping the newest, and returns how many it removed.
	PruneChanges(ctx context.Context, before time.Time) (int64, error)
}

// Change is one entry of the change log: the rows of one package id changed.
type Change struct {
	Seq   int64
	Space string
	Kind  Kind
	ID    string // lowercased; "" for a change of every id (the rows were all removed at once)
	// Age is how long before the read the change committed, by the
	// database's clock (so no two machines' clocks are compared).
	Age time.Duration
}
