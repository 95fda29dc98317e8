package cluster

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Job is what the group knows of one background job.
type Job struct {
	// Pending: a request is not yet covered by a finished run.
	Pending bool
	// Running: a run claimed the job and has not finished, and the work
	// lock is held (a run whose process died holds nothing).
	Running bool
	Runner  string    // the process of the last run to claim it
	State   []byte    // the last record of a run (Record), as the runner wrote it
	Runs    int64     // finished runs
	Done    time.Time // when the last run finished; zero before any
}

// Request asks for a run of job; requests made before a run claims the job
// are all covered by it.
func (c *Cluster) Request(ctx context.Context, job string) error {
	_, err := c.pool.Exec(ctx, `INSERT INTO cluster_jobs (name, requested) VALUES ($1, 1)
		ON CONFLICT (name) DO UPDATE SET requested = cluster_jobs.requested + 1`, job)
	if err != nil {
		return fmt.Errorf("cluster: request %s: %w", job, err)
	}
	return nil
}

// Claim takes on the pending requests of job for a run of this process;
// false when none is pending. Call it under Exclusive.
func (c *Cluster) Claim(ctx context.Context, job string) (bool, error) {
	tag, err := c.pool.Exec(ctx, `UPDATE cluster_jobs SET claimed = requested, runner = $2
		WHERE name = $1 AND requested > done`, job, c.name)
	if err != nil {
		return false, fmt.Errorf("cluster: claim %s: %w", job, err)
	}
	return tag.RowsAffected() == 1, nil
}

// Record stores a run's state of job; finished also marks the requests the
// run claimed as done and counts the run. An unfinished record is dropped
// once another process has claimed the job since. A job never requested (a
// periodic one) gets its row here.
func (c *Cluster) Record(ctx context.Context, job string, state []byte, finished bool) error {
	var err error
	if finished {
		_, err = c.pool.Exec(ctx, `INSERT INTO cluster_jobs (name, runner, state, finished, runs) VALUES ($1, $2, $3, now(), 1)
			ON CONFLICT (name) DO UPDATE SET runner = $2, state = $3, done = cluster_jobs.claimed, finished = now(),
				runs = cluster_jobs.runs + 1`, job, c.name, string(state))
	} else {
		// Only while this process is the last to have claimed the job: a
		// run that lost the work lock records how it ended after another
		// process may have claimed the job, and even finished it, and must
		// not put its state over that run's.
		_, err = c.pool.Exec(ctx, `INSERT INTO cluster_jobs (name, runner, state) VALUES ($1, $2, $3)
			ON CONFLICT (name) DO UPDATE SET state = $3 WHERE cluster_jobs.runner = $2`, job, c.name, string(state))
	}
	if err != nil {
		return fmt.Errorf("cluster: record %s: %w", job, err)
	}
	return nil
}

// Job reads what the group knows of job; a job never requested nor run is
// the zero Job.
func (c *Cluster) Job(ctx context.Context, job string) (Job, error) {
	var (
		j                        Job
		requested, claimed, done int64
		state                    string
		finished                 *time.Time
		held                     bool
	)
	err := c.pool.QueryRow(ctx, `SELECT requested, claimed, done, runner, state, finished, runs,
		EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted
			AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
			AND classid::BIGINT = $2 AND objid::BIGINT = $3 AND objsubid = 2)
		FROM cluster_jobs WHERE name = $1`, job, lockSpace, lockWork).
		Scan(&requested, &claimed, &done, &j.Runner, &state, &finished, &j.Runs, &held)
	if errors.Is(err, pgx.ErrNoRows) {
		return Job{}, nil
	}
	if err != nil {
		return Job{}, fmt.Errorf("cluster: job %s: %w", job, err)
	}
	j.Pending = requested > done
	j.Running = claimed > done && held
	if state != "" {
		j.State = []byte(state)
	}
	if finished != nil {
		j.Done = *finished
	}
	return j, nil
}
