package s3_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"

	"github.com/feedserver/feedserver/internal/testsvc"
	"github.com/feedserver/feedserver/storage"
	"github.com/feedserver/feedserver/storage/s3"
)

// pattern is n bytes that differ with seed.
func pattern(seed, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7 + i>>9 + seed)
	}
	return b
}

// requests is how many requests of op the store made, from its metrics.
func requests(t *testing.T, reg *prometheus.Registry, name, op string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			if label(m, "operation") == op {
				if h := m.GetHistogram(); h != nil {
					return float64(h.GetSampleCount())
				}
				return m.GetCounter().GetValue()
			}
		}
	}
	return 0
}

func label(m *dto.Metric, name string) string {
	for _, l := range m.GetLabel() {
		if l.GetName() == name {
			return l.GetValue()
		}
	}
	return ""
}

const durations = "feedserver_storage_s3_request_duration_seconds"

// rawClient reaches the bucket without the store, to make what the store
// never makes.
func rawClient(t *testing.T, b testsvc.Bucket) *minio.Client {
	t.Helper()
	c, err := minio.New(strings.TrimPrefix(b.Endpoint, "http://"), &minio.Options{
		Creds: credentials.NewStaticV4(b.AccessKey, b.SecretKey, ""), Region: b.Region,
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func stageBytes(t *testing.T, s storage.Store, data []byte) storage.Staged {
	t.Helper()
	st, err := s.Stage(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Abort() })
	for p := data; len(p) > 0; {
		n := min(len(p), 1<<20)
		if _, err := st.Write(p[:n]); err != nil {
			t.Fatal(err)
		}
		p = p[n:]
	}
	if err := st.Finish(); err != nil {
		t.Fatal(err)
	}
	return st
}

func readAll(t *testing.T, s storage.Store, key string) []byte {
	t.Helper()
	b, err := s.Open(t.Context(), key)
	if err != nil {
		t.Fatalf("Open(%q): %v", key, err)
	}
	defer b.Close()
	data, err := io.ReadAll(b)
	if err != nil {
		t.Fatalf("read %q: %v", key, err)
	}
	return data
}

// A store opened on a bucket that does not exist, or a store nobody
// answers for, fails at Open, naming the bucket.
func TestOpenRefuses(t *testing.T) {
	b := gateway.NewBucket(t)
	for _, tt := range []struct{ url, says string }{
		{"s3://no-such-bucket/p?endpoint=" + b.Endpoint, `the bucket "no-such-bucket" does not exist`},
		{"s3://" + b.Name + "?endpoint=http://127.0.0.1:1", "connection refused"},
	} {
		c, err := s3.ParseURL(tt.url, b.Getenv)
		if err != nil {
			t.Fatal(err)
		}
		c.ScratchDir = t.TempDir()
		s, err := s3.Open(t.Context(), c, nil)
		if err == nil {
			s.Close()
		}
		if !errors.Is(err, storage.ErrUnavailable) || !strings.Contains(err.Error(), tt.says) {
			t.Errorf("Open(%s) = %v, want ErrUnavailable saying %q", tt.url, err, tt.says)
		}
	}
	c, err := s3.ParseURL(b.URL(""), envOf(map[string]string{"AWS_ACCESS_KEY_ID": b.AccessKey, "AWS_SECRET_ACCESS_KEY": "wrong"}))
	if err != nil {
		t.Fatal(err)
	}
	c.ScratchDir = t.TempDir()
	if _, err := s3.Open(t.Context(), c, nil); !errors.Is(err, storage.ErrUnavailable) {
		t.Errorf("Open with a wrong secret = %v, want ErrUnavailable", err)
	}
}

// Past the part size a commit is a multipart upload: the blob reads back
// whole, create-only is refused over it, and no upload is left behind.
func TestMultipart(t *testing.T) {
	b := gateway.NewBucket(t)
	c, err := s3.ParseURL(b.URL("mp")+"&part-size=5MiB", b.Getenv)
	if err != nil {
		t.Fatal(err)
	}
	c.ScratchDir = t.TempDir()
	reg := prometheus.NewRegistry()
	s, err := s3.Open(t.Context(), c, reg)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	data := pattern(1, 12<<20+321) // three parts, the last short
	info, err := stageBytes(t, s, data).Commit(t.Context(), "big/blob", storage.CommitOptions{CreateOnly: true})
	if err != nil || info.Size != int64(len(data)) {
		t.Fatalf("Commit = %+v, %v", info, err)
	}
	if parts := requests(t, reg, durations, "upload_part"); parts != 3 {
		t.Errorf("%v parts uploaded, want 3", parts)
	}
	if got := readAll(t, s, "big/blob"); !bytes.Equal(got, data) {
		t.Fatalf("read back %d bytes that differ from the %d committed", len(got), len(data))
	}
	before := requests(t, reg, durations, "upload_part")
	_, err = stageBytes(t, s, pattern(2, 11<<20)).Commit(t.Context(), "big/blob", storage.CommitOptions{CreateOnly: true})
	if !errors.Is(err, storage.ErrExists) {
		t.Errorf("create-only Commit over a blob = %v, want ErrExists", err)
	}
	if after := requests(t, reg, durations, "upload_part"); after != before {
		t.Errorf("a refused create-only commit sent %v parts, want none", after-before)
	}
	if _, err := s.Put(t.Context(), "big/put", bytes.NewReader(data[:11<<20])); err != nil {
		t.Fatalf("Put of 11 MiB: %v", err)
	}
	if got := readAll(t, s, "big/put"); !bytes.Equal(got, data[:11<<20]) {
		t.Errorf("Put: read back other bytes")
	}
	for u := range rawClient(t, b).ListIncompleteUploads(t.Context(), b.Name, "", true) {
		t.Errorf("incomplete upload left behind: %+v", u)
	}
}

// Racing create-only commits of stages too large for one network write:
// exactly one wins, the others hear ErrExists, even where the store
// refuses a PUT while its body is still being sent (and closes the
// connection, which the client sees as a broken connection).
func TestCreateOnlyRace(t *testing.T) {
	s, _ := newStore(t, "", nil)
	const racers = 6
	for round := range 4 {
		key := fmt.Sprintf("race/%d", round)
		contents := make([][]byte, racers)
		stages := make([]storage.Staged, racers)
		for i := range stages {
			contents[i] = pattern(round*racers+i, 3<<20+i)
			stages[i] = stageBytes(t, s, contents[i])
		}
		errs := make([]error, racers)
		var wg sync.WaitGroup
		for i, st := range stages {
			wg.Go(func() {
				_, errs[i] = st.Commit(t.Context(), key, storage.CommitOptions{CreateOnly: true})
			})
		}
		wg.Wait()
		winner := -1
		for i, err := range errs {
			switch {
			case err == nil && winner >= 0:
				t.Errorf("round %d: racers %d and %d both won", round, winner, i)
			case err == nil:
				winner = i
			case !errors.Is(err, storage.ErrExists):
				t.Errorf("round %d: a losing racer got %v, want ErrExists", round, err)
			}
		}
		if winner < 0 {
			t.Fatalf("round %d: nobody won", round)
		}
		if got := readAll(t, s, key); !bytes.Equal(got, contents[winner]) {
			t.Errorf("round %d: the key holds other bytes than the winner's", round)
		}
	}
}

// A Seek costs nothing and a Read after it fetches from there: serving a
// range of a large blob does not download it. ReadAt's small reads near
// each other cost one request.
func TestRangeReads(t *testing.T) {
	reg := prometheus.NewRegistry()
	s, _ := newStore(t, "", reg)
	data := pattern(3, 6<<20)
	if _, err := s.Put(t.Context(), "r/blob", bytes.NewReader(data)); err != nil {
		t.Fatal(err)
	}
	gets := func() float64 { return requests(t, reg, durations, "get") }

	start := gets()
	b, err := s.Open(t.Context(), "r/blob")
	if err != nil {
		t.Fatal(err)
	}
	// http.ServeContent finds the size by seeking to the end and back.
	if n, err := b.Seek(0, io.SeekEnd); err != nil || n != int64(len(data)) {
		t.Fatalf("Seek(0, end) = %d, %v", n, err)
	}
	if _, err := b.Seek(-100, io.SeekEnd); err != nil {
		t.Fatal(err)
	}
	tail := make([]byte, 100)
	if _, err := io.ReadFull(b, tail); err != nil || !bytes.Equal(tail, data[len(data)-100:]) {
		t.Fatalf("the last 100 bytes after a seek: %v", err)
	}
	ra := b.(io.ReaderAt)
	for _, off := range []int{len(data) - 22, len(data) - 5000, len(data) - 40000} {
		p := make([]byte, 22)
		if _, err := ra.ReadAt(p, int64(off)); err != nil || !bytes.Equal(p, data[off:off+22]) {
			t.Fatalf("ReadAt(%d): %v", off, err)
		}
	}
	b.Close()
	// Open's GET, the ranged GET after the seek, and one for the three ReadAts.
	if got := gets() - start; got != 3 {
		t.Errorf("%v GETs for a seek, a read and three close ReadAts, want 3", got)
	}

	// Read whole (the re-index hashes a package), then its end by ReadAt
	// (its zip directory): the end is already here.
	start = gets()
	b, err = s.Open(t.Context(), "r/blob")
	if err != nil {
		t.Fatal(err)
	}
	if got, err := io.ReadAll(b); err != nil || !bytes.Equal(got, data) {
		t.Fatalf("ReadAll: %v", err)
	}
	p := make([]byte, 1000)
	if _, err := b.(io.ReaderAt).ReadAt(p, int64(len(data)-1000)); err != nil || !bytes.Equal(p, data[len(data)-1000:]) {
		t.Fatalf("ReadAt of the end after a whole read: %v", err)
	}
	b.Close()
	if got := gets() - start; got != 1 {
		t.Errorf("%v GETs for a whole read and a ReadAt of the end, want 1", got)
	}

	// Through http.ServeContent, as the download handlers serve it.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := s.Open(r.Context(), "r/blob")
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		defer b.Close()
		http.ServeContent(w, r, "", b.Info().ModTime, b)
	}))
	defer srv.Close()
	req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
	req.Header.Set("Range", "bytes=5000000-5000099")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusPartialContent || !bytes.Equal(body, data[5000000:5000100]) {
		t.Errorf("range request = %d with %d bytes, want 206 with the 100 bytes", resp.StatusCode, len(body))
	}
}

