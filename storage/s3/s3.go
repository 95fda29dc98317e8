package s3

import (
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/feedserver/feedserver/storage"
)

// Store is a storage.Store in a bucket of an S3-compatible object store.
// It is safe for concurrent use.
type Store struct {
	client   *minio.Client
	core     minio.Core // the multipart calls, which Client only offers whole
	bucket   string
	prefix   string // "" or the key prefix followed by "/"
	partSize int64
	scratch  string
	name     string // the store for messages: bucket, prefix and endpoint
	endpoint string
	tr       *http.Transport
	folders  folders // parents of committed keys (conflict.go)
}

// Timeouts of the store's requests. A stopped or unreachable store fails a
// request within seconds (503), instead of holding a push until its client
// gives up; a large upload is bounded by its parts, each its own request.
const (
	dialTimeout = 5 * time.Second
	// headerTimeout bounds the wait for an answer once a request is sent:
	// completing a multipart upload of a large blob takes the longest.
	headerTimeout = 2 * time.Minute
	// maxRetries is minio-go's attempts per request (with backoff from
	// 200 ms): a store that restarts is retried through, one that is down
	// answers the client in about a second and a half.
	maxRetries = 3
	// partThreads is how many parts of one multipart upload are sent at once.
	partThreads = 4
)

// Open connects to the bucket c names and checks that it exists: a missing
// bucket or a store that cannot be reached is an error here, at start-up,
// not a failing request later. reg receives the request metrics
// (docs/metrics.md); nil registers them nowhere.
func Open(ctx context.Context, c Config, reg prometheus.Registerer) (*Store, error) {
	u, err := url.Parse(c.Endpoint)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("s3: endpoint %q is not a URL", c.Endpoint)
	}
	secure := u.Scheme == "https"
	tr, err := minio.DefaultTransport(secure)
	if err != nil {
		return nil, err
	}
	tr.DialContext = (&net.Dialer{Timeout: dialTimeout, KeepAlive: 30 * time.Second}).DialContext
	tr.ResponseHeaderTimeout = headerTimeout
	tr.MaxIdleConnsPerHost = 64
	m, err := newMetrics(reg)
	if err != nil {
		return nil, err
	}
	lookup := minio.BucketLookupAuto
	switch c.Addressing {
	case "path":
		lookup = minio.BucketLookupPath
	case "virtual":
		lookup = minio.BucketLookupDNS
	}
	region := c.Region
	if region == "" && !strings.HasSuffix(u.Hostname(), "amazonaws.com") {
		// An S3-compatible store rarely knows regions; AWS tells its own.
		region = "us-east-1"
	}
	creds := c.Credentials.creds
	if creds == nil {
		creds = ResolveCredentials(func(string) string { return "" }, "default", c.Endpoint).creds
	}
	client, err := minio.New(u.Host, &minio.Options{
		Creds:        creds,
		Secure:       secure,
		Transport:    m.transport(tr),
		Region:       region,
		BucketLookup: lookup,
		MaxRetries:   maxRetries,
	})
	if err != nil {
		return nil, fmt.Errorf("s3: %w", err)
	}
	partSize := c.PartSize
	if partSize == 0 {
		partSize = DefaultPartSize
	}
	if partSize < minPartSize {
		return nil, fmt.Errorf("s3: part size %d is below S3's least, 5 MiB", partSize)
	}
	if c.ScratchDir == "" {
		return nil, errors.New("s3: a scratch folder is required")
	}
	if err := os.MkdirAll(c.ScratchDir, 0o700); err != nil {
		return nil, fmt.Errorf("s3: scratch folder: %w", err)
	}
	s := &Store{
		client: client, core: minio.Core{Client: client}, bucket: c.Bucket,
		partSize: partSize, scratch: c.ScratchDir, name: c.String(), endpoint: c.Endpoint, tr: tr,
	}
	if c.Prefix != "" {
		s.prefix = c.Prefix + "/"
	}
	if err := s.Check(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// Check reports whether the bucket answers: nil, or an error that wraps
// storage.ErrUnavailable (and says why: unreachable, refused credentials,
// no such bucket). /readyz asks it.
func (s *Store) Check(ctx context.Context) error {
	ok, err := s.client.BucketExists(ctx, s.bucket)
	if err != nil {
		err = s.fail("check bucket", s.bucket, err)
		if !errors.Is(err, storage.ErrUnavailable) {
			err = fmt.Errorf("%w: %w", storage.ErrUnavailable, err)
		}
		return err
	}
	if !ok {
		return fmt.Errorf("s3: the bucket %q does not exist at %s (%w)", s.bucket, s.endpoint, storage.ErrUnavailable)
	}
	return nil
}

// Close lets go of idle connections.
func (s *Store) Close() error {
	s.tr.CloseIdleConnections()
	return nil
}

// String names the store (bucket, prefix, endpoint) without credentials.
func (s *Store) String() string { return s.name }

// object is the object name of key.
func (s *Store) object(key string) string { return s.prefix + key }

// info makes a storage.Info from what the store said of an object. Times
// are cut to whole seconds: HEAD answers with an HTTP date, a listing with
// milliseconds, and the re-index compares the two.
func info(key string, size int64, modTime time.Time) storage.Info {
	return storage.Info{Key: key, Size: size, ModTime: modTime.Truncate(time.Second)}
}

// Put stages r (in memory or the scratch folder) and commits it, so a
// failing reader stores nothing and the upload has a known size.
func (s *Store) Put(ctx context.Context, key string, r io.Reader) (storage.Info, error) {
	if err := storage.ValidKey(key); err != nil {
		return storage.Info{}, err
	}
	st := &stage{s: s}
	if err := copyContext(ctx, st, r); err != nil {
		st.Abort()
		return storage.Info{}, fmt.Errorf("s3: put %q: %w", key, err)
	}
	return st.commit(ctx, "put", key, false)
}

// copyContext copies src to dst, giving up once ctx is done.
func copyContext(ctx context.Context, dst io.Writer, src io.Reader) error {
	buf := make([]byte, 128<<10)
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		n, rerr := src.Read(buf)
		if n > 0 {
			if _, err := dst.Write(buf[:n]); err != nil {
				return err
			}
		}
		if rerr == io.EOF {
			return nil
		}
		if rerr != nil {
			return rerr
		}
	}
}

