package feed_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/feedserver/feedserver/feed"
	"github.com/feedserver/feedserver/feed/generic/generictest"
	"github.com/feedserver/feedserver/index"
	"github.com/feedserver/feedserver/nuget"
	"github.com/feedserver/feedserver/nuget/nugettest"
)

// now is the clock every retention test measures ages against.
var now = time.Date(2030, 6, 1, 12, 0, 0, 0, time.UTC)

// pkgVersion is one version to push: its age in days and whether it is listed.
type pkgVersion struct {
	version  string
	age      int
	unlisted bool
}

// pushRaw pushes raw archives of id (any bytes do: raw archives are
// identified by name) and backdates their catalogue rows.
func pushRaw(t *testing.T, e *env, space, id string, versions ...pkgVersion) {
	t.Helper()
	for _, v := range versions {
		res := mustPush(t, e.feed, []byte("zip "+v.version), feed.PushRequest{Space: space, FileName: id + "." + v.version + ".zip"})
		backdate(t, e, res.Entry, v)
	}
}

func backdate(t *testing.T, e *env, entry index.Entry, v pkgVersion) {
	t.Helper()
	ctx := context.Background()
	got, err := e.catalog.Get(ctx, entry.Space, entry.Kind, entry.ID.Lower(), entry.Version.String())
	if err != nil {
		t.Fatal(err)
	}
	got.Published = now.Add(-time.Duration(v.age) * 24 * time.Hour)
	got.Listed = !v.unlisted
	if err := e.catalog.Put(ctx, got); err != nil {
		t.Fatal(err)
	}
}

// versionsOf lists the versions of an id left in the feed, as pushed.
func versionsOf(t *testing.T, f *feed.Feed, space string, kind index.Kind, id string) []string {
	t.Helper()
	vs, err := f.Versions(context.Background(), space, kind, id)
	if err != nil {
		t.Fatal(err)
	}
	out := []string{}
	for _, v := range vs {
		out = append(out, v.Version.Original())
	}
	return out
}

func itemVersions(items []feed.RetentionItem) []string {
	out := []string{}
	for _, it := range items {
		out = append(out, it.Version)
	}
	slices.Sort(out)
	return out
}

