package feed

import (
	"slices"
	"strings"
	"testing"

	"github.com/feedserver/feedserver/index"
)

// TestFlushTakesWhatWasQueued: a flush indexes the ids queued when it starts,
// and an id queued while it runs waits for the next flush. Taking everything
// until the queue was empty re-indexed an id that every push touched without
// a pause.
func TestFlushTakesWhatWasQueued(t *testing.T) {
	f := &Feed{}
	f.bg.search = make(map[searchID]struct{})
	a := searchID{"default", index.KindRaw, "app"}
	b := searchID{"default", index.KindNuGet, "lib"}

	f.queueSearch(a)
	f.queueSearch(a)
	taken := f.takeQueuedSearch()
	if !slices.Equal(taken, []searchID{a}) {
		t.Fatalf("first flush took %v, want [%v]", taken, a)
	}
	if !f.bg.flushing {
		t.Error("flushing is false while the taken ids are being indexed")
	}

	f.queueSearch(a) // pushes during the flush
	f.queueSearch(b)
	if len(f.bg.search) != 2 {
		t.Fatalf("queued during the flush: %v, want both ids", f.bg.search)
	}
	taken = f.takeQueuedSearch()
	slices.SortFunc(taken, func(x, y searchID) int { return strings.Compare(x.id, y.id) })
	if !slices.Equal(taken, []searchID{a, b}) {
		t.Fatalf("next flush took %v, want [%v %v]", taken, a, b)
	}
	if taken := f.takeQueuedSearch(); len(taken) != 0 || f.bg.flushing {
		t.Errorf("empty queue: took %v, flushing %v; want nothing and false", taken, f.bg.flushing)
	}
}

// TestQueueKicksFlusherOnce: only the id that makes the queue non-empty wakes
// the flusher; the flush that wake schedules takes every later id too.
// Waking it on every push cost each push a goroutine switch for nothing.
func TestQueueKicksFlusherOnce(t *testing.T) {
	f := &Feed{}
	f.bg.search = make(map[searchID]struct{})
	f.bg.kick = make(chan struct{}, 1)
	kicked := func() bool {
		select {
		case <-f.bg.kick:
			return true
		default:
			return false
		}
	}
	a := searchID{"default", index.KindNuGet, "a"}
	b := searchID{"default", index.KindNuGet, "b"}

	steps := []struct {
		name string
		do   func()
		want bool
	}{
		{"first id", func() { f.queueSearch(a) }, true},
		{"another id while queued", func() { f.queueSearch(b) }, false},
		{"the same id again", func() { f.queueSearch(a) }, false},
		{"first id after a flush took the queue", func() { f.takeQueuedSearch(); f.queueSearch(b) }, true},
	}
	for _, s := range steps {
		s.do()
		if got := kicked(); got != s.want {
			t.Errorf("%s: kicked = %v, want %v", s.name, got, s.want)
		}
	}
}