func (s *Store) Stat(ctx context.Context, key string) (storage.Info, error) {
	if err := storage.ValidKey(key); err != nil {
		return storage.Info{}, err
	}
	oi, err := s.client.StatObject(ctx, s.bucket, s.object(key), minio.StatObjectOptions{})
	if err != nil {
		return storage.Info{}, s.fail("stat", key, err)
	}
	return info(key, oi.Size, oi.LastModified), nil
}

func (s *Store) Delete(ctx context.Context, key string) error {
	if err := storage.ValidKey(key); err != nil {
		return err
	}
	// S3 answers a delete of a missing key with success, as Delete must.
	if err := s.client.RemoveObject(ctx, s.bucket, s.object(key), minio.RemoveObjectOptions{}); err != nil {
		return s.fail("delete", key, err)
	}
	return nil
}

// List pages through the bucket's listing (1,000 keys a request), which S3
// returns in byte order of keys. A prefix without a trailing slash is
// listed as the key itself and then the keys below it ("a/b", then
// "a/b/..."), so "a/bc" and "a/b-c" are never read, let alone yielded.
func (s *Store) List(ctx context.Context, prefix string) iter.Seq2[storage.Info, error] {
	return func(yield func(storage.Info, error) bool) {
		if err := storage.ValidPrefix(prefix); err != nil {
			yield(storage.Info{}, err)
			return
		}
		if prefix != "" && !strings.HasSuffix(prefix, "/") {
			// The smallest key starting with prefix is prefix itself, if it is one.
			for in, err := range s.list(ctx, prefix, 1) {
				if err != nil {
					yield(in, err)
					return
				}
				if in.Key == prefix && !yield(in, nil) {
					return
				}
			}
			prefix += "/"
		}
		for in, err := range s.list(ctx, prefix, 0) {
			if !yield(in, err) || err != nil {
				return
			}
		}
	}
}

