package admin

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/feedserver/feedserver/auth"
	"github.com/feedserver/feedserver/feed"
	"github.com/feedserver/feedserver/index"
	"github.com/feedserver/feedserver/nuget"
	"github.com/feedserver/feedserver/protocol/httpx"
)

// Options configures a Handler.
type Options struct {
	// Retention is the server's configured policy, which POST retention applies.
	Retention feed.RetentionPolicy
	Logger    *slog.Logger
}

// Service is what the handler needs of the feed; *feed.Feed is one.
type Service interface {
	Retention(ctx context.Context, p feed.RetentionPolicy, dryRun bool) (feed.RetentionReport, error)
	Reindex(ctx context.Context) (feed.ReindexStats, error)
	State() feed.ReindexState
	SetDeprecation(ctx context.Context, space, id string, versions []string, d *nuget.Deprecation) ([]index.Entry, error)
}

// Handler serves the admin endpoints. Close stops a re-index it started.
type Handler struct {
	feed   Service
	opts   Options
	log    *slog.Logger
	errors httpx.Family // answers the handlers' errors (errors.go)

	mu     sync.Mutex
	closed bool
	cancel context.CancelFunc // of the re-index this handler started; nil when none runs
	done   chan struct{}      // closed when that re-index returns
}

// New returns the admin handler over a feed.
func New(f Service, opts Options) *Handler {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	return &Handler{feed: f, opts: opts, log: opts.Logger,
		errors: httpx.Family{Name: "admin", Log: opts.Logger, Write: writeError}}
}

// Serve adapts a handler of this package to the route table: its errors are
// answered in the Octopus error shape the rest of /api uses (errors.go).
func (h *Handler) Serve(f httpx.HandlerFunc) http.Handler { return h.errors.Serve(f) }

// Close cancels a re-index started over HTTP and waits for it to return, so
// the feed can be closed after it; later POSTs answer 503.
func (h *Handler) Close() {
	h.mu.Lock()
	h.closed = true
	cancel, done := h.cancel, h.done
	h.mu.Unlock()
	if cancel != nil {
		cancel()
		<-done
	}
}

// policyParams are the query parameters that replace fields of the default rule.
var policyParams = []string{"keepReleases", "keepPrereleases", "releaseMaxAgeDays", "prereleaseMaxAgeDays", "genericMaxAgeDays"}

// Retention runs the retention policy now: POST /api/admin/retention[?dryRun=true].
// It runs within the request: a client that goes away stops it between two
// deletions, which is safe (each deletion is complete) and the next run
// finishes the job.
func (h *Handler) Retention(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	if err := requireAdmin(ctx); err != nil {
		return err
	}
	q := r.URL.Query()
	dryRun := false
	if v := q.Get("dryRun"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("%w: dryRun=%q is neither true nor false", errBadRequest, v)
		}
		dryRun = b
	}
	policy := h.opts.Retention
	for _, name := range policyParams {
		v := q.Get(name)
		if v == "" {
			continue
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return fmt.Errorf("%w: %s=%q is not a whole number of 0 or more", errBadRequest, name, v)
		}
		switch name {
		case "keepReleases":
			policy.Rule.KeepReleases = n
		case "keepPrereleases":
			policy.Rule.KeepPrereleases = n
		case "releaseMaxAgeDays":
			policy.Rule.ReleaseMaxAgeDays = n
		case "prereleaseMaxAgeDays":
			policy.Rule.PrereleaseMaxAgeDays = n
		case "genericMaxAgeDays":
			policy.GenericMaxAgeDays = n
		}
	}
	h.log.Info("retention requested over HTTP", "dry_run", dryRun, "by", httpx.Principal(ctx).String(), "id", httpx.RequestID(ctx))
	rep, err := h.feed.Retention(ctx, policy, dryRun)
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, r, http.StatusOK, retentionJSON(policy, rep))
}

// requireAdmin checks AdministerSystem: an unrestricted administrator key.
// Anonymous callers never have it, so whether reads need a key is moot here.
func requireAdmin(ctx context.Context) error {
	return httpx.Require(ctx, auth.Policy{}, auth.AdministerSystem, auth.Target{})
}

// ReindexStart starts a re-index in the background: POST /api/admin/reindex.
// 202 with the state when it starts, 409 when one is already running (the
// start-up one or another started here).
func (h *Handler) ReindexStart(w http.ResponseWriter, r *http.Request) error {
	if err := requireAdmin(r.Context()); err != nil {
		return err
	}
	h.mu.Lock()
	switch {
	case h.closed:
		h.mu.Unlock()
		return errClosed
	case h.cancel != nil || h.feed.State().Running:
		h.mu.Unlock()
		return &runningError{state: stateJSON(h.feed.State(), true)}
	}
	// Not the request's context: the re-index outlives the request.
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	h.cancel, h.done = cancel, done
	h.mu.Unlock()

	h.log.Info("re-index requested over HTTP", "by", httpx.Principal(r.Context()).String(), "id", httpx.RequestID(r.Context()))
	go func() {
		defer close(done)
		defer cancel()
		if _, err := h.feed.Reindex(ctx); err != nil && !errors.Is(err, context.Canceled) {
			h.log.Error("re-index requested over HTTP failed", "err", err)
		}
		h.mu.Lock()
		h.cancel, h.done = nil, nil
		h.mu.Unlock()
	}()
	// The goroutine may not have marked the state yet; it is running or about to.
	return httpx.WriteJSON(w, r, http.StatusAccepted, stateJSON(h.feed.State(), true))
}

