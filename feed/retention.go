package feed

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/feedserver/feedserver/feed/generic"
	"github.com/feedserver/feedserver/index"
)

// Retention deletes old package versions by a policy: per space, keep the
// newest N releases and prereleases of each id and/or delete those published
// more than D days ago; for generic packages, delete versions older than D
// days. It walks the catalogue a page of ids at a time (memory does not grow
// with the feed) and deletes through Delete and generic.Registry.DeleteVersion, so the
// files, the catalogue, the search index and Generation stay consistent.
// The same run drops cached upstream packages by the cache limits
// (cacheretention.go).

// ErrBusy means a re-index or another retention run holds the feed; retention
// never works on a catalogue a re-index is still filling.
var ErrBusy = errors.New("busy")

// ErrInvalidPolicy wraps every refused retention policy.
var ErrInvalidPolicy = errors.New("invalid retention policy")

// RetentionRule limits the versions of each package id (NuGet and raw) in one
// space. Every field is a limit on its own and 0 means no limit: a version is
// deleted when it breaks any limit of its class (release or prerelease).
// Whatever the rule, the newest release of an id and its newest listed
// release stay; an id with no release keeps its newest (and newest listed)
// prerelease, so no id ever loses its last version.
type RetentionRule struct {
	KeepReleases         int // keep the newest N releases (by version, not date)
	KeepPrereleases      int // keep the newest N prereleases
	ReleaseMaxAgeDays    int // delete releases published more than D days ago
	PrereleaseMaxAgeDays int // delete prereleases published more than D days ago
}

// IsZero reports whether the rule deletes nothing.
func (r RetentionRule) IsZero() bool { return r == RetentionRule{} }

func (r RetentionRule) validate() error {
	for _, f := range []struct {
		name string
		v    int
	}{{"KeepReleases", r.KeepReleases}, {"KeepPrereleases", r.KeepPrereleases},
		{"ReleaseMaxAgeDays", r.ReleaseMaxAgeDays}, {"PrereleaseMaxAgeDays", r.PrereleaseMaxAgeDays}} {
		if f.v < 0 {
			return fmt.Errorf("%w: %s is %d; it must be 0 (no limit) or more", ErrInvalidPolicy, f.name, f.v)
		}
	}
	return nil
}

// RetentionPolicy is what one retention run applies.
type RetentionPolicy struct {
	// Rule applies to every space without an entry in Spaces.
	Rule RetentionRule
	// Spaces replaces Rule for some spaces, by space id ("Spaces-2", any
	// case); a zero rule there switches retention off for that space.
	Spaces map[string]RetentionRule
	// GenericMaxAgeDays deletes generic package versions whose newest file is
	// older than this; 0 keeps them all. A package's most recent version stays.
	GenericMaxAgeDays int
	// Cache limits the packages mirrored spaces cached from their upstream
	// (cacheretention.go) in every space without an entry in CacheSpaces,
	// which replaces it for some spaces; a zero rule there switches cache
	// retention off for that space. Pushed packages are never dropped by it.
	Cache       CacheRule
	CacheSpaces map[string]CacheRule
	// Now is the clock ages are measured against; zero means time.Now().
	Now time.Time
}

// Validate refuses negative limits and space keys that are not space ids.
func (p RetentionPolicy) Validate() error {
	if err := validateRules(p.Rule, p.Spaces); err != nil {
		return err
	}
	if err := validateRules(p.Cache, p.CacheSpaces); err != nil {
		return err
	}
	if p.GenericMaxAgeDays < 0 {
		return fmt.Errorf("%w: GenericMaxAgeDays is %d; it must be 0 (no limit) or more", ErrInvalidPolicy, p.GenericMaxAgeDays)
	}
	return nil
}

// validateRules checks a default rule and the rules of some spaces, whose
// keys must be space ids.
func validateRules[R interface{ validate() error }](def R, spaces map[string]R) error {
	if err := def.validate(); err != nil {
		return err
	}
	for space, r := range spaces {
		if _, ok := SpaceFromDir(SpaceDir(space)); !ok {
			return fmt.Errorf("%w: %q is not a space id (Spaces-N)", ErrInvalidPolicy, space)
		}
		if err := r.validate(); err != nil {
			return fmt.Errorf("space %s: %w", space, err)
		}
	}
	return nil
}