// list yields the objects whose names start with the store's prefix and
// then prefix, at most max of them (0: all). Objects whose names are not
// keys (a console's "folder/" marker) are not the store's and are skipped.
func (s *Store) list(ctx context.Context, prefix string, max int) iter.Seq2[storage.Info, error] {
	return func(yield func(storage.Info, error) bool) {
		ctx, cancel := context.WithCancel(ctx)
		defer cancel() // ends minio-go's listing goroutine when yield stops early
		opts := minio.ListObjectsOptions{Prefix: s.object(prefix), Recursive: true}
		if max > 0 {
			opts.MaxKeys = max
		}
		n := 0
		for obj := range s.client.ListObjects(ctx, s.bucket, opts) {
			if obj.Err != nil {
				yield(storage.Info{Key: prefix}, s.fail("list", prefix, obj.Err))
				return
			}
			key := strings.TrimPrefix(obj.Key, s.prefix)
			if storage.ValidKey(key) != nil {
				continue
			}
			if !yield(info(key, obj.Size, obj.LastModified), nil) {
				return
			}
			if n++; max > 0 && n >= max {
				return
			}
		}
		if err := ctx.Err(); err != nil {
			yield(storage.Info{Key: prefix}, fmt.Errorf("s3: list %q: %w", prefix, err))
		}
	}
}

// fail wraps an error of minio-go, naming the operation and key, as the
// storage error it means:
//
//   - no such key: ErrNotFound;
//   - a failed If-None-Match (412): ErrExists;
//   - a key the store refuses as a parent of other keys, or below a blob
//     (stores that keep objects as files, such as versitygw's posix
//     backend or MinIO, answer 409): ErrConflict;
//   - a quota or a full disk: ErrNoSpace;
//   - no answer, a timeout, a server error, refused credentials or a
//     missing bucket: ErrUnavailable, for the client a 503 (the store's
//     configuration or health is the operator's to fix).
//
// Anything else (a 400 for a request we should not have sent) stays a
// plain error: the server's fault, a 500.
func (s *Store) fail(op, key string, err error) error {
	what := op
	if key != "" {
		what += fmt.Sprintf(" %q", key)
	}
	if errors.Is(err, context.Canceled) {
		return fmt.Errorf("s3: %s: %w", what, err)
	}
	var resp minio.ErrorResponse
	if !errors.As(err, &resp) {
		if isNetwork(err) {
			return fmt.Errorf("s3: %s: %w: %s: %w", what, storage.ErrUnavailable, s.name, err)
		}
		return fmt.Errorf("s3: %s: %w", what, err)
	}
	var kind error
	switch {
	case resp.Code == "NoSuchKey" || resp.StatusCode == http.StatusNotFound && resp.Code != "NoSuchBucket":
		kind = storage.ErrNotFound
	case resp.StatusCode == http.StatusPreconditionFailed:
		kind = storage.ErrExists
	case conflictCodes[resp.Code]:
		kind = storage.ErrConflict
	case noSpaceCodes[resp.Code], resp.StatusCode == http.StatusInsufficientStorage:
		kind = storage.ErrNoSpace
	case resp.StatusCode >= 500, resp.StatusCode == http.StatusUnauthorized, resp.StatusCode == http.StatusForbidden,
		resp.Code == "NoSuchBucket", resp.Code == "SlowDown", resp.Code == "RequestTimeout":
		return fmt.Errorf("s3: %s: %w: %s answered %d %s: %w", what, storage.ErrUnavailable, s.name, resp.StatusCode, resp.Code, err)
	default:
		return fmt.Errorf("s3: %s: %s answered %d %s: %w", what, s.name, resp.StatusCode, resp.Code, err)
	}
	return fmt.Errorf("s3: %s: %w (%s)", what, kind, resp.Code)
}

// conflictCodes are the answers of stores that keep objects as files to a
// key that is a parent of others or lies below an object (versitygw,
// MinIO).
var conflictCodes = map[string]bool{
	"ExistingObjectIsDirectory":     true,
	"ObjectParentIsFile":            true,
	"XMinioParentIsObject":          true,
	"XMinioObjectExistsAsDirectory": true,
}

// noSpaceCodes mean the store has no room for the blob.
var noSpaceCodes = map[string]bool{
	"QuotaExceeded":                  true,
	"InsufficientStorage":            true,
	"EntityTooLarge":                 true,
	"XMinioStorageFull":              true,
	"XMinioAdminBucketQuotaExceeded": true,
}

// isNetwork reports an error of the connection rather than an answer:
// refused, reset, timed out (the transport's timeouts, or a deadline the
// store did not meet), or cut short.
func isNetwork(err error) bool {
	var netErr net.Error
	var urlErr *url.Error
	return errors.As(err, &netErr) || errors.As(err, &urlErr) || errors.Is(err, context.DeadlineExceeded) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF)
}
