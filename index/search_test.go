package index

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/feedserver/feedserver/nuget"
)

// indexCorpus indexes the corpus (each package one version) and returns the docs.
func indexCorpus(t testing.TB, s *Search, ps []pkg) []Doc {
	t.Helper()
	var docs []Doc
	for _, p := range ps {
		d, ok := DocFor([]Entry{nugetEntry(p)})
		if !ok {
			continue
		}
		docs = append(docs, d)
	}
	if err := s.Index(context.Background(), docs...); err != nil {
		t.Fatalf("Index: %v", err)
	}
	return docs
}

func ids(r Result) []string {
	out := make([]string, 0, len(r.Hits))
	for _, h := range r.Hits {
		out = append(out, string(h.ID))
	}
	return out
}

func TestSearchQuality(t *testing.T) {
	ctx := context.Background()
	s := openTestSearch(t)
	ps := corpus()
	indexCorpus(t, s, ps)

	// stable SemVer1 ids of the corpus with a tag, for the exact-set cases.
	withTag := func(tag string) []string {
		var out []string
		for _, p := range ps {
			if slices.Contains(strings.Fields(p.tags), tag) && !p.unlisted && !strings.ContainsAny(p.version, "-+") {
				out = append(out, p.id)
			}
		}
		slices.Sort(out)
		return out
	}
	idContains := func(sub string) []string {
		var out []string
		for _, p := range ps {
			if strings.Contains(strings.ToLower(p.id), sub) && !p.unlisted && !strings.ContainsAny(p.version, "-+") {
				out = append(out, p.id)
			}
		}
		slices.Sort(out)
		return out
	}

	cases := []struct {
		name      string
		q         Query
		first     string   // the top hit, if set
		contains  []string // must be among the first page
		exact     []string // the complete result set, any order
		notInPage []string // must not be on the first page
	}{
		{name: "token of a dotted id", q: Query{Text: "json"}, contains: []string{"Newtonsoft.Json", "System.Text.Json"}},
		{name: "first part of a dotted id", q: Query{Text: "newtonsoft"}, contains: []string{"Newtonsoft.Json", "Newtonsoft.Json.Bson", "Newtonsoft.Json.Schema"}},
		{name: "exact id ranks first", q: Query{Text: "Newtonsoft.Json"}, first: "Newtonsoft.Json"},
		{name: "exact id any case", q: Query{Text: "newtonsoft.json"}, first: "Newtonsoft.Json"},
		{name: "exact short id ranks first", q: Query{Text: "serilog"}, first: "Serilog"},
		{name: "exact id among many token matches", q: Query{Text: "Microsoft.Extensions.Logging"}, first: "Microsoft.Extensions.Logging"},
		{name: "camel case token", q: Query{Text: "versioning"}, first: "NuGet.Versioning"},
		{name: "camel case word inside a part", q: Query{Text: "validation"}, first: "FluentValidation"},
		{name: "start of a part", q: Query{Text: "sqlite"}, contains: []string{"SQLitePCLRaw.core", "Microsoft.Data.Sqlite", "Microsoft.EntityFrameworkCore.Sqlite"}},
		{name: "packageid is exact", q: Query{Text: "packageid:serilog"}, exact: []string{"Serilog"}},
		{name: "packageid any case", q: Query{Text: "PackageId:NEWTONSOFT.JSON"}, exact: []string{"Newtonsoft.Json"}},
		{name: "tags", q: Query{Text: "tags:logging"}, exact: withTag("logging")},
		{name: "id substring", q: Query{Text: "id:json"}, exact: idContains("json")},
		{name: "id substring inside a word", q: Query{Text: "id:ewtonsof"}, exact: idContains("ewtonsof")},
		{name: "author", q: Query{Text: "author:bogard"}, exact: []string{"AutoMapper", "MediatR"}},
		{name: "author phrase", q: Query{Text: `authors:"james newton-king"`}, exact: []string{"Newtonsoft.Json", "Newtonsoft.Json.Bson"}},
		{name: "title", q: Query{Text: "title:polly"}, exact: []string{"Polly"}},
		{name: "description", q: Query{Text: "description:mocking"}, exact: []string{"Moq", "NSubstitute"}},
		{name: "version", q: Query{Text: "packageid:newtonsoft.json version:13.0.3.0"}, exact: []string{"Newtonsoft.Json"}},
		{name: "version no match", q: Query{Text: "packageid:newtonsoft.json version:13.0.2"}, exact: []string{}},
		{name: "property and free term", q: Query{Text: "tags:serilog console"}, first: "Serilog.Sinks.Console", exact: []string{"Serilog.Sinks.Console"}},
		{name: "unknown property ignored", q: Query{Text: "invalid:jquery polly"}, exact: []string{"Polly"}},
		{name: "free text in description", q: Query{Text: "benchmarking"}, first: "BenchmarkDotNet"},
		{name: "author as free text", q: Query{Text: "Gravell"}, first: "Dapper"},
		{name: "space filter", q: Query{Text: "serilog", Space: "Spaces-9"}, exact: []string{}},
		{name: "kind filter", q: Query{Text: "serilog", Kind: KindRaw}, exact: []string{}},
		{name: "package type", q: Query{PackageType: "dotnettool", Take: 50}, exact: []string{"Cake.Tool", "dotnet-ef", "dotnet-outdated-tool"}},
		{name: "default package type", q: Query{Text: "cake", PackageType: "Dependency"}, notInPage: []string{"Cake.Tool"}},
		{name: "unlisted hidden", q: Query{Text: "gone", Prerelease: true, SemVer2: true}, exact: []string{}},
		{name: "prerelease hidden", q: Query{Text: "preview"}, exact: []string{}},
		{name: "prerelease shown", q: Query{Text: "preview", Prerelease: true}, exact: []string{"Preview.Only"}},
		{name: "semver2 hidden", q: Query{Text: "tags:semver2", Prerelease: true}, exact: []string{}},
		{name: "semver2 stable shown", q: Query{Text: "tags:semver2", SemVer2: true}, exact: []string{"Metadata.Only"}},
		{name: "semver2 prerelease shown", q: Query{Text: "tags:semver2", SemVer2: true, Prerelease: true}, exact: []string{"Metadata.Only", "SemVer2.Only"}},
		{name: "empty text by downloads", q: Query{Take: 3}, exact: nil, contains: []string{"Newtonsoft.Json", "System.Text.Json", "Microsoft.Extensions.Logging"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.q.Take == 0 && tc.exact != nil {
				tc.q.Take = 1000
			}
			r, err := s.Query(ctx, tc.q)
			if err != nil {
				t.Fatalf("Query: %v", err)
			}
			got := ids(r)
			if tc.first != "" && (len(got) == 0 || got[0] != tc.first) {
				t.Errorf("first hits %v, want %s first", head(got), tc.first)
			}
			for _, want := range tc.contains {
				if !slices.Contains(got, want) {
					t.Errorf("hits %v lack %s", head(got), want)
				}
			}
			for _, unwanted := range tc.notInPage {
				if slices.Contains(got, unwanted) {
					t.Errorf("hits %v include %s", head(got), unwanted)
				}
			}
			if tc.exact != nil {
				sorted := slices.Sorted(slices.Values(got))
				want := slices.Sorted(slices.Values(tc.exact))
				if !slices.Equal(sorted, want) || r.Total != len(want) {
					t.Errorf("hits %v (total %d), want exactly %v", sorted, r.Total, want)
				}
			}
		})
	}
}

