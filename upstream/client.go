package upstream

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/feedserver/feedserver/index"
	"github.com/feedserver/feedserver/nuget"
)

// Defaults for what Config leaves zero.
const (
	DefaultTimeout        = 10 * time.Second
	DefaultMetadataTTL    = 5 * time.Minute
	DefaultMaxPackageSize = 1 << 30
	// MaxDocument caps one metadata document (a registration index or
	// page, the service index); nuget.org's largest pages are a few MiB.
	MaxDocument = 32 << 20
	// maxCachedIDs bounds the metadata cache: a client asking for many
	// unknown ids must not grow it without end.
	maxCachedIDs = 20000
	// maxBackoff is the longest the client stops asking a failing upstream.
	maxBackoff = 30 * time.Second
)

// ErrNotFound: the upstream has no such package (its 404).
var ErrNotFound = errors.New("upstream: not found")

// ErrUnavailable: the upstream did not answer usefully (down, slow, a 5xx,
// a refused key, a document that does not parse). The feed answers from
// what it has instead.
var ErrUnavailable = errors.New("upstream: unavailable")

// Config is one upstream, as an administrator configures it.
type Config struct {
	// ServiceIndex is the upstream's v3 service index, e.g.
	// https://api.nuget.org/v3/index.json. It may not carry credentials.
	ServiceIndex string
	// Username and Password are sent as HTTP Basic, as NuGet clients send
	// a source's credentials; APIKey as X-NuGet-ApiKey. All optional.
	Username, Password string
	APIKey             string
	// Timeout bounds waiting for an answer's headers and any pause in a
	// package body; 0 means DefaultTimeout.
	Timeout time.Duration
	// MetadataTTL is how long an id's versions are reused before the
	// upstream is asked again; 0 means DefaultMetadataTTL.
	MetadataTTL time.Duration
	// MaxPackageSize caps a downloaded package; 0 means DefaultMaxPackageSize.
	MaxPackageSize int64
}

// Check refuses a configuration that cannot work, before the server starts.
func (c Config) Check() error {
	u, err := url.Parse(c.ServiceIndex)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("upstream: %q is not an absolute http(s) URL of a v3 service index", redactURL(c.ServiceIndex))
	}
	if u.User != nil {
		return errors.New("upstream: give the upstream's credentials as a username and password or an API key, not in its URL")
	}
	if c.Timeout < 0 || c.MetadataTTL < 0 || c.MaxPackageSize < 0 {
		return errors.New("upstream: timeout, metadata lifetime and package size may not be negative")
	}
	return nil
}

// Options are the client's collaborators.
type Options struct {
	Logger *slog.Logger
	// Metrics receives the request, latency and cache counts; nil means none.
	Metrics *Metrics
	// Label names the client in metrics and logs (the space it serves).
	Label string
	// Transport is the HTTP transport; nil means a clone of http.DefaultTransport.
	Transport http.RoundTripper
}

// Client reads one upstream v3 feed. It is safe for concurrent use.
type Client struct {
	cfg    Config
	host   string // credentials go to this host only
	http   *http.Client
	log    *slog.Logger
	m      *Metrics
	label  string
	flight singleflight.Group
	now    func() time.Time

	mu        sync.Mutex
	resources *resources // nil until the service index was read
	resAt     time.Time
	ids       map[string]*cached // lowercased id → its versions
	downUntil time.Time          // no request before this after a failure
}

// resources are the service index entries the client uses.
type resources struct {
	registration string // base URL ending in "/"
	content      string // PackageBaseAddress, ending in "/"
}

// cached is one id's metadata.
type cached struct {
	entries []index.Entry // nil with found false: the upstream has no such id
	found   bool
	at      time.Time
}

