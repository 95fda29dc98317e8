package memory

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/feedserver/feedserver/storage"
)

var (
	errFinished = errors.New("memory: stage: write after Finish")
	errEnded    = errors.New("memory: stage: already committed or aborted")
	errSwept    = errors.New("memory: stage: removed by SweepTemp")
	errNotReady = errors.New("memory: stage: read before Finish")
)

// stage is a storage.Staged held in a byte slice. Its lock only orders it
// against SweepTemp, which may run on another goroutine.
type stage struct {
	s *Store

	mu       sync.Mutex
	data     []byte
	written  time.Time // the last Write, for SweepTemp's olderThan
	finished bool
	ended    bool // committed or aborted
	swept    bool
}

// Stage starts a staged blob.
func (s *Store) Stage(ctx context.Context) (storage.Staged, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("memory: stage: %w", err)
	}
	st := &stage{s: s, written: time.Now()}
	s.stagesMu.Lock()
	s.stages[st] = struct{}{}
	s.stagesMu.Unlock()
	return st, nil
}

// usable reports why the stage cannot be used, if it cannot. The caller holds st.mu.
func (st *stage) usable() error {
	switch {
	case st.swept:
		return errSwept
	case st.ended:
		return errEnded
	}
	return nil
}

func (st *stage) Write(p []byte) (int, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if err := st.usable(); err != nil {
		return 0, err
	}
	if st.finished {
		return 0, errFinished
	}
	st.data = append(st.data, p...)
	st.written = time.Now()
	return len(p), nil
}

func (st *stage) Finish() error {
	st.mu.Lock()
	defer st.mu.Unlock()
	if err := st.usable(); err != nil {
		return err
	}
	st.finished = true
	return nil
}

func (st *stage) Size() int64 {
	st.mu.Lock()
	defer st.mu.Unlock()
	return int64(len(st.data))
}

func (st *stage) ReadAt(p []byte, off int64) (int, error) {
	st.mu.Lock()
	data, err := st.data, st.usable()
	if err == nil && !st.finished {
		err = errNotReady
	}
	st.mu.Unlock()
	if err != nil {
		return 0, err
	}
	// After Finish data is never written again: read it outside the lock.
	return bytes.NewReader(data).ReadAt(p, off)
}

// Commit stores the staged bytes without copying them: the stage ends here.
func (st *stage) Commit(ctx context.Context, key string, opts storage.CommitOptions) (storage.Info, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if err := st.usable(); err != nil {
		return storage.Info{}, fmt.Errorf("memory: commit %q: %w", key, err)
	}
	data := st.data
	st.end()
	if err := storage.ValidKey(key); err != nil {
		return storage.Info{}, err
	}
	if err := ctx.Err(); err != nil {
		return storage.Info{}, fmt.Errorf("memory: commit %q: %w", key, err)
	}
	if data == nil {
		data = []byte{} // a blob, not a missing one
	}
	return st.s.install(key, data, opts.CreateOnly)
}

func (st *stage) Abort() error {
	st.mu.Lock()
	defer st.mu.Unlock()
	if !st.ended {
		st.end()
	}
	return nil
}

// end forgets the stage's bytes and drops it from the store's list. The
// caller holds st.mu.
func (st *stage) end() {
	st.ended, st.data = true, nil
	st.s.stagesMu.Lock()
	delete(st.s.stages, st)
	st.s.stagesMu.Unlock()
}

// SweepTemp ends the stages last written more than olderThan ago (all of
// them for 0), as the filesystem driver removes their files: a swept stage
// can no longer be committed.
func (s *Store) SweepTemp(ctx context.Context, olderThan time.Duration) (int, error) {
	cutoff := time.Now().Add(-olderThan)
	s.stagesMu.Lock()
	var old []*stage
	for st := range s.stages {
		old = append(old, st)
	}
	s.stagesMu.Unlock()
	removed := 0
	for _, st := range old {
		if err := ctx.Err(); err != nil {
			return removed, fmt.Errorf("memory: sweep temp: %w", err)
		}
		st.mu.Lock()
		if !st.ended && (olderThan == 0 || st.written.Before(cutoff)) {
			st.end()
			st.swept = true
			removed++
		}
		st.mu.Unlock()
	}
	return removed, nil
}