func head(s []string) []string { return s[:min(len(s), 8)] }

func TestSearchPaging(t *testing.T) {
	ctx := context.Background()
	s := openTestSearch(t)
	docs := indexCorpus(t, s, corpus())
	visible := 0
	for _, d := range docs {
		if d.HasStableSemVer1 {
			visible++
		}
	}
	for _, text := range []string{"", "microsoft", "tags:aspnetcore"} {
		t.Run(text, func(t *testing.T) {
			all, err := s.Query(ctx, Query{Text: text, Take: 1000})
			if err != nil {
				t.Fatal(err)
			}
			if text == "" && all.Total != visible {
				t.Errorf("Total = %d, want %d stable SemVer1 ids", all.Total, visible)
			}
			var paged []string
			for skip := 0; skip < all.Total+7; skip += 7 {
				r, err := s.Query(ctx, Query{Text: text, Skip: skip, Take: 7})
				if err != nil {
					t.Fatal(err)
				}
				if r.Total != all.Total {
					t.Fatalf("skip %d: Total = %d, want %d", skip, r.Total, all.Total)
				}
				paged = append(paged, ids(r)...)
			}
			if !slices.Equal(paged, ids(all)) {
				t.Errorf("pages concatenated differ from one big page:\n got %v\nwant %v", head(paged), head(ids(all)))
			}
		})
	}
	big, err := s.Query(ctx, Query{Skip: 1 << 30, Take: 1 << 30})
	if err != nil || len(big.Hits) != 0 || big.Total != visible {
		t.Errorf("huge skip/take = %d hits, total %d, %v; want 0, %d, nil", len(big.Hits), big.Total, err, visible)
	}
}