// IsZero reports whether the policy deletes nothing anywhere.
func (p RetentionPolicy) IsZero() bool {
	if !p.Rule.IsZero() || p.GenericMaxAgeDays > 0 || !p.Cache.IsZero() {
		return false
	}
	for _, r := range p.Spaces {
		if !r.IsZero() {
			return false
		}
	}
	for _, r := range p.CacheSpaces {
		if !r.IsZero() {
			return false
		}
	}
	return true
}

// ruleFor is the rule of one space.
func (p RetentionPolicy) ruleFor(space string) RetentionRule {
	return spaceRule(p.Spaces, space, p.Rule)
}

// spaceRule is the rule spaces gives space (keys in any case), else def.
func spaceRule[R any](spaces map[string]R, space string, def R) R {
	for s, r := range spaces {
		if strings.EqualFold(s, space) {
			return r
		}
	}
	return def
}

// RetentionKindGeneric is the Kind of a generic package in a RetentionItem.
const RetentionKindGeneric = "generic"

// RetentionItem is one version a run deleted, or would delete in a dry run.
type RetentionItem struct {
	Space     string // "" for generic packages, which have owners instead
	Kind      string // "nuget", "raw", "cached" or "generic"
	Owner     string // generic packages only
	ID        string // package id, or generic package name
	Version   string // as pushed
	Published time.Time
	Reason    string
}

// MaxRetentionItems caps RetentionReport.Items; the log has every deletion.
const MaxRetentionItems = 10000

// RetentionReport is what one run did (or, in a dry run, would do).
type RetentionReport struct {
	DryRun    bool
	Started   time.Time
	Duration  time.Duration
	Examined  int64           // versions looked at
	Deleted   int64           // versions deleted; in a dry run, that would be
	Failed    int64           // deletions that failed; logged, the run goes on
	Items     []RetentionItem // the deleted versions, in the order decided, up to MaxRetentionItems
	Truncated bool            // Items stopped at MaxRetentionItems
}

// retentionPage is how many ids one catalogue query returns.
const retentionPage = 500

// Retention applies a policy once. A dry run decides exactly as a real run
// would and deletes nothing. It refuses to run (ErrBusy) while a re-index
// runs: a catalogue being filled would show old versions as the newest. A
// failed deletion is logged and counted and the run goes on; a cancelled
// context stops it between deletions, each of which is complete on its own.
func (f *Feed) Retention(ctx context.Context, p RetentionPolicy, dryRun bool) (RetentionReport, error) {
	if err := p.Validate(); err != nil {
		return RetentionReport{}, err
	}
	if f.opts.Cluster != nil {
		return f.retentionJob(ctx, p, dryRun) // replicas.go
	}
	return f.retentionHere(ctx, p, dryRun)
}

// retentionHere applies a policy in this process.
func (f *Feed) retentionHere(ctx context.Context, p RetentionPolicy, dryRun bool) (RetentionReport, error) {
	if !f.reindexMu.TryLock() {
		return RetentionReport{}, fmt.Errorf("%w: a re-index or another retention run is in progress", ErrBusy)
	}
	defer f.reindexMu.Unlock()

	now := p.Now
	if now.IsZero() {
		now = time.Now()
	}
	run := &retentionRun{f: f, m: f.metrics.retention, rep: RetentionReport{DryRun: dryRun, Started: time.Now()}}
	f.log.Info("retention started", "dry_run", dryRun)
	err := f.retainPackages(ctx, p, now, run)
	if err == nil {
		err = f.retainGeneric(ctx, p.GenericMaxAgeDays, now, run)
	}
	if err == nil {
		err = f.retainCached(ctx, p, now, run)
	}
	rep := run.rep
	rep.Duration = time.Since(rep.Started)

	mode := "delete"
	if dryRun {
		mode = "dry_run"
	}
	run.m.runs.WithLabelValues(mode).Inc()
	if err != nil {
		f.log.Error("retention stopped", "dry_run", dryRun, "err", err, "examined", rep.Examined, "deleted", rep.Deleted, "failed", rep.Failed)
		return rep, err
	}
	if !dryRun {
		run.m.lastRun.SetToCurrentTime()
	}
	f.log.Info("retention finished", "dry_run", dryRun, "examined", rep.Examined, "deleted", rep.Deleted,
		"failed", rep.Failed, "duration", rep.Duration.Round(time.Millisecond).String())
	return rep, nil
}

