package feed

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/feedserver/feedserver/index"
)

// Cache retention (issue 21) drops the upstream packages a mirrored space
// cached (index.KindCached) by when they were last downloaded, and never
// touches pushed packages: a dropped package is fetched from the upstream
// again on its next download. It runs as part of every retention run
// (retentionHere), under the same lock.

// CacheRule limits the cached packages of one space; 0 means no limit.
type CacheRule struct {
	// MaxAge drops cached packages not downloaded for longer than this.
	MaxAge time.Duration
	// MaxSize is the bytes of cached packages a space may hold; over it,
	// the least recently downloaded go first until the rest fit.
	MaxSize int64
}

// IsZero reports whether the rule drops nothing.
func (r CacheRule) IsZero() bool { return r == CacheRule{} }

func (r CacheRule) validate() error {
	if r.MaxAge < 0 {
		return fmt.Errorf("%w: the cache's MaxAge is %s; it must be 0 (no limit) or more", ErrInvalidPolicy, r.MaxAge)
	}
	if r.MaxSize < 0 {
		return fmt.Errorf("%w: the cache's MaxSize is %d; it must be 0 (no limit) or more", ErrInvalidPolicy, r.MaxSize)
	}
	return nil
}

// cacheRuleFor is the cache rule of one space.
func (p RetentionPolicy) cacheRuleFor(space string) CacheRule {
	return spaceRule(p.CacheSpaces, space, p.Cache)
}

// cachedCopy is what cache retention keeps of one cached row while it
// decides: its identity, size and last use.
type cachedCopy struct {
	id, version string // lowercased id, normalised version: the row's key
	shown       string // the version as the upstream spelled it, for the report
	published   time.Time
	size        int64
	lastUse     time.Time
}

// lastUse is when a cached package was last downloaded, or, when no
// download is recorded (a row cached before the catalogue kept the time, or
// whose first download is not flushed yet), when it was cached: its file's
// time.
func lastUse(e index.Entry) time.Time {
	if e.LastDownload.After(e.ModTime) {
		return e.LastDownload
	}
	return e.ModTime
}

// retainCached applies the cache rules to every space's cached packages.
func (f *Feed) retainCached(ctx context.Context, p RetentionPolicy, now time.Time, run *retentionRun) error {
	spaces, err := f.catalog.Spaces(ctx)
	if err != nil {
		return fmt.Errorf("cache retention: %w", err)
	}
	// This process's pending counts first, so a package downloaded a
	// moment ago is judged by that download.
	f.flushDownloads(ctx)
	for _, space := range spaces {
		rule := p.cacheRuleFor(space)
		if rule.IsZero() {
			continue
		}
		copies, err := f.cachedCopies(ctx, space)
		if err != nil {
			return err
		}
		run.rep.Examined += int64(len(copies))
		for _, v := range cacheVictims(copies, rule, now) {
			c := copies[v.at]
			item := RetentionItem{Space: space, Kind: string(index.KindCached), ID: c.id, Version: c.shown,
				Published: c.published, Reason: v.reason}
			err := run.delete(ctx, item, func() error {
				_, err := f.Delete(ctx, space, index.KindCached, c.id, c.version)
				return err
			})
			if err != nil {
				return err
			}
		}
	}
	return nil
}

// cachedCopies reads the cached rows of one space, a page of ids at a time.
// It holds every cached row's few fields at once: the size limit orders the
// whole space by last use.
func (f *Feed) cachedCopies(ctx context.Context, space string) ([]cachedCopy, error) {
	var out []cachedCopy
	after := ""
	for {
		ids, err := f.catalog.PackageIDs(ctx, space, index.KindCached, after, retentionPage)
		if err != nil {
			return nil, fmt.Errorf("cache retention: %w", err)
		}
		for _, id := range ids {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			versions, err := f.catalog.Versions(ctx, space, index.KindCached, id)
			if err != nil {
				return nil, fmt.Errorf("cache retention: %w", err)
			}
			for _, e := range versions {
				out = append(out, cachedCopy{id: e.ID.Lower(), version: e.Version.String(), shown: e.Version.Original(),
					published: e.Published, size: e.Size, lastUse: lastUse(e)})
			}
		}
		if len(ids) < retentionPage {
			return out, nil
		}
		after = ids[len(ids)-1]
	}
}

// cacheVictims decides which cached copies of one space go: those unused
// for longer than MaxAge, then, while the rest weigh more than MaxSize, the
// least recently used.
func cacheVictims(copies []cachedCopy, rule CacheRule, now time.Time) []victim {
	var out []victim
	var keep []int
	var total int64
	for i, c := range copies {
		if rule.MaxAge > 0 && now.Sub(c.lastUse) > rule.MaxAge {
			out = append(out, victim{at: i, reason: "cached, not downloaded for more than " + rule.MaxAge.String()})
			continue
		}
		keep = append(keep, i)
		total += c.size
	}
	if rule.MaxSize <= 0 || total <= rule.MaxSize {
		return out
	}
	slices.SortStableFunc(keep, func(a, b int) int { return copies[a].lastUse.Compare(copies[b].lastUse) })
	for _, i := range keep {
		if total <= rule.MaxSize {
			break
		}
		total -= copies[i].size
		out = append(out, victim{at: i, reason: "cached, least recently downloaded while the space's cache is over " +
			strconv.FormatInt(rule.MaxSize, 10) + " bytes"})
	}
	return out
}
