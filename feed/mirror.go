package feed

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/feedserver/feedserver/index"
	"github.com/feedserver/feedserver/nuget"
	"github.com/feedserver/feedserver/storage"
)

// A mirrored space answers for the NuGet packages of an upstream feed too
// (issue 21): reads of KindNuGet (Versions, Get, Open) merge three sources,
//
//   - pushed packages (KindNuGet), which always win;
//   - cached packages (KindCached): upstream packages stored on their first
//     download under {space}/cached/{id}/{id}.{version}.nupkg, read from the
//     store ever after, also when the upstream is down;
//   - the upstream's metadata (Upstream.Versions), for versions not stored yet.
//
// An id with a pushed version takes nothing from the upstream unless the
// space's Mirror.Allow names it: that is what stops dependency confusion, a
// public package taking the name of a private one. When the upstream fails,
// reads answer from the first two sources, count the failure and log it;
// the upstream client bounds how long that takes.

// Upstream is what a mirrored space needs of its upstream feed;
// upstream.Client implements it (cmd/feedserver wires one per space).
type Upstream interface {
	// Versions returns the upstream's versions of id, as entries of kind
	// KindCached without a BlobKey; an unknown id is an empty slice.
	Versions(ctx context.Context, id string) ([]index.Entry, error)
	// Download streams one version's .nupkg; the caller closes it.
	Download(ctx context.Context, id string, v nuget.Version) (io.ReadCloser, error)
	// URL names the upstream on pages and in logs; it carries no credentials.
	URL() string
}

// Mirror is one space's upstream.
type Mirror struct {
	Upstream Upstream
	// Allow lists the ids (any casing) that take upstream versions beside
	// pushed ones; every other pushed id shadows the upstream's.
	Allow []string
}

// mirrorMetrics count what the mirror serves from where.
type mirrorMetrics struct {
	packages  *prometheus.CounterVec // space, result: hit, miss, error
	fallbacks *prometheus.CounterVec // space
}

func newMirrorMetrics() *mirrorMetrics {
	return &mirrorMetrics{
		packages: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "feedserver_mirror_package_requests_total",
			Help: "Opens of a mirrored space's upstream packages, by space and result: hit (from the cache), miss (fetched and cached), error (the upstream could not give it).",
		}, []string{"space", "result"}),
		fallbacks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "feedserver_mirror_fallbacks_total",
			Help: "Reads of a mirrored space answered from local and cached packages alone because the upstream failed and had no earlier answer to reuse.",
		}, []string{"space"}),
	}
}

func (m *mirrorMetrics) collectors() []prometheus.Collector {
	return []prometheus.Collector{m.packages, m.fallbacks}
}

// mirror returns the space's mirror, if it has one.
func (f *Feed) mirror(space string) (Mirror, bool) {
	m, ok := f.opts.Mirrors[space]
	return m, ok && m.Upstream != nil
}

// Upstream is the URL of the space's upstream, "" when it mirrors none.
func (f *Feed) Upstream(space string) string {
	if m, ok := f.mirror(CanonicalSpace(space)); ok {
		return m.Upstream.URL()
	}
	return ""
}

// allowed reports whether a pushed id still takes upstream versions.
func (m Mirror) allowed(id string) bool {
	return slices.ContainsFunc(m.Allow, func(a string) bool { return strings.EqualFold(a, id) })
}

// storedVersions is the catalogue's versions of one id and kind, through
// the versions cache.
func (f *Feed) storedVersions(ctx context.Context, space string, kind index.Kind, id string) ([]index.Entry, error) {
	k := searchID{space, kind, strings.ToLower(id)}
	vs, ok, epoch := f.versions.get(k)
	if !ok {
		var err error
		if vs, err = f.catalog.Versions(ctx, space, kind, id); err != nil {
			return nil, fmt.Errorf("versions of %s: %w", id, err)
		}
		f.versions.put(k, vs, epoch)
	}
	return vs, nil
}

// mirroredVersions merges pushed, cached and upstream versions of one id
// (see the top of this file), ascending.
func (f *Feed) mirroredVersions(ctx context.Context, space string, m Mirror, id string) ([]index.Entry, error) {
	pushed, err := f.storedVersions(ctx, space, index.KindNuGet, id)
	if err != nil {
		return nil, err
	}
	if len(pushed) > 0 && !m.allowed(id) {
		return pushed, nil
	}
	cached, err := f.storedVersions(ctx, space, index.KindCached, id)
	if err != nil {
		return nil, err
	}
	up, err := m.Upstream.Versions(ctx, id)
	if err != nil {
		f.upstreamFailed(space, "versions of "+id, err)
	}
	out := make([]index.Entry, 0, len(pushed)+len(cached)+len(up))
	seen := make(map[string]bool, cap(out))
	for _, list := range [][]index.Entry{pushed, cached, up} {
		for _, e := range list {
			if v := e.Version.Lower(); !seen[v] {
				seen[v] = true
				e.Space = space
				out = append(out, e)
			}
		}
	}
	slices.SortStableFunc(out, func(a, b index.Entry) int { return nuget.CompareVersions(a.Version, b.Version) })
	return out, nil
}

// upstreamFailed records a read answered without the upstream.
func (f *Feed) upstreamFailed(space, what string, err error) {
	f.metrics.mirror.fallbacks.WithLabelValues(space).Inc()
	f.log.Warn("mirror: upstream failed; answering from local and cached packages", "space", space, "what", what, "err", err)
}