// A blob replaced while it is open fails the next read that must fetch,
// rather than serve a mix of two versions.
func TestReplacedWhileRead(t *testing.T) {
	s, _ := newStore(t, "", nil)
	if _, err := s.Put(t.Context(), "k", bytes.NewReader(pattern(1, 1<<20))); err != nil {
		t.Fatal(err)
	}
	b, err := s.Open(t.Context(), "k")
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if _, err := s.Put(t.Context(), "k", bytes.NewReader(pattern(2, 1<<20))); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Seek(1000, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadAll(b); err == nil || !strings.Contains(err.Error(), "replaced") {
		t.Errorf("read after the blob was replaced = %v, want an error saying so", err)
	}
}

// Objects that are not keys (a console's folder marker, a name with a
// space) are not the store's: List skips them.
func TestListSkipsForeignObjects(t *testing.T) {
	s, b := newStore(t, "", nil)
	raw := rawClient(t, b)
	for _, name := range []string{"folder/", "with space", "ok/.hidden"} {
		body := "x"
		if strings.HasSuffix(name, "/") {
			body = "" // a folder marker is empty
		}
		if _, err := raw.PutObject(t.Context(), b.Name, name, strings.NewReader(body), int64(len(body)), minio.PutObjectOptions{}); err != nil {
			t.Fatalf("put %q: %v", name, err)
		}
	}
	if _, err := s.Put(t.Context(), "ok/key", strings.NewReader("y")); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for in, err := range s.List(t.Context(), "") {
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, in.Key)
	}
	if len(keys) != 1 || keys[0] != "ok/key" {
		t.Errorf("List = %q, want [ok/key]", keys)
	}
}

