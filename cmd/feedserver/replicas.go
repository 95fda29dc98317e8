package main

import (
	"context"
	"fmt"

	"github.com/feedserver/feedserver/cluster"
	"github.com/feedserver/feedserver/feed"
	"github.com/feedserver/feedserver/index"
	"github.com/feedserver/feedserver/index/postgres"
)

// This file wires what lets several servers share one PostgreSQL database
// and one bucket (replicas behind a load balancer; docs/replicas.md): the
// catalogue's change log, which the feed follows to keep its caches and its
// search index in step, and the group (package cluster) through which the
// replicas elect the leader and share background work. On SQLite none of
// it exists: one process, which knows its own changes.

// openCluster joins the group of processes on the configured PostgreSQL
// database; with SQLite it does nothing.
func (a *app) openCluster(ctx context.Context) error {
	if a.cfg.Database == "" {
		return nil
	}
	c, err := cluster.Open(ctx, a.cfg.Database, cluster.Options{Logger: a.log, Registerer: a.reg})
	if err != nil {
		return fmt.Errorf("join the replicas on %s: %w", describeDatabase(a.cfg), err)
	}
	a.cluster = c
	return nil
}

// sharing is what the feed needs to work beside other processes: the
// change log to follow (only a server follows it: a sub-command answers no
// reads) and the group. nil, nil with SQLite.
func (a *app) sharing(command string) (index.ChangeLog, feed.Cluster) {
	if a.cluster == nil {
		return nil, nil
	}
	var changes index.ChangeLog
	if pc, ok := a.catalog.(*postgres.Catalog); ok && command == "serve" {
		changes = pc
	}
	return changes, groupOf{a.cluster}
}

// lead takes part in the leader election until ctx ends; as leader, the
// process runs the group's schedule (feed.Lead). The returned stop waits
// for the leader's work to stop.
func (a *app) lead(ctx context.Context) (stop func()) {
	if a.cluster == nil {
		return func() {}
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		a.cluster.Lead(ctx, func(ctx context.Context) {
			a.feed.Lead(ctx, feed.LeadOptions{Retention: a.cfg.Retention, RetentionInterval: a.cfg.RetentionInterval})
		})
	}()
	return func() {
		cancel()
		<-done
	}
}

// groupOf adapts a cluster.Cluster to the feed's Cluster: the same methods,
// with the job's record in the feed's type.
type groupOf struct{ *cluster.Cluster }

func (g groupOf) Job(ctx context.Context, job string) (feed.Job, error) {
	j, err := g.Cluster.Job(ctx, job)
	return feed.Job(j), err // the same fields: a conversion, checked by the compiler
}