// mirroredGet finds one version in a mirrored space: pushed, cached, or
// only described by the upstream (BlobKey "").
func (f *Feed) mirroredGet(ctx context.Context, space string, m Mirror, id, version string) (index.Entry, error) {
	e, err := f.catalog.Get(ctx, space, index.KindNuGet, id, version)
	if err == nil || !errors.Is(err, index.ErrNotFound) {
		return e, err
	}
	all, err := f.mirroredVersions(ctx, space, m, id)
	if err != nil {
		return index.Entry{}, err
	}
	want, err := nuget.ParseVersion(version)
	if err != nil {
		return index.Entry{}, index.ErrNotFound
	}
	for _, e := range all {
		if e.Version.Equal(want) {
			return e, nil
		}
	}
	return index.Entry{}, index.ErrNotFound
}

// cache stores an upstream version on its first download and returns its
// row. The version's lock makes concurrent first downloads wait for one
// fetch, which the later ones find catalogued.
func (f *Feed) cache(ctx context.Context, space string, m Mirror, meta index.Entry) (index.Entry, error) {
	unlock := f.locks.Lock(lockKey(space, index.KindCached, meta.ID, meta.Version))
	defer unlock()
	if e, err := f.catalog.Get(ctx, space, index.KindCached, meta.ID.Lower(), meta.Version.String()); err == nil {
		f.metrics.mirror.packages.WithLabelValues(space, "hit").Inc()
		return e, nil
	}
	e, err := f.fetch(ctx, space, m, meta)
	if err != nil {
		f.metrics.mirror.packages.WithLabelValues(space, "error").Inc()
		f.upstreamFailed(space, "package "+meta.ID.Lower()+" "+meta.Version.String(), err)
		// Not the client's fault and not ours: the package is simply not
		// available now (a 404 everywhere), never a 5xx.
		return index.Entry{}, fmt.Errorf("%w: %s %s is not cached and the upstream could not give it", ErrNotFound, meta.ID, meta.Version)
	}
	f.metrics.mirror.packages.WithLabelValues(space, "miss").Inc()
	return e, nil
}

// fetch downloads, checks and stores one upstream package as KindCached.
// The download is detached from the request: a client that gives up does
// not waste the fetch for the next one.
func (f *Feed) fetch(ctx context.Context, space string, m Mirror, meta index.Entry) (index.Entry, error) {
	ctx = context.WithoutCancel(ctx)
	body, err := m.Upstream.Download(ctx, string(meta.ID), meta.Version)
	if err != nil {
		return index.Entry{}, err
	}
	defer body.Close()
	sp, err := f.spool.Spool(ctx, body, "mirror", packageHashes(index.KindCached))
	if err != nil {
		return index.Entry{}, err
	}
	defer sp.Discard()
	ident, err := identify(sp, "")
	if err != nil {
		return index.Entry{}, fmt.Errorf("the upstream's %s %s: %w", meta.ID, meta.Version, err)
	}
	if ident.id.Lower() != meta.ID.Lower() || !ident.version.Equal(meta.Version) {
		return index.Entry{}, fmt.Errorf("the upstream's %s %s is a package of %s %s", meta.ID, meta.Version, ident.id, ident.version)
	}
	if err := ident.id.CheckStorable(); err != nil {
		return index.Entry{}, err
	}
	key := packageKey(space, index.KindCached, ident.id, ident.version, "")
	// Replaces a copy another replica fetched at the same time: the same
	// upstream bytes, so either may win.
	info, err := f.commitFile(ctx, key, sp, false)
	if err != nil {
		return index.Entry{}, err
	}
	e := index.Entry{
		Space: space, Kind: index.KindCached, ID: ident.id, Version: ident.version, Manifest: ident.manifest,
		Extension: ".nupkg", Listed: meta.Listed, Published: time.Now().UTC(),
		Size: sp.Size, SHA512: sp.SHA512, SHA1: sp.SHA1, BlobKey: key, ModTime: info.ModTime,
	}
	if !meta.Published.IsZero() {
		e.Published = meta.Published
	}
	if err := f.catalog.Put(ctx, e); err != nil {
		if derr := f.store.Delete(ctx, key); derr != nil {
			f.log.Error("remove a cached file whose catalogue row failed", "key", key, "err", derr)
		}
		return index.Entry{}, fmt.Errorf("catalogue cached %s %s: %w", e.ID, e.Version, err)
	}
	f.changed(space, index.KindCached, ident.id.Lower())
	f.log.Info("mirror: cached an upstream package", "space", space, "id", e.ID, "version", e.Version.String(), "size", e.Size)
	return e, nil
}

// openCached opens the stored file of a version that a mirrored space
// read as upstream-only, fetching it first.
func (f *Feed) openCached(ctx context.Context, space string, m Mirror, meta index.Entry) (storage.Blob, index.Entry, error) {
	e, err := f.cache(ctx, space, m, meta)
	if err != nil {
		return nil, index.Entry{}, err
	}
	b, err := f.store.Open(ctx, e.BlobKey)
	if err != nil {
		return nil, index.Entry{}, fmt.Errorf("open %s: %w", e.BlobKey, err)
	}
	return b, e, nil
}
