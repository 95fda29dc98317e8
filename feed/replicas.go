package feed

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// This file is the feed's background work when other processes share its
// catalogue and store (replicas behind a load balancer; docs/replicas.md).
// The group agrees through a Cluster: one process at a time runs background
// work (the work lock), and jobs asked for (a re-index) stay asked for until
// a run finishes them, so a run cut short by a dying process is run again
// by another. One process, the leader, schedules the work (Lead).

// Cluster is how the feed shares its background work with the other
// processes on its catalogue and store; cmd adapts a cluster.Cluster to it.
type Cluster interface {
	// Exclusive runs fn while this process holds the group's work lock;
	// false, without calling fn, when another process holds it. fn's
	// context ends when the lock is lost.
	Exclusive(ctx context.Context, fn func(context.Context) error) (ran bool, err error)
	// Request asks for a run of job.
	Request(ctx context.Context, job string) error
	// Claim takes on job's pending requests for a run here, under the work
	// lock; false when none is pending.
	Claim(ctx context.Context, job string) (bool, error)
	// Record stores a run's state of job (JSON); finished marks the
	// requests the run claimed as done. An unfinished record is dropped
	// once another process has claimed the job since (a run that lost
	// the work lock reports late).
	Record(ctx context.Context, job string, state []byte, finished bool) error
	// Job reads what the group knows of job.
	Job(ctx context.Context, job string) (Job, error)
}

// Job is what the group knows of one background job.
type Job struct {
	Pending bool      // asked for and not yet done
	Running bool      // a live process runs it now
	Runner  string    // the process of the last run
	State   []byte    // the last state a run recorded
	Runs    int64     // finished runs
	Done    time.Time // when the last run finished; zero before any
}

// The group's jobs.
const (
	jobReindex   = "reindex"
	jobRetention = "retention"
)

// jobPoll is how often a process waiting for a job another runs looks again.
const jobPoll = time.Second

// jobStateTimeout bounds State's question to the group.
const jobStateTimeout = 2 * time.Second

// reindexJob asks the group for a re-index and sees it done: run here when
// no process runs background work, else waited for, and run here after
// all if the process that ran it died before finishing.
func (f *Feed) reindexJob(ctx context.Context) (ReindexStats, error) {
	if err := f.opts.Cluster.Request(ctx, jobReindex); err != nil {
		return ReindexStats{}, err
	}
	for {
		stats, ran, err := f.RunPendingReindex(ctx)
		if ran || err != nil {
			return stats, err
		}
		j, err := f.opts.Cluster.Job(ctx, jobReindex)
		if err != nil {
			return ReindexStats{}, err
		}
		if !j.Pending {
			s := stateOf(j)
			if s.Err != "" {
				return s.Progress, fmt.Errorf("re-index on %s: %s", j.Runner, s.Err)
			}
			return s.Progress, nil
		}
		select {
		case <-ctx.Done():
			return ReindexStats{}, ctx.Err()
		case <-time.After(jobPoll):
		}
	}
}

// RunPendingReindex runs the group's pending re-index here, if one is
// pending and no process runs background work; ran reports whether this
// process ran it. The leader calls it (Lead), and so does a process that
// waits for a re-index it asked for.
func (f *Feed) RunPendingReindex(ctx context.Context) (stats ReindexStats, ran bool, err error) {
	c := f.opts.Cluster
	var runErr error
	_, err = c.Exclusive(ctx, func(ctx context.Context) error {
		claimed, err := c.Claim(ctx, jobReindex)
		if err != nil || !claimed {
			return err
		}
		ran = true
		stop := f.shareProgress(ctx)
		stats, runErr = f.reindexHere(ctx)
		stop()
		// A run cut short (this process stops, or lost the lock) leaves the
		// job pending for the next run; one that failed on its own is done,
		// with its error recorded, or it would be run again and again.
		return f.recordState(ctx, ctx.Err() == nil)
	})
	if err == nil {
		err = runErr
	}
	return stats, ran, err
}

// shareProgress records this process's re-index state for the group every
// few seconds, so any replica's GET /api/admin/reindex shows the progress.
func (f *Feed) shareProgress(ctx context.Context) (stop func()) {
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(5 * time.Second)
		defer t.Stop()
		f.recordState(ctx, false)
		for {
			select {
			case <-done:
				return
			case <-t.C:
				f.recordState(ctx, false)
			}
		}
	}()
	return func() { close(done); <-finished }
}

// recordState stores this process's re-index state as the job's.
func (f *Feed) recordState(ctx context.Context, finished bool) error {
	data, err := json.Marshal(f.localState())
	if err != nil {
		return err
	}
	// Detached: a run cut short by its caller still records how it ended.
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), jobStateTimeout)
	defer cancel()
	if err := f.opts.Cluster.Record(rctx, jobReindex, data, finished); err != nil {
		f.log.Warn("record the re-index state for the other replicas", "err", err)
		return err
	}
	return nil
}

// groupState is the re-index state of the group: this process's while it
// runs one, else the job's last record, running while it is asked for or
// runs elsewhere.
func (f *Feed) groupState() ReindexState {
	local := f.localState()
	if local.Running {
		return local
	}
	ctx, cancel := context.WithTimeout(context.Background(), jobStateTimeout)
	defer cancel()
	j, err := f.opts.Cluster.Job(ctx, jobReindex)
	if err != nil {
		local.Err = "the state of the other replicas' re-index cannot be read: " + err.Error()
		return local
	}
	s := stateOf(j)
	s.Running = j.Pending || j.Running
	s.Runs = int(j.Runs)
	return s
}

// stateOf decodes a job's recorded re-index state.
func stateOf(j Job) ReindexState {
	var s ReindexState
	if len(j.State) > 0 {
		if err := json.Unmarshal(j.State, &s); err != nil {
			s.Err = "unreadable state: " + err.Error()
		}
	}
	return s
}

// retentionJob applies a retention policy under the group's work lock, so
// no two processes ever delete at once; ErrBusy when another process runs
// background work.
func (f *Feed) retentionJob(ctx context.Context, p RetentionPolicy, dryRun bool) (RetentionReport, error) {
	c := f.opts.Cluster
	var rep RetentionReport
	var runErr error
	ran, err := c.Exclusive(ctx, func(ctx context.Context) error {
		rep, runErr = f.retentionHere(ctx, p, dryRun)
		if runErr != nil || dryRun {
			return nil
		}
		return c.Record(context.WithoutCancel(ctx), jobRetention, nil, true) // the schedule's last run (Lead)
	})
	switch {
	case err != nil:
		return rep, errors.Join(runErr, err)
	case !ran:
		return RetentionReport{}, fmt.Errorf("%w: another replica runs background work (a re-index or a retention run)", ErrBusy)
	}
	return rep, runErr
}