func TestRetentionPolicy(t *testing.T) {
	tests := []struct {
		name     string
		rule     feed.RetentionRule
		versions []pkgVersion
		deleted  []string // sorted
	}{
		{
			name:     "keep the newest N releases",
			rule:     feed.RetentionRule{KeepReleases: 2},
			versions: []pkgVersion{{"1.0.0", 1, false}, {"1.1.0", 1, false}, {"1.2.0", 1, false}, {"2.0.0", 1, false}},
			deleted:  []string{"1.0.0", "1.1.0"},
		},
		{
			name: "keep counts by version, not by date",
			rule: feed.RetentionRule{KeepReleases: 1},
			// 1.5.0 was pushed last (a hotfix of an old line) but 2.0.0 is the newest.
			versions: []pkgVersion{{"1.5.0", 1, false}, {"2.0.0", 10, false}},
			deleted:  []string{"1.5.0"},
		},
		{
			name:     "max age deletes old releases but never the newest release",
			rule:     feed.RetentionRule{ReleaseMaxAgeDays: 30},
			versions: []pkgVersion{{"1.0.0", 40, false}, {"1.1.0", 31, false}, {"1.2.0", 30, false}, {"2.0.0", 40, false}},
			deleted:  []string{"1.0.0", "1.1.0"},
		},
		{
			name:     "a release limit leaves prereleases alone",
			rule:     feed.RetentionRule{KeepReleases: 1, ReleaseMaxAgeDays: 1},
			versions: []pkgVersion{{"1.0.0", 40, false}, {"1.1.0-beta", 40, false}, {"2.0.0", 40, false}},
			deleted:  []string{"1.0.0"},
		},
		{
			name:     "a prerelease age limit leaves releases alone",
			rule:     feed.RetentionRule{PrereleaseMaxAgeDays: 30},
			versions: []pkgVersion{{"1.0.0", 400, false}, {"1.1.0-beta", 40, false}, {"1.1.0-rc", 5, false}, {"2.0.0-alpha", 40, false}},
			deleted:  []string{"1.1.0-beta", "2.0.0-alpha"},
		},
		{
			name:     "keep the newest N prereleases",
			rule:     feed.RetentionRule{KeepPrereleases: 1},
			versions: []pkgVersion{{"1.0.0", 1, false}, {"1.1.0-a", 1, false}, {"1.1.0-b", 1, false}, {"1.2.0-a", 1, false}},
			deleted:  []string{"1.1.0-a", "1.1.0-b"},
		},
		{
			name:     "either limit deletes",
			rule:     feed.RetentionRule{KeepReleases: 3, ReleaseMaxAgeDays: 30},
			versions: []pkgVersion{{"1.0.0", 1, false}, {"1.1.0", 40, false}, {"1.2.0", 1, false}, {"1.3.0", 1, false}},
			deleted:  []string{"1.0.0", "1.1.0"},
		},
		{
			name:     "the newest release stays even when a newer prerelease is young",
			rule:     feed.RetentionRule{ReleaseMaxAgeDays: 30, PrereleaseMaxAgeDays: 30},
			versions: []pkgVersion{{"1.0.0", 100, false}, {"2.0.0-beta", 1, false}},
			deleted:  []string{},
		},
		{
			name:     "the only version stays",
			rule:     feed.RetentionRule{PrereleaseMaxAgeDays: 30, KeepPrereleases: 1},
			versions: []pkgVersion{{"1.0.0-beta", 100, false}},
			deleted:  []string{},
		},
		{
			name:     "an id without releases keeps its newest prerelease",
			rule:     feed.RetentionRule{PrereleaseMaxAgeDays: 30},
			versions: []pkgVersion{{"1.0.0-a", 100, false}, {"1.0.0-b", 100, false}},
			deleted:  []string{"1.0.0-a"},
		},
		{
			name:     "the newest listed release stays too",
			rule:     feed.RetentionRule{KeepReleases: 1},
			versions: []pkgVersion{{"0.9.0", 1, false}, {"1.0.0", 1, false}, {"2.0.0", 1, true}},
			deleted:  []string{"0.9.0"},
		},
		{
			name:     "a zero rule deletes nothing",
			rule:     feed.RetentionRule{},
			versions: []pkgVersion{{"1.0.0", 1000, false}, {"1.0.1-a", 1000, false}, {"2.0.0", 1000, false}},
			deleted:  []string{},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel() // each case waits on its own search index closing
			e := newEnv(t, t.TempDir(), feed.Options{})
			ctx := context.Background()
			pushRaw(t, e, "", "MyApp", tc.versions...)
			pushRaw(t, e, "", "Other", pkgVersion{"1.0.0", 1000, false}) // an only version: always stays
			before := versionsOf(t, e.feed, feed.DefaultSpace, index.KindRaw, "myapp")
			policy := feed.RetentionPolicy{Rule: tc.rule, Now: now}

			dry, err := e.feed.Retention(ctx, policy, true)
			if err != nil {
				t.Fatalf("dry run: %v", err)
			}
			if got := versionsOf(t, e.feed, feed.DefaultSpace, index.KindRaw, "myapp"); !slices.Equal(got, before) {
				t.Fatalf("after the dry run the versions are %v, want all of %v", got, before)
			}
			if got := itemVersions(dry.Items); !slices.Equal(got, tc.deleted) {
				t.Errorf("dry run lists %v, want %v", got, tc.deleted)
			}

			real, err := e.feed.Retention(ctx, policy, false)
			if err != nil {
				t.Fatalf("run: %v", err)
			}
			if !slices.Equal(real.Items, dry.Items) {
				t.Errorf("the run deleted %+v, the dry run listed %+v", real.Items, dry.Items)
			}
			if real.Deleted != int64(len(tc.deleted)) || dry.Deleted != real.Deleted || real.Failed != 0 {
				t.Errorf("deleted %d (dry run %d), failed %d; want %d, 0 failed", real.Deleted, dry.Deleted, real.Failed, len(tc.deleted))
			}
			var want []string
			for _, v := range before {
				if !slices.Contains(tc.deleted, v) {
					want = append(want, v)
				}
			}
			if got := versionsOf(t, e.feed, feed.DefaultSpace, index.KindRaw, "myapp"); !slices.Equal(got, want) {
				t.Errorf("versions left = %v, want %v", got, want)
			}
			if got := versionsOf(t, e.feed, feed.DefaultSpace, index.KindRaw, "other"); len(got) != 1 {
				t.Errorf("the only version of another id: left %v", got)
			}
			for _, it := range real.Items {
				if _, err := e.store.Stat(ctx, "spaces-1/raw/myapp/"+it.Version+"/MyApp."+it.Version+".zip"); err == nil {
					t.Errorf("the file of %s is still stored", it.Version)
				}
			}
		})
	}
}