// ReindexState reports the current or last re-index: GET /api/admin/reindex.
func (h *Handler) ReindexState(w http.ResponseWriter, r *http.Request) error {
	if err := requireAdmin(r.Context()); err != nil {
		return err
	}
	h.mu.Lock()
	started := h.cancel != nil
	h.mu.Unlock()
	return httpx.WriteJSON(w, r, http.StatusOK, stateJSON(h.feed.State(), started))
}

// reindexState is the JSON of feed.ReindexState; scripts poll it until
// running is false.
type reindexState struct {
	Running  bool            `json:"running"`
	Runs     int             `json:"runs"`              // finished runs since the server started
	Started  *time.Time      `json:"started,omitempty"` // of the current or last run
	Progress reindexProgress `json:"progress"`
	Error    string          `json:"error,omitempty"` // of the last run
}

type reindexProgress struct {
	Seen            int64   `json:"seen"`
	Unchanged       int64   `json:"unchanged"`
	Added           int64   `json:"added"`
	Moved           int64   `json:"moved"`
	Removed         int64   `json:"removed"`
	Failed          int64   `json:"failed"`
	DurationSeconds float64 `json:"durationSeconds"` // of the last finished run
}

// stateJSON shapes a re-index state; running forces Running for a run this
// handler started that has not marked the state yet.
func stateJSON(s feed.ReindexState, running bool) reindexState {
	out := reindexState{
		Running: s.Running || running,
		Runs:    s.Runs,
		Error:   s.Err,
		Progress: reindexProgress{
			Seen: s.Progress.Seen, Unchanged: s.Progress.Unchanged, Added: s.Progress.Added, Moved: s.Progress.Moved,
			Removed: s.Progress.Removed, Failed: s.Progress.Failed, DurationSeconds: s.Progress.Duration.Seconds(),
		},
	}
	if !s.Started.IsZero() {
		t := s.Started.UTC()
		out.Started = &t
	}
	return out
}

// retentionReport is the JSON of one retention run.
type retentionReport struct {
	DryRun          bool            `json:"dryRun"`
	Started         time.Time       `json:"started"`
	DurationSeconds float64         `json:"durationSeconds"`
	Policy          policyJSON      `json:"policy"`
	Examined        int64           `json:"examined"`
	Deleted         int64           `json:"deleted"` // in a dry run: that would be
	Failed          int64           `json:"failed"`
	Truncated       bool            `json:"truncated"` // items stopped at feed.MaxRetentionItems; the log has all
	Items           []retentionItem `json:"items"`
}

type retentionItem struct {
	Space     string    `json:"space,omitempty"`
	Owner     string    `json:"owner,omitempty"`
	Kind      string    `json:"kind"`
	ID        string    `json:"id"`
	Version   string    `json:"version"`
	Published time.Time `json:"published"`
	Reason    string    `json:"reason"`
}

// policyJSON echoes the policy a run applied.
type policyJSON struct {
	ruleJSON
	GenericMaxAgeDays int                 `json:"genericMaxAgeDays"`
	Spaces            map[string]ruleJSON `json:"spaces,omitempty"`
	// The cache limits of mirrored spaces, shown only when set.
	Cache       *cacheJSON           `json:"cache,omitempty"`
	CacheSpaces map[string]cacheJSON `json:"cacheSpaces,omitempty"`
}

type cacheJSON struct {
	MaxAgeSeconds float64 `json:"maxAgeSeconds"`
	MaxSize       int64   `json:"maxSize"`
}

func toCacheJSON(r feed.CacheRule) cacheJSON {
	return cacheJSON{MaxAgeSeconds: r.MaxAge.Seconds(), MaxSize: r.MaxSize}
}

type ruleJSON struct {
	KeepReleases         int `json:"keepReleases"`
	KeepPrereleases      int `json:"keepPrereleases"`
	ReleaseMaxAgeDays    int `json:"releaseMaxAgeDays"`
	PrereleaseMaxAgeDays int `json:"prereleaseMaxAgeDays"`
}

func toRuleJSON(r feed.RetentionRule) ruleJSON {
	return ruleJSON{KeepReleases: r.KeepReleases, KeepPrereleases: r.KeepPrereleases,
		ReleaseMaxAgeDays: r.ReleaseMaxAgeDays, PrereleaseMaxAgeDays: r.PrereleaseMaxAgeDays}
}

func retentionJSON(p feed.RetentionPolicy, rep feed.RetentionReport) retentionReport {
	out := retentionReport{
		DryRun: rep.DryRun, Started: rep.Started.UTC(), DurationSeconds: rep.Duration.Seconds(),
		Policy:   policyJSON{ruleJSON: toRuleJSON(p.Rule), GenericMaxAgeDays: p.GenericMaxAgeDays},
		Examined: rep.Examined, Deleted: rep.Deleted, Failed: rep.Failed, Truncated: rep.Truncated,
		Items: []retentionItem{},
	}
	if len(p.Spaces) > 0 {
		out.Policy.Spaces = map[string]ruleJSON{}
		for s, r := range p.Spaces {
			out.Policy.Spaces[s] = toRuleJSON(r)
		}
	}
	if !p.Cache.IsZero() {
		c := toCacheJSON(p.Cache)
		out.Policy.Cache = &c
	}
	if len(p.CacheSpaces) > 0 {
		out.Policy.CacheSpaces = map[string]cacheJSON{}
		for s, r := range p.CacheSpaces {
			out.Policy.CacheSpaces[s] = toCacheJSON(r)
		}
	}
	for _, it := range rep.Items {
		out.Items = append(out.Items, retentionItem{Space: it.Space, Owner: it.Owner, Kind: it.Kind, ID: it.ID,
			Version: it.Version, Published: it.Published.UTC(), Reason: it.Reason})
	}
	return out
}