// New returns a client for cfg; nothing is requested until a first use.
func New(cfg Config, opts Options) (*Client, error) {
	if err := cfg.Check(); err != nil {
		return nil, err
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.MetadataTTL == 0 {
		cfg.MetadataTTL = DefaultMetadataTTL
	}
	if cfg.MaxPackageSize == 0 {
		cfg.MaxPackageSize = DefaultMaxPackageSize
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Transport == nil {
		opts.Transport = http.DefaultTransport.(*http.Transport).Clone()
	}
	u, _ := url.Parse(cfg.ServiceIndex)
	c := &Client{cfg: cfg, host: u.Host, log: opts.Logger, m: opts.Metrics, label: opts.Label,
		now: time.Now, ids: make(map[string]*cached)}
	c.http = &http.Client{Transport: opts.Transport, CheckRedirect: c.redirect}
	return c, nil
}

// URL is the upstream's service index, for pages and logs (it carries no credentials).
func (c *Client) URL() string { return c.cfg.ServiceIndex }

// redirect drops the credentials when a redirect leaves the upstream's host
// (Go drops Authorization itself, but not X-NuGet-ApiKey).
func (c *Client) redirect(req *http.Request, via []*http.Request) error {
	if len(via) >= 10 {
		return errors.New("stopped after 10 redirects")
	}
	if req.URL.Host != c.host {
		req.Header.Del("X-NuGet-ApiKey")
		req.Header.Del("Authorization")
	}
	return nil
}

// Versions returns the upstream's versions of id as catalogue entries of
// kind index.KindCached without a BlobKey (nothing is stored yet), in the
// upstream's order; none is an empty slice. Answers are cached for the
// metadata lifetime; when a refresh fails the last answer is returned, and
// without one an error wrapping ErrUnavailable.
func (c *Client) Versions(ctx context.Context, id string) ([]index.Entry, error) {
	lower := strings.ToLower(id)
	now := c.now()
	c.mu.Lock()
	hit := c.ids[lower]
	down := now.Before(c.downUntil)
	c.mu.Unlock()
	if hit != nil && now.Sub(hit.at) < c.cfg.MetadataTTL {
		c.m.cache(c.label, "hit")
		return hit.entries, nil
	}
	if down {
		return c.stale(hit, fmt.Errorf("%w: it failed recently; retrying after a pause", ErrUnavailable))
	}
	c.m.cache(c.label, "miss")
	v, err, _ := c.flight.Do(lower, func() (any, error) {
		// Detached from the caller: one client giving up must not fail the
		// others waiting on the same request.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.cfg.Timeout)
		defer cancel()
		entries, err := c.fetchVersions(ctx, lower)
		if errors.Is(err, ErrNotFound) {
			c.remember(lower, &cached{entries: []index.Entry{}, at: c.now()})
			return []index.Entry{}, nil
		}
		if err != nil {
			c.failed(err)
			return nil, err
		}
		c.remember(lower, &cached{entries: entries, found: true, at: c.now()})
		return entries, nil
	})
	if err != nil {
		return c.stale(hit, err)
	}
	return v.([]index.Entry), nil
}

// stale is the last known answer when the upstream cannot give a new one.
func (c *Client) stale(hit *cached, err error) ([]index.Entry, error) {
	if hit != nil {
		c.m.cache(c.label, "stale")
		return hit.entries, nil
	}
	return nil, err
}

func (c *Client) remember(lower string, e *cached) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.ids[lower]; !ok && len(c.ids) >= maxCachedIDs {
		for k := range c.ids { // any one: a map's order is random enough
			delete(c.ids, k)
			break
		}
	}
	c.ids[lower] = e
	c.downUntil = time.Time{}
}

// failed starts the back-off after a failed request: no request until
// min(TTL, maxBackoff) has passed, and a log line says why.
func (c *Client) failed(err error) {
	pause := min(c.cfg.MetadataTTL, maxBackoff)
	c.mu.Lock()
	c.downUntil = c.now().Add(pause)
	c.mu.Unlock()
	c.log.Warn("upstream unavailable; answering from local and cached packages", "upstream", c.cfg.ServiceIndex,
		"space", c.label, "retry_in", pause.String(), "err", err)
}

// Download streams the upstream's .nupkg of id and version. The caller
// closes it; reading fails once more than MaxPackageSize bytes arrive or
// the body pauses longer than the timeout. A missing package wraps
// ErrNotFound, any other failure ErrUnavailable.
func (c *Client) Download(ctx context.Context, id string, v nuget.Version) (io.ReadCloser, error) {
	c.mu.Lock()
	down := c.now().Before(c.downUntil)
	c.mu.Unlock()
	if down {
		return nil, fmt.Errorf("%w: it failed recently; retrying after a pause", ErrUnavailable)
	}
	res, err := c.serviceResources(ctx)
	if err != nil {
		return nil, err
	}
	lid, lv := url.PathEscape(strings.ToLower(id)), url.PathEscape(v.Lower())
	u := res.content + lid + "/" + lv + "/" + lid + "." + lv + ".nupkg"
	body, cancel, err := c.get(context.WithoutCancel(ctx), "package", u, c.cfg.MaxPackageSize)
	if err != nil {
		if !errors.Is(err, ErrNotFound) {
			c.failed(err)
		}
		return nil, err
	}
	return &idleReader{body: body, cancel: cancel, idle: c.cfg.Timeout, timer: time.AfterFunc(c.cfg.Timeout, cancel)}, nil
}

// idleReader fails a body that pauses longer than idle: each read that
// brings bytes resets the timer that cancels the request.
type idleReader struct {
	body   io.ReadCloser
	cancel context.CancelFunc
	idle   time.Duration
	timer  *time.Timer
}

func (r *idleReader) Read(p []byte) (int, error) {
	n, err := r.body.Read(p)
	if n > 0 {
		r.timer.Reset(r.idle)
	}
	if err != nil && err != io.EOF {
		err = fmt.Errorf("%w: reading the package: %v", ErrUnavailable, err)
	}
	return n, err
}

func (r *idleReader) Close() error {
	r.timer.Stop()
	r.cancel()
	return r.body.Close()
}

// get sends one GET and returns its body, capped at limit bytes (a longer
// body fails its read), when the answer is 200. The answer's headers must
// come within the timeout. cancel ends the request; closing the body does too.
func (c *Client) get(ctx context.Context, what, u string, limit int64) (_ io.ReadCloser, _ context.CancelFunc, err error) {
	start := c.now()
	ctx, cancel := context.WithCancel(ctx)
	defer func() {
		if err != nil {
			cancel()
		}
	}()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %s: %v", ErrUnavailable, what, err)
	}
	if parsed, err := url.Parse(u); err == nil && parsed.Host == c.host {
		if c.cfg.Username != "" || c.cfg.Password != "" {
			req.SetBasicAuth(c.cfg.Username, c.cfg.Password)
		}
		if c.cfg.APIKey != "" {
			req.Header.Set("X-NuGet-ApiKey", c.cfg.APIKey)
		}
	}
	req.Header.Set("User-Agent", "feedserver-mirror")
	headers := time.AfterFunc(c.cfg.Timeout, cancel)
	resp, err := c.http.Do(req)
	if !headers.Stop() && err == nil {
		resp.Body.Close()
		err = context.DeadlineExceeded
	}
	if err != nil {
		if ctx.Err() != nil {
			err = fmt.Errorf("no answer within %s", c.cfg.Timeout)
		}
		c.m.request(c.label, what, "error", c.now().Sub(start))
		return nil, nil, fmt.Errorf("%w: %s %s: %v", ErrUnavailable, what, redactURL(u), err)
	}
	switch {
	case resp.StatusCode == http.StatusOK:
	case resp.StatusCode == http.StatusNotFound:
		resp.Body.Close()
		c.m.request(c.label, what, "not_found", c.now().Sub(start))
		return nil, nil, fmt.Errorf("%w: %s %s", ErrNotFound, what, redactURL(u))
	default:
		resp.Body.Close()
		c.m.request(c.label, what, "error", c.now().Sub(start))
		return nil, nil, fmt.Errorf("%w: %s %s answered %s", ErrUnavailable, what, redactURL(u), resp.Status)
	}
	if resp.ContentLength > limit {
		resp.Body.Close()
		c.m.request(c.label, what, "error", c.now().Sub(start))
		return nil, nil, fmt.Errorf("%w: %s %s is %d bytes, over the limit of %d", ErrUnavailable, what, redactURL(u), resp.ContentLength, limit)
	}
	c.m.request(c.label, what, "ok", c.now().Sub(start))
	return &capped{r: io.LimitedReader{R: resp.Body, N: limit + 1}, c: resp.Body, cancel: cancel, limit: limit}, cancel, nil
}

// capped fails a read past limit bytes instead of returning a cut body.
type capped struct {
	r      io.LimitedReader
	c      io.Closer
	cancel context.CancelFunc
	limit  int64
}

func (b *capped) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	if b.r.N <= 0 {
		return 0, fmt.Errorf("%w: the answer is longer than %d bytes", ErrUnavailable, b.limit)
	}
	return n, err
}

func (b *capped) Close() error {
	err := b.c.Close()
	b.cancel()
	return err
}

// redactURL is a URL fit for a log line: no user information.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(an unparsable URL)"
	}
	return u.Redacted()
}