// retainPackages applies the space rules to NuGet and raw packages.
func (f *Feed) retainPackages(ctx context.Context, p RetentionPolicy, now time.Time, run *retentionRun) error {
	spaces, err := f.catalog.Spaces(ctx)
	if err != nil {
		return fmt.Errorf("retention: %w", err)
	}
	for _, space := range spaces {
		rule := p.ruleFor(space)
		if rule.IsZero() {
			continue
		}
		for _, kind := range []index.Kind{index.KindNuGet, index.KindRaw} {
			if err := f.retainKind(ctx, space, kind, rule, now, run); err != nil {
				return err
			}
		}
	}
	return nil
}

// retainKind pages through the ids of one space and kind; deleting versions
// behind the page's last id leaves the next page as it was.
func (f *Feed) retainKind(ctx context.Context, space string, kind index.Kind, rule RetentionRule, now time.Time, run *retentionRun) error {
	after := ""
	for {
		ids, err := f.catalog.PackageIDs(ctx, space, kind, after, retentionPage)
		if err != nil {
			return fmt.Errorf("retention: %w", err)
		}
		for _, id := range ids {
			if err := ctx.Err(); err != nil {
				return err
			}
			versions, err := f.catalog.Versions(ctx, space, kind, id)
			if err != nil {
				return fmt.Errorf("retention: %w", err)
			}
			run.rep.Examined += int64(len(versions))
			for _, v := range retentionVictims(versions, rule, now) {
				e := versions[v.at]
				item := RetentionItem{Space: space, Kind: string(kind), ID: string(e.ID), Version: e.Version.Original(),
					Published: e.Published, Reason: v.reason}
				err := run.delete(ctx, item, func() error {
					_, err := f.Delete(ctx, space, kind, e.ID.Lower(), e.Version.String())
					return err
				})
				if err != nil {
					return err
				}
			}
		}
		if len(ids) < retentionPage {
			return nil
		}
		after = ids[len(ids)-1]
	}
}

// victim is one version to delete: its index and why.
type victim struct {
	at     int
	reason string
}

// retentionVictims decides which versions of one id go; versions are in
// ascending NuGet order (as Catalog.Versions returns them).
func retentionVictims(versions []index.Entry, rule RetentionRule, now time.Time) []victim {
	// The versions no rule may delete: the newest release and the newest
	// listed release (what "latest" shows), or, for an id without a release,
	// the newest prerelease and the newest listed prerelease.
	protected := map[int]bool{}
	newest, newestListed := -1, -1
	for i := len(versions) - 1; i >= 0; i-- {
		if versions[i].Version.IsPrerelease() {
			continue
		}
		if newest < 0 {
			newest = i
		}
		if newestListed < 0 && versions[i].Listed {
			newestListed = i
		}
	}
	if newest < 0 && len(versions) > 0 {
		newest = len(versions) - 1
		for i := len(versions) - 1; i >= 0; i-- {
			if versions[i].Listed {
				newestListed = i
				break
			}
		}
	}
	protected[newest] = true
	protected[newestListed] = true

	var out []victim
	releases, prereleases := 0, 0 // ranks so far, newest first
	for i := len(versions) - 1; i >= 0; i-- {
		e := versions[i]
		keep, maxAge, class := rule.KeepReleases, rule.ReleaseMaxAgeDays, "release"
		rank := &releases
		if e.Version.IsPrerelease() {
			keep, maxAge, class = rule.KeepPrereleases, rule.PrereleaseMaxAgeDays, "prerelease"
			rank = &prereleases
		}
		*rank++
		var reasons []string
		if keep > 0 && *rank > keep {
			if keep == 1 {
				reasons = append(reasons, "not the newest "+class)
			} else {
				reasons = append(reasons, "not among the newest "+strconv.Itoa(keep)+" "+class+"s")
			}
		}
		if maxAge > 0 && now.Sub(e.Published) > days(maxAge) {
			reasons = append(reasons, class+" published more than "+strconv.Itoa(maxAge)+" days ago")
		}
		if len(reasons) > 0 && !protected[i] {
			out = append(out, victim{at: i, reason: strings.Join(reasons, "; ")})
		}
	}
	return out
}

func days(n int) time.Duration { return time.Duration(n) * 24 * time.Hour }

