package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/feedserver/feedserver/feed"
)

// Retention: reading its rows of the configuration table (config.go), the
// policy file, the scheduler the server runs, and the `feedserver retention` sub-command.

// retentionConfig reads the retention rows of the configuration table.
func retentionConfig(values map[string]*string) (feed.RetentionPolicy, time.Duration, error) {
	var p feed.RetentionPolicy
	var err error
	ints := []struct {
		flag string
		dst  *int
	}{
		{"retention-keep-releases", &p.Rule.KeepReleases},
		{"retention-keep-prereleases", &p.Rule.KeepPrereleases},
		{"retention-release-max-age-days", &p.Rule.ReleaseMaxAgeDays},
		{"retention-prerelease-max-age-days", &p.Rule.PrereleaseMaxAgeDays},
		{"retention-generic-max-age-days", &p.GenericMaxAgeDays},
	}
	for _, i := range ints {
		n, err := strconv.Atoi(strings.TrimSpace(*values[i.flag]))
		if err != nil || n < 0 {
			return feed.RetentionPolicy{}, 0, fmt.Errorf("%s: %q is not a whole number of 0 or more", i.flag, *values[i.flag])
		}
		*i.dst = n
	}
	if p.Cache, err = cacheRule(*values["cache-max-age"], *values["cache-max-size"]); err != nil {
		return feed.RetentionPolicy{}, 0, err
	}
	if file := *values["retention-file"]; file != "" {
		spaces, err := readRetentionFile(file)
		if err != nil {
			return feed.RetentionPolicy{}, 0, fmt.Errorf("retention-file: %w", err)
		}
		p.Spaces = spaces
	}
	if err := p.Validate(); err != nil {
		return feed.RetentionPolicy{}, 0, fmt.Errorf("retention: %w", err)
	}
	interval, err := time.ParseDuration(strings.TrimSpace(*values["retention-interval"]))
	if err != nil || interval < 0 {
		return feed.RetentionPolicy{}, 0, fmt.Errorf("retention-interval: %q is not a duration such as 24h (0 means never)", *values["retention-interval"])
	}
	if interval > 0 && interval < time.Minute {
		return feed.RetentionPolicy{}, 0, fmt.Errorf("retention-interval: %s is shorter than a minute", interval)
	}
	return p, interval, nil
}

// cacheRule reads the cache limits: an age as a Go duration ("720h") or a
// number of days ("30d"), a size as max-upload takes it ("10GiB"); "" or 0
// is no limit.
func cacheRule(age, size string) (feed.CacheRule, error) {
	var r feed.CacheRule
	age, size = strings.TrimSpace(age), strings.TrimSpace(size)
	if age != "" && age != "0" {
		d, err := time.ParseDuration(age)
		if days, ok := strings.CutSuffix(age, "d"); ok {
			var n int
			n, err = strconv.Atoi(days)
			d = time.Duration(n) * 24 * time.Hour
		}
		if err != nil || d <= 0 {
			return feed.CacheRule{}, fmt.Errorf("cache-max-age: %q is not an age such as 30d or 720h (0 means no limit)", age)
		}
		r.MaxAge = d
	}
	if size != "" {
		n, err := parseSize(size)
		if err != nil {
			return feed.CacheRule{}, fmt.Errorf("cache-max-size: %w (such as 10GiB; 0 means no limit)", err)
		}
		r.MaxSize = n
	}
	return r, nil
}

// retentionRule is one rule in the retention file.
type retentionRule struct {
	KeepReleases         int `json:"keepReleases"`
	KeepPrereleases      int `json:"keepPrereleases"`
	ReleaseMaxAgeDays    int `json:"releaseMaxAgeDays"`
	PrereleaseMaxAgeDays int `json:"prereleaseMaxAgeDays"`
}

// readRetentionFile reads the per-space rules:
//
//	{"spaces": {"Spaces-2": {"keepReleases": 5, "prereleaseMaxAgeDays": 14}, "Spaces-3": {}}}
//
// A space listed there uses its rule instead of the flags' rule; an empty
// rule switches retention off in that space. Unknown fields are refused, so
// a typo never silently keeps (or deletes) everything.
func readRetentionFile(path string) (map[string]feed.RetentionRule, error) {
	var file struct {
		Spaces map[string]retentionRule `json:"spaces"`
	}
	if err := readStrictJSON(path, &file); err != nil {
		return nil, err
	}
	out := make(map[string]feed.RetentionRule, len(file.Spaces))
	for space, r := range file.Spaces {
		out[space] = feed.RetentionRule{KeepReleases: r.KeepReleases, KeepPrereleases: r.KeepPrereleases,
			ReleaseMaxAgeDays: r.ReleaseMaxAgeDays, PrereleaseMaxAgeDays: r.PrereleaseMaxAgeDays}
	}
	return out, nil
}

