package s3

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/feedserver/feedserver/storage"
)

// memStage is the most a stage keeps in memory before it makes its scratch
// file. Most packages are smaller: their push never touches the local disk,
// and a duplicate push costs nothing at all.
const memStage = 1 << 20

// scratchPrefix starts the name of every stage's scratch file, which is
// how SweepTemp knows them.
const scratchPrefix = "stage-"

// abandonedUpload is the age past which SweepTemp aborts an incomplete
// multipart upload under the store's prefix. Several processes may share
// the bucket (replicas), and one's sweep at start-up must not abort another's
// upload in progress: no commit takes a day. (An S3 lifecycle rule,
// AbortIncompleteMultipartUpload, does the same on AWS.)
const abandonedUpload = 24 * time.Hour

var (
	errFinished = errors.New("s3: stage: write after Finish")
	errEnded    = errors.New("s3: stage: already committed or aborted")
	errNotReady = errors.New("s3: stage: read before Finish")
	errSwept    = errors.New("s3: stage: its scratch file was removed by SweepTemp")
)

// stage is a storage.Staged: the bytes in memory while they fit memStage,
// then in a scratch file, which Commit uploads. Nothing reaches the store
// before Commit, so an abort, a crash or a store that is down while the push
// arrives leaves nothing in the bucket. A stage is used by one goroutine at
// a time (ReadAt excepted), so it needs no lock.
type stage struct {
	s    *Store
	mem  []byte
	file *os.File // opened read-write, so the stage can be read back
	size int64

	finished, ended bool
}

// Stage starts a staged blob. It makes no file until the bytes outgrow
// memStage.
func (s *Store) Stage(ctx context.Context) (storage.Staged, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("s3: stage: %w", err)
	}
	return &stage{s: s}, nil
}

func (st *stage) Write(p []byte) (int, error) {
	switch {
	case st.ended:
		return 0, errEnded
	case st.finished:
		return 0, errFinished
	}
	if st.file == nil {
		if n := len(st.mem) + len(p); n <= memStage {
			if n > cap(st.mem) {
				// Doubling: append grows a large slice by a quarter, which
				// copied a stage written in small pieces ten times over.
				st.mem = append(make([]byte, 0, min(max(n, 2*cap(st.mem)), memStage)), st.mem...)
			}
			st.mem = append(st.mem, p...)
			st.size += int64(len(p))
			return len(p), nil
		}
		f, err := os.CreateTemp(st.s.scratch, scratchPrefix+"*")
		if err != nil {
			return 0, fmt.Errorf("s3: stage: %w", noSpace(err))
		}
		st.file = f
		if _, err := f.Write(st.mem); err != nil {
			return 0, fmt.Errorf("s3: stage: write: %w", noSpace(err))
		}
		st.mem = nil
	}
	n, err := st.file.Write(p)
	st.size += int64(n)
	if err != nil {
		return n, fmt.Errorf("s3: stage: write: %w", noSpace(err))
	}
	return n, nil
}

func (st *stage) Finish() error {
	if st.ended {
		return errEnded
	}
	st.finished = true
	return nil
}

func (st *stage) Size() int64 { return st.size }

func (st *stage) ReadAt(p []byte, off int64) (int, error) {
	switch {
	case st.ended:
		return 0, errEnded
	case !st.finished:
		return 0, errNotReady
	case st.file != nil:
		return st.file.ReadAt(p, off)
	}
	return bytes.NewReader(st.mem).ReadAt(p, off)
}

// Abort forgets the bytes and removes the scratch file, if there is one.
func (st *stage) Abort() error {
	if st.ended {
		return nil
	}
	st.ended, st.mem = true, nil
	if st.file == nil {
		return nil
	}
	err := st.file.Close()
	if rerr := os.Remove(st.file.Name()); rerr != nil && !errors.Is(rerr, os.ErrNotExist) {
		err = errors.Join(err, rerr)
	}
	if err != nil {
		return fmt.Errorf("s3: stage: abort: %w", err)
	}
	return nil
}

func (st *stage) Commit(ctx context.Context, key string, opts storage.CommitOptions) (storage.Info, error) {
	return st.commit(ctx, "commit", key, opts.CreateOnly)
}

// commit is Commit for Put and stages: it checks the key against its
// neighbours, uploads the bytes (one PUT, or a multipart upload past
// PartSize, create-only with If-None-Match: *) and asks the store the
// blob's time. The stage ends whatever happens. op names the operation in
// errors.
func (st *stage) commit(ctx context.Context, op, key string, createOnly bool) (storage.Info, error) {
	if st.ended {
		return storage.Info{}, fmt.Errorf("s3: %s %q: %w", op, key, errEnded)
	}
	defer st.Abort()
	if err := storage.ValidKey(key); err != nil {
		return storage.Info{}, err
	}
	if err := ctx.Err(); err != nil {
		return storage.Info{}, fmt.Errorf("s3: %s %q: %w", op, key, err)
	}
	st.finished = true
	if err := st.present(); err != nil {
		return storage.Info{}, fmt.Errorf("s3: %s %q: %w", op, key, err)
	}
	if err := st.s.precheck(ctx, key, createOnly); err != nil {
		return storage.Info{}, err
	}
	name := st.s.object(key)
	opts := minio.PutObjectOptions{ContentType: "application/octet-stream", PartSize: uint64(st.s.partSize), DisableMultipart: true}
	token := ""
	if createOnly {
		opts.SetMatchETagExcept("*")
		token = rand.Text()
		opts.UserMetadata = map[string]string{uploadMeta: token}
	}
	var err error
	if st.size <= st.s.partSize {
		_, err = st.s.client.PutObject(ctx, st.s.bucket, name, io.NewSectionReader(st.source(), 0, st.size), st.size, opts)
	} else {
		err = st.multipart(ctx, name, opts)
	}
	// A PUT's answer has no time, and the re-index compares the listing's,
	// so the store is asked. If it cannot say, the blob is stored all the
	// same: the re-index reads it once more, that is all.
	oi, serr := minio.ObjectInfo{LastModified: time.Now(), Size: st.size}, error(nil)
	if err == nil || createOnly && isNetwork(err) {
		var stat minio.ObjectInfo
		if stat, serr = st.s.client.StatObject(ctx, st.s.bucket, name, minio.StatObjectOptions{}); serr == nil {
			oi = stat
		}
	}
	if err != nil {
		// A store that refuses a create-only PUT early (412) closes the
		// connection on the body still being sent (versitygw and MinIO
		// do), which reaches us as a broken connection. The token tells
		// whose blob the key holds now.
		switch {
		case !createOnly || !isNetwork(err) || serr != nil:
			return storage.Info{}, st.s.fail(op, key, err)
		case oi.Metadata.Get("X-Amz-Meta-"+uploadMeta) != token:
			return storage.Info{}, fmt.Errorf("s3: %s %q: %w", op, key, storage.ErrExists)
		}
	}
	st.s.folders.committed(key)
	return info(key, oi.Size, oi.LastModified), nil
}

