package migration

import (
	"bytes"
	"context"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/feedserver/feedserver/storage"
)

// copyBlobs copies every blob of the source store that the target lacks and
// checks every blob of the source against the target by SHA-512: a new copy
// is read back once committed, one already there is read on both sides.
// It fills m.modTimes with the target's file times.
func (m *migration) copyBlobs(ctx context.Context) error {
	var infos []storage.Info
	for info, err := range m.from.Store.List(ctx, "") {
		if err != nil {
			return fmt.Errorf("list the source store: %w", err)
		}
		infos = append(infos, info)
	}
	m.report.Blobs.Source = int64(len(infos))
	m.modTimes = make(map[string]time.Time, len(infos))
	var mu sync.Mutex // guards modTimes
	p := m.startProgress("blobs", int64(len(infos)))
	err := parallel(ctx, m.opts.Workers, infos, func(ctx context.Context, info storage.Info) error {
		got, copied, err := m.copyBlob(ctx, info)
		if err != nil {
			return err
		}
		mu.Lock()
		m.modTimes[info.Key] = got.ModTime
		mu.Unlock()
		if copied {
			p.copied.Add(1)
			p.bytes.Add(got.Size)
		} else {
			p.same.Add(1)
		}
		p.done.Add(1)
		return nil
	})
	p.end()
	m.report.Blobs.Copied, m.report.Blobs.Same, m.report.Blobs.Bytes = p.copied.Load(), p.same.Load(), p.bytes.Load()
	if err != nil {
		if ctx.Err() != nil {
			return interrupted("blobs", err)
		}
		return err
	}
	return nil
}

// copyBlob brings one blob to the target, or finds it there, and returns the
// target's description of it and whether this call copied it.
func (m *migration) copyBlob(ctx context.Context, info storage.Info) (storage.Info, bool, error) {
	have, err := m.to.Store.Stat(ctx, info.Key)
	switch {
	case err == nil:
		return m.compareBlob(ctx, info, have)
	case !errors.Is(err, storage.ErrNotFound):
		return storage.Info{}, false, fmt.Errorf("look up %s in the target store: %w", info.Key, err)
	}
	sum, got, err := m.writeBlob(ctx, info)
	if errors.Is(err, storage.ErrExists) {
		// Written by someone else since the Stat: judge what is there.
		if have, err = m.to.Store.Stat(ctx, info.Key); err != nil {
			return storage.Info{}, false, fmt.Errorf("look up %s in the target store: %w", info.Key, err)
		}
		return m.compareBlob(ctx, info, have)
	}
	if err != nil {
		return storage.Info{}, false, err
	}
	back, n, err := hashBlob(ctx, m.to.Store, info.Key)
	if err != nil {
		return storage.Info{}, false, fmt.Errorf("read back %s from the target store: %w", info.Key, err)
	}
	if n != info.Size || !bytes.Equal(back, sum) {
		return storage.Info{}, false, fmt.Errorf("%w: %s reads back from the target store as %d bytes with SHA-512 %s, not the %d bytes with SHA-512 %s that were written",
			ErrMismatch, info.Key, n, short(back), info.Size, short(sum))
	}
	return got, true, nil
}

// writeBlob streams one blob from the source into a create-only stage of
// the target and returns the SHA-512 of the bytes it read.
func (m *migration) writeBlob(ctx context.Context, info storage.Info) ([]byte, storage.Info, error) {
	src, err := m.from.Store.Open(ctx, info.Key)
	if err != nil {
		return nil, storage.Info{}, fmt.Errorf("open %s in the source store: %w", info.Key, err)
	}
	defer src.Close()
	st, err := m.to.Store.Stage(ctx)
	if err != nil {
		return nil, storage.Info{}, fmt.Errorf("write %s to the target store: %w", info.Key, err)
	}
	defer st.Abort()
	h := sha512.New()
	n, err := io.CopyBuffer(st, io.TeeReader(src, h), make([]byte, 256<<10))
	if err != nil {
		return nil, storage.Info{}, fmt.Errorf("copy %s: %w", info.Key, err)
	}
	if n != info.Size {
		return nil, storage.Info{}, fmt.Errorf("%w: %s changed in the source while it was copied (%d bytes listed, %d read); stop the server and run again",
			ErrMismatch, info.Key, info.Size, n)
	}
	got, err := st.Commit(ctx, info.Key, storage.CommitOptions{CreateOnly: true})
	if err != nil {
		return nil, storage.Info{}, fmt.Errorf("write %s to the target store: %w", info.Key, err)
	}
	return h.Sum(nil), got, nil
}

// compareBlob checks that the blob the target already holds at info.Key has
// the source's bytes.
func (m *migration) compareBlob(ctx context.Context, info, have storage.Info) (storage.Info, bool, error) {
	if have.Size != info.Size {
		return storage.Info{}, false, fmt.Errorf("%w: the target store already holds a different blob at %s (%d bytes; the source's has %d): refusing to overwrite it",
			ErrMismatch, info.Key, have.Size, info.Size)
	}
	want, _, err := hashBlob(ctx, m.from.Store, info.Key)
	if err != nil {
		return storage.Info{}, false, fmt.Errorf("read %s from the source store: %w", info.Key, err)
	}
	got, _, err := hashBlob(ctx, m.to.Store, info.Key)
	if err != nil {
		return storage.Info{}, false, fmt.Errorf("read %s from the target store: %w", info.Key, err)
	}
	if !bytes.Equal(got, want) {
		return storage.Info{}, false, fmt.Errorf("%w: the target store already holds a different blob at %s (SHA-512 %s; the source's is %s): refusing to overwrite it",
			ErrMismatch, info.Key, short(got), short(want))
	}
	return have, false, nil
}

// hashBlob reads one blob whole and returns its SHA-512 and length.
func hashBlob(ctx context.Context, s storage.Store, key string) ([]byte, int64, error) {
	b, err := s.Open(ctx, key)
	if err != nil {
		return nil, 0, err
	}
	defer b.Close()
	h := sha512.New()
	n, err := io.CopyBuffer(h, b, make([]byte, 256<<10))
	if err != nil {
		return nil, 0, err
	}
	return h.Sum(nil), n, nil
}

// short is the start of a digest in hex, enough to tell two apart in a message.
func short(sum []byte) string {
	return hex.EncodeToString(sum[:min(len(sum), 8)]) + "…"
}