func TestSearchAutocomplete(t *testing.T) {
	ctx := context.Background()
	s := openTestSearch(t)
	indexCorpus(t, s, corpus())
	cases := []struct {
		text      string
		firstN    []string // the first hits, in order
		contains  []string
		notInPage []string
		total     int // 0 = don't check
	}{
		{text: "newtonsoft.j", firstN: []string{"Newtonsoft.Json", "Newtonsoft.Json.Bson", "Newtonsoft.Json.Schema"}, total: 3},
		{text: "NEWT", firstN: []string{"Newtonsoft.Json", "Newtonsoft.Json.Bson", "Newtonsoft.Json.Schema"}},
		// Ids that start with "json" come first (by downloads), then token matches.
		{text: "json", firstN: []string{"JsonSubTypes", "Json.More.Net", "JsonPatch.Net", "Newtonsoft.Json"}, contains: []string{"System.Text.Json", "Newtonsoft.Json.Bson"}},
		{text: "sinks", contains: []string{"Serilog.Sinks.Console", "Serilog.Sinks.File"}},
		{text: "pclraw", notInPage: []string{"SQLitePCLRaw.core"}}, // camel splits PCLRaw into pcl|raw
		{text: "pcl", contains: []string{"SQLitePCLRaw.core"}},
		{text: "preview", total: -1},
		{text: "", firstN: []string{"Newtonsoft.Json"}},
	}
	for _, tc := range cases {
		t.Run(tc.text, func(t *testing.T) {
			r, err := s.Autocomplete(ctx, Query{Text: tc.text, Take: 20})
			if err != nil {
				t.Fatal(err)
			}
			got := ids(r)
			if len(got) < len(tc.firstN) || !slices.Equal(got[:len(tc.firstN)], tc.firstN) {
				t.Errorf("hits %v, want to start with %v", head(got), tc.firstN)
			}
			for _, want := range tc.contains {
				if !slices.Contains(got, want) {
					t.Errorf("hits %v lack %s", head(got), want)
				}
			}
			for _, unwanted := range tc.notInPage {
				if slices.Contains(got, unwanted) {
					t.Errorf("hits %v include %s", head(got), unwanted)
				}
			}
			switch {
			case tc.total > 0 && r.Total != tc.total:
				t.Errorf("Total = %d, want %d", r.Total, tc.total)
			case tc.total < 0 && r.Total != 0:
				t.Errorf("Total = %d (%v), want 0", r.Total, got)
			}
		})
	}

	t.Run("paging across both groups", func(t *testing.T) {
		all, err := s.Autocomplete(ctx, Query{Text: "se", Take: 1000})
		if err != nil {
			t.Fatal(err)
		}
		var paged []string
		for skip := 0; skip < all.Total; skip += 3 {
			r, err := s.Autocomplete(ctx, Query{Text: "se", Skip: skip, Take: 3})
			if err != nil {
				t.Fatal(err)
			}
			if r.Total != all.Total {
				t.Fatalf("skip %d: Total = %d, want %d", skip, r.Total, all.Total)
			}
			paged = append(paged, ids(r)...)
		}
		if !slices.Equal(paged, ids(all)) || len(paged) != all.Total {
			t.Errorf("paged %v, want %v (total %d)", paged, ids(all), all.Total)
		}
		// Every id starting with the prefix precedes every id that only has a token starting with it.
		seenOther := false
		for _, id := range paged {
			starts := strings.HasPrefix(strings.ToLower(id), "se")
			if starts && seenOther {
				t.Errorf("%s starts with the prefix but comes after a token-only match: %v", id, paged)
			}
			seenOther = seenOther || !starts
		}
	})
}

func TestSearchRemoveAndReplace(t *testing.T) {
	ctx := context.Background()
	s := openTestSearch(t)
	indexCorpus(t, s, corpus())
	n, _ := s.Count()
	if err := s.Remove(ctx, space1, KindNuGet, "NEWTONSOFT.JSON"); err != nil {
		t.Fatal(err)
	}
	if err := s.Remove(ctx, space1, KindNuGet, "never-indexed"); err != nil {
		t.Errorf("Remove absent: %v", err)
	}
	if got, _ := s.Count(); got != n-1 {
		t.Errorf("Count = %d, want %d", got, n-1)
	}
	r, _ := s.Query(ctx, Query{Text: "packageid:newtonsoft.json"})
	if r.Total != 0 {
		t.Errorf("removed id still found: %v", ids(r))
	}
	// Re-indexing an id replaces its document rather than adding one.
	indexCorpus(t, s, []pkg{{id: "Polly", version: "9.0.0", tags: "renamed"}})
	if got, _ := s.Count(); got != n-1 {
		t.Errorf("Count after replace = %d, want %d", got, n-1)
	}
	r, _ = s.Query(ctx, Query{Text: "tags:renamed"})
	if !slices.Equal(ids(r), []string{"Polly"}) {
		t.Errorf("replaced doc: %v, want [Polly]", ids(r))
	}
}