// The run goes through Delete, so search, the catalogue and Generation follow.
func TestRetentionNuGetPackagesAndSearch(t *testing.T) {
	e := newEnv(t, t.TempDir(), feed.Options{})
	ctx := context.Background()
	for _, v := range []pkgVersion{{"1.0.0", 90, false}, {"2.0.0", 60, false}} {
		res := mustPush(t, e.feed, nugettest.Build(t, nugettest.Spec{ID: "Old.Lib", Version: v.version}), feed.PushRequest{})
		backdate(t, e, res.Entry, v)
	}
	res := mustPush(t, e.feed, nugettest.Build(t, nugettest.Spec{ID: "Beta.Only", Version: "0.1.0-beta"}), feed.PushRequest{})
	backdate(t, e, res.Entry, pkgVersion{"0.1.0-beta", 90, false})
	gen := e.feed.Generation()

	rep, err := e.feed.Retention(ctx, feed.RetentionPolicy{Rule: feed.RetentionRule{ReleaseMaxAgeDays: 30, PrereleaseMaxAgeDays: 30}, Now: now}, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Items) != 1 || rep.Items[0].Kind != "nuget" || rep.Items[0].ID != "Old.Lib" || rep.Items[0].Version != "1.0.0" {
		t.Fatalf("deleted %+v, want Old.Lib 1.0.0 only", rep.Items)
	}
	if got := versionsOf(t, e.feed, feed.DefaultSpace, index.KindNuGet, "old.lib"); !slices.Equal(got, []string{"2.0.0"}) {
		t.Errorf("versions left = %v", got)
	}
	if e.feed.Generation() == gen {
		t.Error("Generation did not change after a deletion")
	}
	r, err := e.feed.Search(ctx, index.Query{Text: "Old.Lib", Take: 10, Prerelease: true, SemVer2: true})
	if err != nil || r.Total != 1 {
		t.Errorf("search after retention: total %d, err %v; want the id still found", r.Total, err)
	}
}

func TestRetentionSpaces(t *testing.T) {
	e := newEnv(t, t.TempDir(), feed.Options{})
	ctx := context.Background()
	old := []pkgVersion{{"1.0.0", 100, false}, {"2.0.0", 100, false}}
	pushRaw(t, e, "Spaces-1", "App", old...)
	pushRaw(t, e, "Spaces-2", "App", old...)
	pushRaw(t, e, "Spaces-3", "App", old...)
	policy := feed.RetentionPolicy{
		Rule: feed.RetentionRule{ReleaseMaxAgeDays: 30},
		Spaces: map[string]feed.RetentionRule{
			"spaces-2": {},                 // off in this space
			"Spaces-3": {KeepReleases: 10}, // its own rule: nothing breaks it
		},
		Now: now,
	}
	rep, err := e.feed.Retention(ctx, policy, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Items) != 1 || rep.Items[0].Space != "Spaces-1" {
		t.Errorf("deleted %+v, want App 1.0.0 in Spaces-1 only", rep.Items)
	}
	for space, want := range map[string]int{"Spaces-1": 1, "Spaces-2": 2, "Spaces-3": 2} {
		if got := versionsOf(t, e.feed, space, index.KindRaw, "app"); len(got) != want {
			t.Errorf("%s keeps %v, want %d versions", space, got, want)
		}
	}
}

