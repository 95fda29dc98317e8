package index

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	feedcorpus "github.com/feedserver/feedserver/internal/corpus"
	"github.com/feedserver/feedserver/internal/golden"
	"github.com/feedserver/feedserver/nuget"
)

// goldenPackages is the size of the corpus the search golden file is made on.
const goldenPackages = 3000

// goldenEntries turns the generated corpus into catalogue entries with the
// shapes a real feed mixes: a second space, raw (Octopus) packages without a
// manifest, unlisted versions and ids with nothing listed.
func goldenEntries(pkgs []feedcorpus.Package) [][]Entry {
	published := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	var out [][]Entry
	for i, p := range pkgs {
		space, kind := space1, KindNuGet
		if i%7 == 3 {
			space = "Spaces-2"
		}
		if i%11 == 5 {
			kind = KindRaw
		}
		var es []Entry
		for j, s := range p.Versions {
			v := nuget.MustParseVersion(s)
			e := Entry{
				Space: space, Kind: kind, ID: nuget.ID(p.ID), Version: v,
				Listed:    !(i%13 == 0 && j == len(p.Versions)-1) && i%50 != 1,
				Published: published.Add(time.Duration(i) * time.Hour), Downloads: p.Downloads / int64(len(p.Versions)),
			}
			if kind == KindNuGet {
				e.Manifest = &nuget.Manifest{ID: e.ID, Version: v, Title: p.Title, Description: p.Description, Tags: p.Tags, Authors: p.Authors}
				if i%17 == 2 {
					e.Manifest.PackageTypes = []nuget.PackageType{{Name: "DotnetTool"}}
				}
			}
			es = append(es, e)
		}
		out = append(out, es)
	}
	return out
}

// goldenCase is one query of the golden file.
type goldenCase struct {
	auto bool
	q    Query
}

func (c goldenCase) String() string {
	what := "search"
	if c.auto {
		what = "autocomplete"
	}
	q := c.q
	return fmt.Sprintf("%s space=%q kind=%q pre=%t semver2=%t type=%q skip=%d take=%d text=%q",
		what, q.Space, q.Kind, q.Prerelease, q.SemVer2, q.PackageType, q.Skip, q.Take, q.Text)
}

// goldenCases are the queries: distinct two-word texts and prefixes in
// every view, paging through ties, and nuget.org's property syntax.
func goldenCases(pkgs []feedcorpus.Package) []goldenCase {
	type view struct {
		space string
		kind  Kind
		pre   bool
		sv2   bool
	}
	views := []view{
		{space1, KindNuGet, true, true}, {space1, KindNuGet, false, false}, {space1, KindNuGet, true, false},
		{space1, KindNuGet, false, true}, {space1, "", true, true}, {"Spaces-2", KindNuGet, true, true},
		{"", "", false, true}, {space1, KindRaw, true, true}, {"", "", true, true},
	}
	pages := [][2]int{{0, 20}, {0, 20}, {20, 20}, {7, 30}, {0, 1}, {95, 10}}
	var out []goldenCase
	add := func(i int, auto bool, text string) {
		v, p := views[i%len(views)], pages[(i/len(views))%len(pages)]
		out = append(out, goldenCase{auto: auto, q: Query{
			Space: v.space, Kind: v.kind, Prerelease: v.pre, SemVer2: v.sv2, Text: text, Skip: p[0], Take: p[1],
		}})
	}
	for i, text := range feedcorpus.Queries(pkgs, 240) {
		add(i, false, text)
	}
	for i, text := range feedcorpus.Prefixes(pkgs, 240) {
		add(i, true, text)
	}
	special := []string{
		"", "library", "tags:json", "tag:acme", "id:json", "id:ACME.j", "packageid:acme.json",
		"author:contoso", "authors:Zenith", "title:acme", "description:\"fast library\"",
		"\"high performance\"", "summary:fast", "version:1.0.0", "version:2.0.0-rc.1", "json tags:json",
		"invalid:json fast", "acme.json", "Acme.Json fast", "a", "to", "json json", "\"unclosed quote", "version:garbage",
		"version:garbage json", "id:", ":", "tags:nosuchtag library",
	}
	for i, text := range special {
		for j := range 3 {
			add(i*3+j, false, text)
		}
	}
	for _, skip := range []int{0, 100, 1500} { // everything, by downloads then id
		out = append(out, goldenCase{q: Query{Space: space1, Kind: KindNuGet, Prerelease: true, SemVer2: true, Skip: skip, Take: 50}})
	}
	out = append(out,
		goldenCase{q: Query{Space: space1, Kind: KindNuGet, Text: "tools", PackageType: "dotnettool", Take: 20}},
		goldenCase{q: Query{Space: space1, Kind: KindNuGet, PackageType: "DotnetTool", Take: 20, Skip: 3}},
		goldenCase{auto: true, q: Query{Space: space1, Kind: KindNuGet, Text: "", Take: 30, Skip: 10}},
		goldenCase{auto: true, q: Query{Space: space1, Kind: KindNuGet, Text: "json", Take: 20, Skip: 2}},
		goldenCase{q: Query{Space: space1, Kind: KindNuGet, Text: "library", Take: 1000, Skip: 0}},
	)
	return out
}

// TestSearchGolden pins every result of a fixed corpus and query set — the
// ids in order and the totals — so a change to how the index answers
// cannot move a result without the golden file showing it (issue 23:
// results, ranking, paging and totalHits stay as they were).
func TestSearchGolden(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "search")
	s, err := OpenSearch(dir)
	if err != nil {
		t.Fatal(err)
	}
	pkgs := feedcorpus.Packages(goldenPackages)
	var docs []Doc
	for _, es := range goldenEntries(pkgs) {
		if d, ok := DocFor(es); ok {
			docs = append(docs, d)
		}
	}
	// Several batches, so the index has several segments as a live one does.
	for i := 0; i < len(docs); i += 400 {
		if err := s.Index(ctx, docs[i:min(i+400, len(docs))]...); err != nil {
			t.Fatal(err)
		}
	}
	got := goldenRun(t, s, pkgs)
	golden.Check(t, filepath.Join("testdata", "search.golden"), got)

	// Reopened, the index answers from what it read back from disk.
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if s, err = OpenSearch(dir); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if again := goldenRun(t, s, pkgs); !bytes.Equal(again, got) {
		t.Errorf("after reopening the index, the answers differ:\n%s", again)
	}
}

func goldenRun(t *testing.T, s *Search, pkgs []feedcorpus.Package) []byte {
	t.Helper()
	ctx := context.Background()
	var out strings.Builder
	for _, c := range goldenCases(pkgs) {
		var r Result
		var err error
		if c.auto {
			r, err = s.Autocomplete(ctx, c.q)
		} else {
			r, err = s.Query(ctx, c.q)
		}
		if err != nil {
			t.Fatalf("%s: %v", c, err)
		}
		fmt.Fprintf(&out, "%s\n  total %d:", c, r.Total)
		for _, h := range r.Hits {
			fmt.Fprintf(&out, " %s/%s/%s", h.Space, h.Kind, h.ID)
		}
		out.WriteString("\n")
	}
	return []byte(out.String())
}
