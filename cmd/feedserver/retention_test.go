package main

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/feedserver/feedserver/feed"
	"github.com/feedserver/feedserver/index"
)

func envOf(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

func TestRetentionConfig(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "retention.json")
	if err := os.WriteFile(file, []byte(`{"spaces": {"Spaces-2": {"keepReleases": 5, "prereleaseMaxAgeDays": 14}, "Spaces-3": {}}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	typo := filepath.Join(dir, "typo.json")
	if err := os.WriteFile(typo, []byte(`{"spaces": {"Spaces-2": {"keepRelease": 5}}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	badSpace := filepath.Join(dir, "space.json")
	if err := os.WriteFile(badSpace, []byte(`{"spaces": {"Default": {"keepReleases": 5}}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		args     []string
		env      map[string]string
		want     feed.RetentionPolicy
		interval time.Duration
		err      string
	}{
		{name: "off by default", want: feed.RetentionPolicy{}},
		{
			name: "environment",
			env: map[string]string{
				"FEEDSERVER_RETENTION_KEEP_RELEASES": "10", "FEEDSERVER_RETENTION_PRERELEASE_MAX_AGE_DAYS": "30",
				"FEEDSERVER_RETENTION_GENERIC_MAX_AGE_DAYS": "90", "FEEDSERVER_RETENTION_INTERVAL": "24h",
			},
			want:     feed.RetentionPolicy{Rule: feed.RetentionRule{KeepReleases: 10, PrereleaseMaxAgeDays: 30}, GenericMaxAgeDays: 90},
			interval: 24 * time.Hour,
		},
		{
			name: "flags win over the environment",
			args: []string{"-retention-keep-prereleases", "3", "-retention-release-max-age-days", "365"},
			env:  map[string]string{"FEEDSERVER_RETENTION_KEEP_PRERELEASES": "10"},
			want: feed.RetentionPolicy{Rule: feed.RetentionRule{KeepPrereleases: 3, ReleaseMaxAgeDays: 365}},
		},
		{
			name: "per-space file",
			args: []string{"-retention-keep-releases", "20", "-retention-file", file},
			want: feed.RetentionPolicy{Rule: feed.RetentionRule{KeepReleases: 20}, Spaces: map[string]feed.RetentionRule{
				"Spaces-2": {KeepReleases: 5, PrereleaseMaxAgeDays: 14}, "Spaces-3": {},
			}},
		},
		{
			name: "cache limits",
			args: []string{"-cache-max-age", "30d", "-cache-max-size", "10GiB"},
			want: feed.RetentionPolicy{Cache: feed.CacheRule{MaxAge: 30 * 24 * time.Hour, MaxSize: 10 << 30}},
		},
		{
			name: "cache age as a duration, by environment",
			env:  map[string]string{"FEEDSERVER_CACHE_MAX_AGE": "36h", "FEEDSERVER_CACHE_MAX_SIZE": "1000"},
			want: feed.RetentionPolicy{Cache: feed.CacheRule{MaxAge: 36 * time.Hour, MaxSize: 1000}},
		},
		{name: "cache age not an age", args: []string{"-cache-max-age", "a month"}, err: "cache-max-age"},
		{name: "cache age negative", args: []string{"-cache-max-age", "-2h"}, err: "cache-max-age"},
		{name: "cache size not a size", args: []string{"-cache-max-size", "big"}, err: "cache-max-size"},
		{name: "negative", args: []string{"-retention-keep-releases", "-1"}, err: "retention-keep-releases"},
		{name: "not a number", env: map[string]string{"FEEDSERVER_RETENTION_RELEASE_MAX_AGE_DAYS": "a month"}, err: "retention-release-max-age-days"},
		{name: "bad interval", args: []string{"-retention-interval", "daily"}, err: "retention-interval"},
		{name: "interval too short", args: []string{"-retention-interval", "1s"}, err: "shorter than a minute"},
		{name: "typo in the file", args: []string{"-retention-file", typo}, err: "unknown field"},
		{name: "space name instead of id", args: []string{"-retention-file", badSpace}, err: "not a space id"},
		{name: "missing file", args: []string{"-retention-file", filepath.Join(dir, "none.json")}, err: "no such file"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var stderr bytes.Buffer
			cfg, _, err := loadConfig("feedserver", tc.args, envOf(tc.env), &stderr)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want one mentioning %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := cfg.Retention; got.Rule != tc.want.Rule || got.GenericMaxAgeDays != tc.want.GenericMaxAgeDays || len(got.Spaces) != len(tc.want.Spaces) ||
				got.Cache != tc.want.Cache {
				t.Errorf("policy = %+v, want %+v", got, tc.want)
			}
			for s, r := range tc.want.Spaces {
				if got, ok := cfg.Retention.Spaces[s]; !ok || got != r {
					t.Errorf("space %s: rule %+v (present %v), want %+v", s, got, ok, r)
				}
			}
			if cfg.RetentionInterval != tc.interval {
				t.Errorf("interval = %v, want %v", cfg.RetentionInterval, tc.interval)
			}
		})
	}
}

func TestCutDryRun(t *testing.T) {
	tests := []struct {
		args []string
		dry  bool
		rest []string
	}{
		{nil, false, nil},
		{[]string{"--dry-run", "-data", "x"}, true, []string{"-data", "x"}},
		{[]string{"-data", "x", "-dry-run"}, true, []string{"-data", "x"}},
		{[]string{"--dry-run=false"}, false, nil},
		{[]string{"dry-run"}, false, []string{"dry-run"}}, // not a flag: left for the flag parser to refuse
	}
	for _, tc := range tests {
		dry, rest, err := cutDryRun(tc.args)
		if err != nil || dry != tc.dry || strings.Join(rest, " ") != strings.Join(tc.rest, " ") {
			t.Errorf("cutDryRun(%q) = %v, %q, %v; want %v, %q", tc.args, dry, rest, err, tc.dry, tc.rest)
		}
	}
	if _, _, err := cutDryRun([]string{"--dry-run=maybe"}); err == nil {
		t.Error("--dry-run=maybe: no error")
	}
}

// The sub-command against a data folder: dry run, run, and a clear refusal
// while a server holds the folder.
func TestRetentionCommand(t *testing.T) {
	ctx := context.Background()
	data := t.TempDir()
	cfg, _, err := loadConfig("feedserver", []string{"-data", data}, envOf(nil), &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	a, err := open(ctx, cfg, slog.New(slog.DiscardHandler), "test")
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []string{"1.0.0", "2.0.0", "3.0.0"} {
		if _, err := a.feed.Push(ctx, feed.PushRequest{FileName: "App." + v + ".zip", Body: strings.NewReader("zip " + v)}); err != nil {
			t.Fatal(err)
		}
	}

	// The folder is open, as a running server holds it.
	var stdout, stderr bytes.Buffer
	err = run(ctx, []string{"retention", "-data", data, "-retention-keep-releases", "1"}, envOf(nil), &stdout, &stderr)
	if err == nil || !strings.Contains(err.Error(), "running on the data folder") {
		t.Fatalf("while the folder is open: err = %v, want a refusal naming the running server", err)
	}
	err = run(ctx, []string{"reindex", "-data", data}, envOf(nil), &stdout, &stderr)
	if err == nil || !strings.Contains(err.Error(), "running on the data folder") {
		t.Fatalf("reindex while the folder is open: err = %v, want a refusal", err)
	}
	a.close()

	if err := run(ctx, []string{"retention", "-data", data}, envOf(nil), &stdout, &stderr); err == nil || !strings.Contains(err.Error(), "no retention limit") {
		t.Errorf("without a policy: err = %v, want a request for one", err)
	}

	stdout.Reset()
	if err := run(ctx, []string{"retention", "--dry-run", "-data", data, "-retention-keep-releases", "1"}, envOf(nil), &stdout, &stderr); err != nil {
		t.Fatalf("dry run: %v\n%s", err, stderr.String())
	}
	out := stdout.String()
	if !strings.Contains(out, "would delete 2 of 3 versions examined") || !strings.Contains(out, "1.0.0") || !strings.Contains(out, "2.0.0") {
		t.Errorf("dry run output:\n%s", out)
	}

	stdout.Reset()
	if err := run(ctx, []string{"retention", "-data", data}, envOf(map[string]string{"FEEDSERVER_RETENTION_KEEP_RELEASES": "1"}), &stdout, &stderr); err != nil {
		t.Fatalf("run: %v\n%s", err, stderr.String())
	}
	if !strings.Contains(stdout.String(), "deleted 2 of 3 versions examined") {
		t.Errorf("run output:\n%s", stdout.String())
	}

	a, err = open(ctx, cfg, slog.New(slog.DiscardHandler), "test")
	if err != nil {
		t.Fatal(err)
	}
	defer a.close()
	vs, err := a.feed.Versions(ctx, feed.DefaultSpace, index.KindRaw, "app")
	if err != nil || len(vs) != 1 || vs[0].Version.String() != "3.0.0" {
		t.Errorf("versions left: %+v, %v; want 3.0.0 only", vs, err)
	}
}