func TestRetentionGeneric(t *testing.T) {
	e := newEnv(t, t.TempDir(), feed.Options{})
	ctx := context.Background()
	// age sets the creation time of every file of one generic version.
	age := func(owner, name, version string, days int) {
		t.Helper()
		rows, err := e.catalog.GenericFiles(ctx, owner, name)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			if strings.EqualFold(r.Version, version) {
				r.Created = now.Add(-time.Duration(days) * 24 * time.Hour)
				if err := e.catalog.PutGenericFile(ctx, r); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	for _, v := range []struct {
		name, version string
		days          int
	}{
		{"Tool", "1.0", 40}, {"Tool", "2.0 beta", 31}, {"Tool", "3.0", 5},
		{"Old", "a", 100}, {"Old", "b", 90}, // every version old: the newest stays
		{"Young", "1", 1},
	} {
		generictest.MustPut(t, e.feed.Generic(), "acme", v.name, v.version, "tool.bin", []byte(v.name+v.version))
		generictest.MustPut(t, e.feed.Generic(), "acme", v.name, v.version, "tool.txt", []byte("same content in every version"))
		age("acme", v.name, v.version, v.days)
	}
	// A version with one fresh file is not old.
	generictest.MustPut(t, e.feed.Generic(), "acme", "Tool", "0.9", "old.bin", []byte("old"))
	age("acme", "Tool", "0.9", 100)
	generictest.MustPut(t, e.feed.Generic(), "acme", "Tool", "0.9", "new.bin", []byte("new"))
	rows, err := e.catalog.GenericFiles(ctx, "acme", "Tool")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if r.FileName == "new.bin" {
			r.Created = now.Add(-24 * time.Hour)
			if err := e.catalog.PutGenericFile(ctx, r); err != nil {
				t.Fatal(err)
			}
		}
	}

	policy := feed.RetentionPolicy{GenericMaxAgeDays: 30, Now: now}
	dry, err := e.feed.Retention(ctx, policy, true)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := e.feed.Retention(ctx, policy, false)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, it := range rep.Items {
		if it.Kind != feed.RetentionKindGeneric || it.Owner != "acme" {
			t.Errorf("item %+v: want kind generic, owner acme", it)
		}
		got = append(got, it.ID+"/"+it.Version)
	}
	slices.Sort(got)
	if want := []string{"Old/a", "Tool/1.0", "Tool/2.0 beta"}; !slices.Equal(got, want) {
		t.Errorf("deleted %v, want %v", got, want)
	}
	if !slices.Equal(dry.Items, rep.Items) {
		t.Errorf("the dry run listed %+v, the run deleted %+v", dry.Items, rep.Items)
	}
	left := map[string][]string{}
	for _, name := range []string{"Tool", "Old", "Young"} {
		vs, err := e.feed.Generic().Versions(ctx, "acme", name)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range vs {
			left[name] = append(left[name], v.Version)
		}
		slices.Sort(left[name])
	}
	if want := []string{"0.9", "3.0"}; !slices.Equal(left["Tool"], want) {
		t.Errorf("Tool keeps %v, want %v", left["Tool"], want)
	}
	if want := []string{"b"}; !slices.Equal(left["Old"], want) {
		t.Errorf("Old keeps %v, want %v", left["Old"], want)
	}
	if len(left["Young"]) != 1 {
		t.Errorf("Young keeps %v", left["Young"])
	}
	// The shared content is still readable from the versions left.
	if _, _, err := generictest.Read(t, e.feed.Generic(), "acme", "Tool", "3.0", "tool.txt"); err != nil {
		t.Errorf("a kept file that shares its content: %v", err)
	}
	if _, _, err := generictest.Read(t, e.feed.Generic(), "acme", "Tool", "1.0", "tool.bin"); !errors.Is(err, feed.ErrNotFound) {
		t.Errorf("a deleted file: err = %v, want ErrNotFound", err)
	}
}

// Every deletion is logged with its identity and reason, and counted.
func TestRetentionLogsAndMetrics(t *testing.T) {
	var logs bytes.Buffer
	reg := prometheus.NewRegistry()
	e := newEnv(t, t.TempDir(), feed.Options{Logger: slog.New(slog.NewJSONHandler(&logs, nil)), Registerer: reg})
	ctx := context.Background()
	pushRaw(t, e, "", "App", pkgVersion{"1.0.0", 1, false}, pkgVersion{"1.1.0", 1, false}, pkgVersion{"2.0.0", 1, false})
	generictest.MustPut(t, e.feed.Generic(), "acme", "Tool", "1", "f", []byte("1"))
	generictest.MustPut(t, e.feed.Generic(), "acme", "Tool", "2", "f", []byte("2"))
	rows, _ := e.catalog.GenericFiles(ctx, "acme", "Tool")
	rows[0].Created = now.Add(-100 * 24 * time.Hour)
	if err := e.catalog.PutGenericFile(ctx, rows[0]); err != nil {
		t.Fatal(err)
	}
	policy := feed.RetentionPolicy{Rule: feed.RetentionRule{KeepReleases: 1}, GenericMaxAgeDays: 30, Now: now}

	if _, err := e.feed.Retention(ctx, policy, true); err != nil {
		t.Fatal(err)
	}
	if got := counterValue(t, reg, "feedserver_retention_deleted_total", "raw"); got != 0 {
		t.Errorf("a dry run counted %v deletions", got)
	}
	if _, err := e.feed.Retention(ctx, policy, false); err != nil {
		t.Fatal(err)
	}
	for kind, want := range map[string]float64{"raw": 2, "generic": 1} {
		if got := counterValue(t, reg, "feedserver_retention_deleted_total", kind); got != want {
			t.Errorf("deleted_total{kind=%q} = %v, want %v", kind, got, want)
		}
	}
	for mode, want := range map[string]float64{"dry_run": 1, "delete": 1} {
		if got := counterValue(t, reg, "feedserver_retention_runs_total", mode); got != want {
			t.Errorf("runs_total{mode=%q} = %v, want %v", mode, got, want)
		}
	}

	type line struct {
		Msg, Space, Owner, Kind, ID, Version, Reason string
	}
	var deleted, wouldDelete []line
	for _, raw := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		var l line
		if err := json.Unmarshal([]byte(raw), &l); err != nil {
			t.Fatalf("log line %q: %v", raw, err)
		}
		switch l.Msg {
		case "retention: deleted":
			deleted = append(deleted, l)
		case "retention: would delete":
			wouldDelete = append(wouldDelete, l)
		}
	}
	if len(deleted) != 3 || len(wouldDelete) != 3 {
		t.Fatalf("logged %d deletions and %d dry-run lines, want 3 of each:\n%s", len(deleted), len(wouldDelete), logs.String())
	}
	for _, l := range deleted {
		if l.ID == "" || l.Version == "" || l.Reason == "" || l.Kind == "" || (l.Space == "" && l.Owner == "") {
			t.Errorf("log line %+v lacks the id, version, kind, space or owner, or reason", l)
		}
	}
}