// readStrictJSON decodes a configuration file into v, refusing unknown
// fields: a typo must not silently leave a setting out.
func readStrictJSON(path string, v any) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// startRetention runs the policy every interval until ctx is done or stop is
// called, the first time once reindexed is closed: retention must not judge
// a catalogue the start-up re-index is still filling. stop waits for a run in
// progress to stop, so the feed can be closed after it.
func (a *app) startRetention(ctx context.Context, reindexed <-chan struct{}) (stop func()) {
	interval, policy := a.cfg.RetentionInterval, a.cfg.Retention
	if interval == 0 {
		return func() {}
	}
	if policy.IsZero() {
		a.log.Warn("retention-interval is set but no retention limit is: scheduled retention is off")
		return func() {}
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		select {
		case <-ctx.Done():
			return
		case <-reindexed:
		}
		for {
			wait := interval
			_, err := a.feed.Retention(ctx, policy, false)
			switch {
			case errors.Is(err, feed.ErrBusy):
				wait = time.Minute // a re-index started over HTTP; try again after it
				a.log.Info("scheduled retention postponed by a minute", "err", err)
			case err != nil && ctx.Err() == nil:
				a.log.Error("scheduled retention failed; it runs again at the next interval", "err", err)
			}
			t := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				t.Stop()
				return
			case <-t.C:
			}
		}
	}()
	a.log.Info("scheduled retention on", "interval", interval.String())
	return func() {
		cancel()
		<-done
	}
}

// retentionCmd is `feedserver retention [--dry-run] [flags]`: it re-indexes
// (unless -reindex=off), applies the configured policy once and prints what
// went, or with --dry-run what would go.
func retentionCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	dryRun, args, err := cutDryRun(args)
	if err != nil {
		return err
	}
	cfg, _, err := loadConfig("feedserver retention", args, getenv, stderr)
	if err != nil {
		return err
	}
	if cfg.Retention.IsZero() {
		return errors.New("no retention limit is set: give one of -retention-keep-releases, -retention-keep-prereleases, " +
			"-retention-release-max-age-days, -retention-prerelease-max-age-days, -retention-generic-max-age-days, -retention-file, " +
			"-cache-max-age or -cache-max-size (or cacheMaxAge/cacheMaxSize in -upstream-file) " +
			"(or their FEEDSERVER_RETENTION_* variables)")
	}
	a, err := openLogged(ctx, cfg, stderr, "retention", "POST /api/admin/retention?dryRun=true")
	if err != nil {
		return err
	}
	defer a.close()
	if cfg.Reindex {
		// The catalogue must list every file before retention judges ids.
		a.sweep(ctx)
		if _, err := a.feed.Reindex(ctx); err != nil {
			return fmt.Errorf("re-index before retention: %w", err)
		}
	}
	rep, err := a.feed.Retention(ctx, cfg.Retention, dryRun)
	printRetention(stdout, rep)
	return err
}

// cutDryRun takes --dry-run (or -dry-run, =true, =false) out of args.
func cutDryRun(args []string) (bool, []string, error) {
	dryRun := false
	var rest []string
	for _, a := range args {
		name, value, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if !strings.HasPrefix(a, "-") || name != "dry-run" {
			rest = append(rest, a)
			continue
		}
		dryRun = true
		if hasValue {
			b, err := strconv.ParseBool(value)
			if err != nil {
				return false, nil, fmt.Errorf("--dry-run=%q is neither true nor false", value)
			}
			dryRun = b
		}
	}
	return dryRun, rest, nil
}

func printRetention(w io.Writer, rep feed.RetentionReport) {
	verb := "deleted"
	if rep.DryRun {
		verb = "would delete"
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	if len(rep.Items) > 0 {
		fmt.Fprintln(tw, "SPACE/OWNER\tKIND\tID\tVERSION\tPUBLISHED\tREASON")
	}
	for _, it := range rep.Items {
		where := it.Space
		if it.Owner != "" {
			where = it.Owner
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", where, it.Kind, it.ID, it.Version, it.Published.UTC().Format("2006-01-02"), it.Reason)
	}
	tw.Flush()
	if rep.Truncated {
		fmt.Fprintf(w, "(only the first %d are listed; the log has every one)\n", len(rep.Items))
	}
	fmt.Fprintf(w, "%s %d of %d versions examined", verb, rep.Deleted, rep.Examined)
	if rep.Failed > 0 {
		fmt.Fprintf(w, "; %d deletions failed (see the log)", rep.Failed)
	}
	fmt.Fprintln(w)
}