// SweepTemp at one replica's start must not abort another's upload in
// progress: a fresh incomplete upload stays.
func TestSweepKeepsUploadsInProgress(t *testing.T) {
	s, b := newStore(t, "", nil)
	core := minio.Core{Client: rawClient(t, b)}
	id, err := core.NewMultipartUpload(t.Context(), b.Name, "other/replica", minio.PutObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer core.AbortMultipartUpload(context.Background(), b.Name, "other/replica", id)
	if n, err := s.SweepTemp(t.Context(), 0); err != nil || n != 0 {
		t.Errorf("SweepTemp(0) = %d, %v; want 0: the upload is fresh", n, err)
	}
	found := false
	for u := range core.ListIncompleteUploads(t.Context(), b.Name, "", true) {
		found = found || u.UploadID == id
	}
	if !found {
		t.Errorf("the upload in progress was aborted")
	}
}

// A store that stops answering: every operation fails with ErrUnavailable
// within seconds, a commit leaves nothing, the metrics count the errors, and
// when the store is back everything works again without reopening.
func TestStoreDown(t *testing.T) {
	gw := testsvc.NewVersitygw() // its own, to stop without disturbing other tests
	defer gw.Close()
	b := gw.NewBucket(t)
	c, err := s3.ParseURL(b.URL("down"), b.Getenv)
	if err != nil {
		t.Fatal(err)
	}
	c.ScratchDir = t.TempDir()
	reg := prometheus.NewRegistry()
	s, err := s3.Open(t.Context(), c, reg)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := t.Context()
	if _, err := s.Put(ctx, "kept", strings.NewReader("stored before")); err != nil {
		t.Fatal(err)
	}
	small := stageBytes(t, s, pattern(1, 1000))
	large := stageBytes(t, s, pattern(2, 3<<20))

	if err := gw.Stop(); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	ops := map[string]func() error{
		"Open":   func() error { _, err := s.Open(ctx, "kept"); return err },
		"Stat":   func() error { _, err := s.Stat(ctx, "kept"); return err },
		"Put":    func() error { _, err := s.Put(ctx, "new", strings.NewReader("x")); return err },
		"Delete": func() error { return s.Delete(ctx, "kept") },
		"List": func() error {
			for _, err := range s.List(ctx, "") {
				return err
			}
			return nil
		},
		"Commit small": func() error { _, err := small.Commit(ctx, "small", storage.CommitOptions{}); return err },
		"Commit large": func() error {
			_, err := large.Commit(ctx, "large", storage.CommitOptions{CreateOnly: true})
			return err
		},
		"Check": func() error { return s.Check(ctx) },
	}
	for name, op := range ops {
		if err := op(); !errors.Is(err, storage.ErrUnavailable) {
			t.Errorf("%s while the store is down = %v, want ErrUnavailable", name, err)
		}
	}
	if d := time.Since(start); d > 30*time.Second {
		t.Errorf("the failures took %v, want seconds", d)
	}
	if n := requests(t, reg, "feedserver_storage_s3_request_errors_total", "head"); n == 0 {
		t.Errorf("no HEAD errors counted while the store was down")
	}

	if err := gw.Start(); err != nil {
		t.Fatal(err)
	}
	if err := s.Check(ctx); err != nil {
		t.Fatalf("Check after the store came back: %v", err)
	}
	for _, key := range []string{"new", "small", "large"} {
		if _, err := s.Stat(ctx, key); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("Stat(%q) after the failed write = %v, want ErrNotFound: nothing partial", key, err)
		}
	}
	if got := string(readAll(t, s, "kept")); got != "stored before" {
		t.Errorf("kept = %q after the outage", got)
	}
	if _, err := s.Put(ctx, "after", strings.NewReader("back")); err != nil {
		t.Errorf("Put after the store came back: %v", err)
	}
}

// The store's metrics pass Prometheus' own lint (names, units, help).
func TestMetricsLint(t *testing.T) {
	reg := prometheus.NewRegistry()
	s, _ := newStore(t, "", reg)
	if _, err := s.Put(t.Context(), "a/b", strings.NewReader("x")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Stat(t.Context(), "missing"); !errors.Is(err, storage.ErrNotFound) {
		t.Fatal(err)
	}
	problems, err := testutil.GatherAndLint(reg)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("%s: %s", p.Metric, p.Text)
	}
	if n := requests(t, reg, durations, "put"); n != 1 {
		t.Errorf("%v PUTs counted, want 1", n)
	}
	if n := requests(t, reg, "feedserver_storage_s3_request_errors_total", "head"); n != 0 {
		t.Errorf("a 404 counted as an error")
	}
}