// counterValue reads one labelled series of a registered counter (label ""
// for a counter without labels); 0 when absent.
func counterValue(t *testing.T, reg *prometheus.Registry, name, label string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			if label == "" {
				return m.GetCounter().GetValue()
			}
			for _, lp := range m.GetLabel() {
				if lp.GetValue() == label {
					return m.GetCounter().GetValue()
				}
			}
		}
	}
	return 0
}

func TestRetentionRefusesBadPolicies(t *testing.T) {
	e := newEnv(t, t.TempDir(), feed.Options{})
	for _, p := range []feed.RetentionPolicy{
		{Rule: feed.RetentionRule{KeepReleases: -1}},
		{Spaces: map[string]feed.RetentionRule{"Default": {KeepReleases: 1}}},
		{Spaces: map[string]feed.RetentionRule{"Spaces-2": {PrereleaseMaxAgeDays: -3}}},
		{GenericMaxAgeDays: -1},
		{Cache: feed.CacheRule{MaxAge: -time.Hour}},
		{Cache: feed.CacheRule{MaxSize: -1}},
		{CacheSpaces: map[string]feed.CacheRule{"Default": {MaxSize: 1}}},
		{CacheSpaces: map[string]feed.CacheRule{"Spaces-2": {MaxSize: -5}}},
	} {
		if _, err := e.feed.Retention(context.Background(), p, true); !errors.Is(err, feed.ErrInvalidPolicy) {
			t.Errorf("policy %+v: err = %v, want ErrInvalidPolicy", p, err)
		}
	}
}

// More ids than one catalogue page: every page is visited once. The rows
// are catalogued directly (a dry run never touches files), which is quick.
func TestRetentionPagesThroughIDs(t *testing.T) {
	e := newEnv(t, t.TempDir(), feed.Options{})
	ctx := context.Background()
	const ids = 1100
	for i := range ids {
		for _, v := range []string{"1.0.0", "2.0.0"} {
			id := fmt.Sprintf("App%04d", i)
			ver, err := nuget.ParseVersion(v)
			if err != nil {
				t.Fatal(err)
			}
			err = e.catalog.Put(ctx, index.Entry{Space: feed.DefaultSpace, Kind: index.KindRaw, ID: nuget.ID(id), Version: ver,
				Extension: ".zip", Listed: true, Published: now, BlobKey: "spaces-1/raw/" + strings.ToLower(id) + "/" + v + "/" + id + "." + v + ".zip"})
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	rep, err := e.feed.Retention(ctx, feed.RetentionPolicy{Rule: feed.RetentionRule{KeepReleases: 1}, Now: now}, true)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Deleted != ids || rep.Examined != 2*ids {
		t.Errorf("would delete %d of %d examined, want %d of %d", rep.Deleted, rep.Examined, ids, 2*ids)
	}
	seen := map[string]bool{}
	for _, it := range rep.Items {
		if seen[it.ID] || it.Version != "1.0.0" {
			t.Fatalf("item %+v listed twice or not the old version", it)
		}
		seen[it.ID] = true
	}
}