func TestOpenSearchRebuilt(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "search")
	reopen := func() *Search {
		t.Helper()
		s, err := OpenSearch(dir)
		if err != nil {
			t.Fatalf("OpenSearch: %v", err)
		}
		return s
	}

	s := reopen()
	if !s.Rebuilt() {
		t.Errorf("new index: Rebuilt() = false, want true")
	}
	indexCorpus(t, s, corpus()[:10])
	s.Close()

	s = reopen()
	if n, _ := s.Count(); s.Rebuilt() || n != 10 {
		t.Errorf("reopen: Rebuilt() = %v, Count = %d; want false, 10", s.Rebuilt(), n)
	}
	// An index that was not closed cleanly is kept, but must be refilled.
	indexCorpus(t, s, corpus()[10:12])
	if err := s.idx.Close(); err != nil { // what a crash leaves: no clean-close marker
		t.Fatal(err)
	}
	s = reopen()
	// The last batches may be lost (they were not fsynced), the earlier ones are kept.
	if n, _ := s.Count(); !s.Rebuilt() || n < 10 {
		t.Errorf("unclean close: Rebuilt() = %v, Count = %d; want true, at least 10", s.Rebuilt(), n)
	}
	s.Close()
	s = reopen()
	if s.Rebuilt() {
		t.Errorf("clean close after unclean: Rebuilt() = true, want false")
	}
	// An index written by another mapping version is thrown away.
	if err := s.idx.SetInternal(mappingVersionKey, []byte("0")); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s = reopen()
	if n, _ := s.Count(); !s.Rebuilt() || n != 0 {
		t.Errorf("old mapping: Rebuilt() = %v, Count = %d; want true, 0", s.Rebuilt(), n)
	}
	r, err := s.Query(ctx, Query{Text: "json"})
	if err != nil || r.Total != 0 {
		t.Errorf("fresh index query = %v, %v", r, err)
	}
	s.Close()

	// An unreadable index is recreated too.
	if err := os.WriteFile(filepath.Join(dir, "index_meta.json"), []byte("{garbage"), 0o644); err != nil {
		t.Fatal(err)
	}
	s = reopen()
	if !s.Rebuilt() {
		t.Errorf("corrupt index: Rebuilt() = false, want true")
	}
	s.Close()

	// A directory that is not an index is refused, never deleted.
	other := t.TempDir()
	precious := filepath.Join(other, "packages.txt")
	if err := os.WriteFile(precious, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if s, err := OpenSearch(other); err == nil {
		s.Close()
		t.Errorf("OpenSearch on a foreign dir succeeded, want an error")
	}
	if _, err := os.Stat(precious); err != nil {
		t.Errorf("foreign file gone: %v", err)
	}
}

