// Package cluster is what the feedserver processes that share one
// PostgreSQL database (replicas behind a load balancer) agree on besides
// the catalogue: which of them is the leader, which of them runs
// background work right now, and which work has been asked for and not yet
// done. The catalogue's own change log, which keeps every replica's caches
// and search index in step, is index/postgres's; this package is only about
// background work (docs/replicas.md).
//
//   - The leader (Lead) holds a session advisory lock on a connection of
//     its own for as long as it lives: the server ends such a lock when the
//     session ends, so a leader that dies (or loses the database) lets
//     another take over within leaderRetry. Only the leader schedules
//     background work: the start-up and periodic re-index, retention,
//     orphan collection and pruning of the change log.
//   - The work lock (Exclusive) is a second such lock, held for one job:
//     any replica takes it to run a job (an administrator's retention run
//     arrives at any replica), so no two replicas ever run background work,
//     and never delete, at once.
//   - Jobs (Request, Claim, Record, Job) are rows of cluster_jobs: a
//     request is counted, a run claims the requests made so far and marks
//     them done when it ends. A run that dies leaves them pending, and the
//     leader runs the job again: "the leader died mid-job, another finished it".
//
// # Imports
//
// No other feedserver package: feed names the interface it needs and cmd
// adapts a Cluster to it, so the feed never learns about PostgreSQL.
//
//	may import: std, github.com/jackc/pgx/v5/...,
//	            github.com/prometheus/client_golang/prometheus
//	must not:   net/http/...
package cluster
