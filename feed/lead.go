package feed

import (
	"context"
	"time"
)

// This file is the leader's schedule: the background work of a group of
// processes sharing the catalogue and the store, which one of them (the
// leader, elected by cmd through the cluster package) runs.

// LeadOptions is what the leader runs besides the re-index.
type LeadOptions struct {
	Retention         RetentionPolicy
	RetentionInterval time.Duration // 0: retention only when asked (POST /api/admin/retention)
}

const (
	// leadTick is how often the leader looks for work: a re-index asked
	// for on any replica starts within it.
	leadTick = time.Second
	// pruneEvery and changeLogKeep: the change log keeps a day, so a
	// replica stopped for less catches up change by change; one stopped
	// longer rebuilds its search index from the catalogue.
	pruneEvery    = 10 * time.Minute
	changeLogKeep = 24 * time.Hour
	// collectEvery is how often the leader collects what interrupted
	// pushes left: leftovers of stages older than orphanGrace (the store's
	// SweepTemp), and files stored without a row (a re-index catalogues
	// them: the store is the truth).
	collectEvery = 6 * time.Hour
	// orphanGrace is how old a stage must be before it counts as left
	// behind: a push in flight commits its file within a write timeout.
	orphanGrace = time.Minute
	// retentionRetry is how often the leader checks whether retention is due.
	retentionRetry = time.Minute
)

// Lead runs the group's scheduled background work until ctx ends (the
// process stops or loses the leadership): a re-index asked for by any
// replica, pruning of the change log, collection of what interrupted pushes
// left, and retention every RetentionInterval. Each job runs under the
// group's work lock (Options.Cluster), so a job an administrator started
// on another replica is never run twice at once. Without a cluster it
// returns at once.
func (f *Feed) Lead(ctx context.Context, opts LeadOptions) {
	c := f.opts.Cluster
	if c == nil {
		return
	}
	t := time.NewTicker(leadTick)
	defer t.Stop()
	var lastPrune, nextRetention time.Time
	nextCollect := time.Now().Add(f.opts.OrphanGrace) // a new leader's predecessor may have died mid-push
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		j, err := c.Job(ctx, jobReindex)
		if err != nil {
			continue // the database is away; the next tick asks again
		}
		if j.Pending && !j.Running {
			if _, _, err := f.RunPendingReindex(ctx); err != nil && ctx.Err() == nil {
				f.log.Error("re-index asked for by a replica failed", "err", err)
			}
			continue
		}
		if time.Since(lastPrune) >= pruneEvery {
			lastPrune = time.Now()
			f.pruneChanges(ctx)
		}
		if time.Now().After(nextCollect) {
			nextCollect = time.Now().Add(collectEvery)
			f.collect(ctx)
		}
		if opts.RetentionInterval > 0 && !opts.Retention.IsZero() && time.Now().After(nextRetention) {
			nextRetention = time.Now().Add(retentionRetry) // after a failure too: no retry every tick
			f.scheduledRetention(ctx, opts)
		}
	}
}

// pruneChanges drops the change log's entries older than changeLogKeep.
func (f *Feed) pruneChanges(ctx context.Context) {
	if f.opts.Changes == nil {
		return
	}
	n, err := f.opts.Changes.PruneChanges(ctx, time.Now().Add(-changeLogKeep))
	switch {
	case err != nil && ctx.Err() == nil:
		f.log.Warn("prune the change log", "err", err)
	case n > 0:
		f.log.Info("pruned the change log", "removed", n)
	}
}

// collect sweeps stages older than orphanGrace and asks for a re-index,
// which catalogues files stored without a row and drops rows whose file is
// gone.
func (f *Feed) collect(ctx context.Context) {
	ran, err := f.opts.Cluster.Exclusive(ctx, func(ctx context.Context) error {
		n, err := f.store.SweepTemp(ctx, f.opts.OrphanGrace)
		if n > 0 {
			f.log.Info("removed what interrupted uploads left in the store", "count", n)
		}
		return err
	})
	if err != nil && ctx.Err() == nil {
		f.log.Warn("collect what interrupted uploads left", "err", err)
	}
	if !ran {
		return // another replica works; the next collection comes
	}
	if err := f.opts.Cluster.Request(ctx, jobReindex); err != nil && ctx.Err() == nil {
		f.log.Warn("ask for the periodic re-index", "err", err)
	}
}

// scheduledRetention runs retention when its interval has passed since the
// group's last run.
func (f *Feed) scheduledRetention(ctx context.Context, opts LeadOptions) {
	j, err := f.opts.Cluster.Job(ctx, jobRetention)
	if err != nil || !j.Done.IsZero() && time.Since(j.Done) < opts.RetentionInterval {
		return
	}
	if _, err := f.Retention(ctx, opts.Retention, false); err != nil && ctx.Err() == nil {
		f.log.Error("scheduled retention failed", "err", err)
	}
}