// uploadMeta is the user metadata that marks a create-only upload with a
// token of its own (x-amz-meta-feedserver-upload).
const uploadMeta = "Feedserver-Upload"

// source is what an upload reads the stage from: the file or the bytes
// themselves, not the stage, because net/http may still read a request's
// body after the response came back (a store that answered early), when
// the stage has ended; a closed file then fails that read, harmlessly.
func (st *stage) source() io.ReaderAt {
	if st.file != nil {
		return st.file
	}
	return bytes.NewReader(st.mem)
}

// present checks that SweepTemp did not remove the stage's scratch file,
// which makes the stage one a crash left: it must not be committed.
func (st *stage) present() error {
	if st.file == nil {
		return nil
	}
	open, err := st.file.Stat()
	if err != nil {
		return err
	}
	named, err := os.Stat(st.file.Name())
	if err != nil || !os.SameFile(open, named) {
		return errSwept
	}
	return nil
}

// multipart uploads the stage in parts of PartSize, partThreads at a time,
// each read from the stage as it is sent, and completes the upload with
// opts' conditions (If-None-Match). A failure aborts the upload; if even
// that fails, SweepTemp aborts it a day later. S3 shows nothing of an
// upload until it completes.
func (st *stage) multipart(ctx context.Context, name string, opts minio.PutObjectOptions) (err error) {
	s := st.s
	id, err := s.core.NewMultipartUpload(ctx, s.bucket, name, minio.PutObjectOptions{ContentType: opts.ContentType})
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
			defer cancel()
			_ = s.core.AbortMultipartUpload(actx, s.bucket, name, id)
		}
	}()
	src := st.source()
	count := int((st.size + s.partSize - 1) / s.partSize)
	parts := make([]minio.CompletePart, count)
	pctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
	)
	sem := make(chan struct{}, partThreads)
	for i := range count {
		sem <- struct{}{}
		if pctx.Err() != nil {
			<-sem
			break
		}
		off := int64(i) * s.partSize
		size := min(s.partSize, st.size-off)
		wg.Go(func() {
			defer func() { <-sem }()
			p, err := s.core.PutObjectPart(pctx, s.bucket, name, id, i+1, io.NewSectionReader(src, off, size), size, minio.PutObjectPartOptions{})
			if err != nil {
				mu.Lock()
				if firstErr == nil {
					firstErr = err
				}
				mu.Unlock()
				cancel()
				return
			}
			parts[i] = minio.CompletePart{PartNumber: i + 1, ETag: p.ETag}
		})
	}
	wg.Wait()
	if firstErr != nil {
		return firstErr
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	_, err = s.core.CompleteMultipartUpload(ctx, s.bucket, name, id, parts, opts)
	return err
}

// SweepTemp removes the scratch files of stages a crash left (last written
// more than olderThan ago), and aborts the multipart uploads under the
// store's prefix that are older than abandonedUpload and olderThan.
func (s *Store) SweepTemp(ctx context.Context, olderThan time.Duration) (int, error) {
	now := time.Now()
	entries, err := os.ReadDir(s.scratch)
	if err != nil {
		return 0, fmt.Errorf("s3: sweep temp: %w", err)
	}
	removed := 0
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), scratchPrefix) || !e.Type().IsRegular() {
			continue
		}
		fi, err := e.Info()
		if err != nil || (olderThan > 0 && !fi.ModTime().Before(now.Add(-olderThan))) {
			continue
		}
		if err := os.Remove(s.scratch + string(os.PathSeparator) + e.Name()); err == nil {
			removed++
		}
	}
	cutoff := now.Add(-max(olderThan, abandonedUpload))
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // ends minio-go's listing goroutine if we stop early
	for u := range s.client.ListIncompleteUploads(ctx, s.bucket, s.prefix, true) {
		if u.Err != nil {
			return removed, s.fail("sweep uploads", s.prefix, u.Err)
		}
		if !u.Initiated.Before(cutoff) {
			continue
		}
		if err := s.core.AbortMultipartUpload(ctx, s.bucket, u.Key, u.UploadID); err != nil {
			return removed, s.fail("sweep uploads", u.Key, err)
		}
		removed++
	}
	return removed, nil
}

// noSpace marks a full scratch disk as storage.ErrNoSpace, keeping the
// system's error in the chain.
func noSpace(err error) error {
	if errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT) {
		return fmt.Errorf("%w: %w", storage.ErrNoSpace, err)
	}
	return err
}