// retainGeneric deletes old generic versions, a package at a time.
func (f *Feed) retainGeneric(ctx context.Context, maxAgeDays int, now time.Time, run *retentionRun) error {
	if maxAgeDays == 0 {
		return nil
	}
	for p, err := range f.generic.AllPackages(ctx) {
		if err != nil {
			return fmt.Errorf("retention: %w", err)
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		versions, err := f.generic.Versions(ctx, p.Owner, p.Name)
		if err != nil {
			return fmt.Errorf("retention: %w", err)
		}
		run.rep.Examined += int64(len(versions))
		for _, v := range genericVictims(versions, maxAgeDays, now) {
			gv := versions[v.at]
			item := RetentionItem{Kind: RetentionKindGeneric, Owner: p.Owner, ID: gv.Files[0].Name, Version: gv.Version,
				Published: gv.Updated(), Reason: v.reason}
			err := run.delete(ctx, item, func() error {
				_, err := f.generic.DeleteVersion(ctx, p.Owner, p.Name, gv.Version)
				return err
			})
			if err != nil {
				return err
			}
		}
	}
	return nil
}

// genericVictims picks the versions whose newest file is older than the
// limit, except the package's most recently changed version.
func genericVictims(versions []generic.Version, maxAgeDays int, now time.Time) []victim {
	newest := -1
	for i, v := range versions {
		if len(v.Files) == 0 {
			continue
		}
		if newest < 0 || v.Updated().After(versions[newest].Updated()) {
			newest = i
		}
	}
	var out []victim
	for i, v := range versions {
		if i == newest || len(v.Files) == 0 {
			continue
		}
		if now.Sub(v.Updated()) > days(maxAgeDays) {
			out = append(out, victim{at: i, reason: "no file added for more than " + strconv.Itoa(maxAgeDays) + " days"})
		}
	}
	return out
}

// retentionRun is the state of one run: its report and metrics.
type retentionRun struct {
	f   *Feed
	m   *retentionMetrics
	rep RetentionReport
}

// delete deletes one version (not in a dry run), logs it and records it. It
// returns an error only when the context is done; other failures are counted.
func (r *retentionRun) delete(ctx context.Context, item RetentionItem, del func() error) error {
	attrs := []any{"kind", item.Kind, "id", item.ID, "version", item.Version, "published", item.Published.UTC().Format(time.RFC3339), "reason", item.Reason}
	if item.Owner != "" {
		attrs = append([]any{"owner", item.Owner}, attrs...)
	} else {
		attrs = append([]any{"space", item.Space}, attrs...)
	}
	if r.rep.DryRun {
		r.f.log.Info("retention: would delete", attrs...)
	} else {
		err := del()
		switch {
		case err != nil && ctx.Err() != nil:
			return ctx.Err()
		case errors.Is(err, ErrNotFound):
			r.f.log.Info("retention: already gone", attrs...)
			return nil
		case err != nil:
			r.rep.Failed++
			r.m.failed.Inc()
			r.f.log.Error("retention: delete failed", append(attrs, "err", err)...)
			return nil
		}
		r.m.deleted.WithLabelValues(item.Kind).Inc()
		r.f.log.Info("retention: deleted", attrs...)
	}
	r.rep.Deleted++
	if len(r.rep.Items) < MaxRetentionItems {
		r.rep.Items = append(r.rep.Items, item)
	} else {
		r.rep.Truncated = true
	}
	return nil
}

// retentionMetrics are the retention series, registered with the feed's
// other metrics in newMetrics.
type retentionMetrics struct {
	deleted *prometheus.CounterVec
	failed  prometheus.Counter
	runs    *prometheus.CounterVec
	lastRun prometheus.Gauge
}

func newRetentionMetrics() *retentionMetrics {
	return &retentionMetrics{
		deleted: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "feedserver_retention_deleted_total",
			Help: "Package versions deleted by retention, by kind (nuget, raw, generic, and cached: upstream packages a mirrored space cached, dropped by cache retention). Dry runs count nothing.",
		}, []string{"kind"}),
		failed: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "feedserver_retention_failed_total",
			Help: "Deletions retention tried and failed; each is logged.",
		}),
		runs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "feedserver_retention_runs_total",
			Help: "Retention runs, by mode (delete, dry_run).",
		}, []string{"mode"}),
		lastRun: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "feedserver_retention_last_run_timestamp_seconds",
			Help: "Unix time the last retention run (not a dry run) finished without error.",
		}),
	}
}

func (m *retentionMetrics) collectors() []prometheus.Collector {
	return []prometheus.Collector{m.deleted, m.failed, m.runs, m.lastRun}
}