func TestDocFor(t *testing.T) {
	e := func(v string, listed bool, downloads int64) Entry {
		x := nugetEntry(pkg{id: "Lib", version: v, desc: "v" + v, downloads: downloads, unlisted: !listed})
		return x
	}
	semver2Dep := e("3.0.0", true, 0)
	rc := nuget.MustParseVersion("1.0.0-rc.1")
	semver2Dep.Manifest.DependencyGroups = []nuget.DependencyGroup{{Dependencies: []nuget.Dependency{
		{ID: "Other", Range: nuget.VersionRange{Min: &rc, MinInclusive: true}},
	}}}

	cases := []struct {
		name     string
		versions []Entry
		ok       bool
		desc     string
		versionz []string
		flags    [4]bool // stable1, any1, stable2, any2
		dl       int64
	}{
		{name: "none listed", versions: []Entry{e("1.0.0", false, 1)}, ok: false},
		{name: "stable", versions: []Entry{e("2.0.0", true, 1), e("1.0.0", true, 2)}, ok: true, desc: "v2.0.0",
			versionz: []string{"1.0.0", "2.0.0"}, flags: [4]bool{true, true, true, true}, dl: 3},
		{name: "latest is prerelease", versions: []Entry{e("1.0.0", true, 0), e("2.0.0-beta", true, 0)}, ok: true, desc: "v2.0.0-beta",
			versionz: []string{"1.0.0", "2.0.0-beta"}, flags: [4]bool{true, true, true, true}},
		{name: "unlisted latest ignored but counted", versions: []Entry{e("1.0.0", true, 1), e("9.0.0", false, 5)}, ok: true, desc: "v1.0.0",
			versionz: []string{"1.0.0"}, flags: [4]bool{true, true, true, true}, dl: 6},
		{name: "prerelease only", versions: []Entry{e("1.0.0-alpha", true, 0)}, ok: true, desc: "v1.0.0-alpha",
			versionz: []string{"1.0.0-alpha"}, flags: [4]bool{false, true, false, true}},
		{name: "semver2 label only", versions: []Entry{e("1.0.0-alpha.1", true, 0)}, ok: true, desc: "v1.0.0-alpha.1",
			versionz: []string{"1.0.0-alpha.1"}, flags: [4]bool{false, false, false, true}},
		{name: "semver2 by dependency", versions: []Entry{semver2Dep}, ok: true, desc: "v3.0.0",
			versionz: []string{"3.0.0"}, flags: [4]bool{false, false, true, true}},
		{name: "semver1 stable beside semver2", versions: []Entry{semver2Dep, e("1.0.0", true, 0)}, ok: true, desc: "v3.0.0",
			versionz: []string{"1.0.0", "3.0.0"}, flags: [4]bool{true, true, true, true}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d, ok := DocFor(tc.versions)
			if ok != tc.ok {
				t.Fatalf("ok = %v, want %v", ok, tc.ok)
			}
			if !ok {
				return
			}
			flags := [4]bool{d.HasStableSemVer1, d.HasAnySemVer1, d.HasStableSemVer2, d.HasAnySemVer2}
			if d.Description != tc.desc || !slices.Equal(d.Versions, tc.versionz) || flags != tc.flags || d.Downloads != tc.dl {
				t.Errorf("got desc %q versions %v flags %v downloads %d, want %q %v %v %d",
					d.Description, d.Versions, flags, d.Downloads, tc.desc, tc.versionz, tc.flags, tc.dl)
			}
			if !slices.Equal(d.PackageTypes, []string{"Dependency"}) || d.ID != "Lib" || d.Space != space1 {
				t.Errorf("got types %v id %s space %s", d.PackageTypes, d.ID, d.Space)
			}
		})
	}
}

func TestParseText(t *testing.T) {
	cases := []struct {
		in   string
		want []clause
	}{
		{"", nil},
		{"  json  ", []clause{{value: "json"}}},
		{"Newtonsoft.Json", []clause{{value: "Newtonsoft.Json"}}},
		{"ID:foo packageid:Bar", []clause{{property: "id", value: "foo"}, {property: "packageid", value: "Bar"}}},
		{`title:"hello world" "exact phrase" x`, []clause{{property: "title", value: "hello world", quoted: true}, {value: "exact phrase", quoted: true}, {value: "x"}}},
		{"invalid:jquery ui", []clause{{value: "ui"}}}, // nuget.org drops unknown properties
		{"owner:someone", nil},
		{"tags: logging", []clause{{value: "logging"}}}, // an empty property value is dropped
		{`"unclosed phrase`, []clause{{value: "unclosed phrase", quoted: true}}},
		{"a:b:c", []clause{}},
		{": :: x", []clause{{value: "x"}}},
		{`id:"a"b`, []clause{{property: "id", value: "a", quoted: true}, {value: "b"}}},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			got := parseText(tc.in)
			if len(got) == 0 && len(tc.want) == 0 {
				return
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("parseText(%q) = %+v, want %+v", tc.in, got, tc.want)
			}
		})
	}
}

// FuzzQuery runs untrusted query texts through the parser and a real index.
func FuzzQuery(f *testing.F) {
	for _, seed := range []string{
		"", "json", "Newtonsoft.Json", "packageid:serilog", `tags:"a b" id:x* version:1.0.0-beta`,
		`"unclosed`, "id:.*(", "invalid:jquery ui", "author:\x00", "id:" + strings.Repeat("a", 100), "::::", `\"`,
	} {
		f.Add(seed)
	}
	s := openTestSearch(f)
	indexCorpus(f, s, corpus()[:30])
	f.Fuzz(func(t *testing.T, text string) {
		for _, c := range parseText(text) {
			if strings.TrimSpace(c.value) == "" {
				t.Fatalf("parseText(%q) gave an empty clause %+v", text, c)
			}
		}
		if _, err := s.Query(context.Background(), Query{Text: text, Take: 5}); err != nil {
			t.Fatalf("Query(%q): %v", text, err)
		}
		if _, err := s.Autocomplete(context.Background(), Query{Text: text, Take: 5}); err != nil {
			t.Fatalf("Autocomplete(%q): %v", text, err)
		}
	})
}
