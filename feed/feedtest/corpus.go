package feedtest

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/feedserver/feedserver/index"
	"github.com/feedserver/feedserver/internal/corpus"
	"github.com/feedserver/feedserver/nuget"
)

// Corpus shapes the synthetic packages Fill writes: ids
// "{Vendor}.{Word}.{Noun}{i}" with versions "{Major}.0.0", "{Major}.1.0" and
// "{Major}.2.0" (one to three of them), described as "The {Word} library
// number {i} of {Vendor}." and tagged with the lowercased vendor and word.
type Corpus struct {
	Vendor string
	Noun   string
	Major  int
}

// Fill writes n package ids straight into the catalogue and the search index
// of the default space (pushing them one by one would fsync n times) and
// returns the ids in order. The files do not exist: it serves benchmarks of
// the documents built from the catalogue, which never open them.
func (p Parts) Fill(tb testing.TB, n int, c Corpus) []string {
	tb.Helper()
	ctx := context.Background()
	words := []string{"Json", "Logging", "Http", "Data", "Core", "Extensions", "Client", "Testing"}
	published := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	dep := nuget.MustParseVersion("1.0.0")
	ids := make([]string, 0, n)
	var docs []index.Doc
	for i := range n {
		word := words[i%len(words)]
		id := fmt.Sprintf("%s.%s.%s%d", c.Vendor, word, c.Noun, i)
		ids = append(ids, id)
		var entries []index.Entry
		for v := range i%3 + 1 {
			version := nuget.MustParseVersion(fmt.Sprintf("%d.%d.0", c.Major, v))
			e := index.Entry{
				Space: "Spaces-1", Kind: index.KindNuGet, ID: nuget.ID(id), Version: version,
				Manifest: &nuget.Manifest{
					ID: nuget.ID(id), Version: version, Authors: []string{c.Vendor},
					Description: fmt.Sprintf("The %s library number %d of %s.", word, i, c.Vendor),
					Tags:        []string{strings.ToLower(c.Vendor), word},
					ProjectURL:  "https://example.com/" + id,
					License:     &nuget.License{Type: "expression", Text: "MIT"},
					DependencyGroups: []nuget.DependencyGroup{{TargetFramework: "net8.0", Dependencies: []nuget.Dependency{
						{ID: nuget.ID(c.Vendor + ".Base"), Range: nuget.VersionRange{Min: &dep, MinInclusive: true}},
					}}},
				},
				Extension: ".nupkg", Listed: true, Published: published.Add(time.Duration(i) * time.Minute),
				Size: 1000, SHA512: fmt.Sprintf("hash-%d-%d", i, v), Downloads: int64(i % 97),
				BlobKey: fmt.Sprintf("spaces-1/nuget/%d/%d", i, v),
			}
			if err := p.Catalog.Insert(ctx, e); err != nil {
				tb.Fatal(err)
			}
			entries = append(entries, e)
		}
		d, _ := index.DocFor(entries)
		docs = append(docs, d)
	}
	for i := 0; i < len(docs); i += 500 {
		if err := p.Search.Index(ctx, docs[i:min(i+500, len(docs))]...); err != nil {
			tb.Fatal(err)
		}
	}
	return ids
}

// FillPackages writes the packages of internal/corpus straight into the
// catalogue and the search index of the default space, as Fill does.
func (p Parts) FillPackages(tb testing.TB, pkgs []corpus.Package) {
	tb.Helper()
	ctx := context.Background()
	published := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	var docs []index.Doc
	for i, pkg := range pkgs {
		entries := CorpusEntries(pkg, published.Add(time.Duration(i)*time.Minute))
		for _, e := range entries {
			if err := p.Catalog.Insert(ctx, e); err != nil {
				tb.Fatal(err)
			}
		}
		d, _ := index.DocFor(entries)
		docs = append(docs, d)
	}
	for i := 0; i < len(docs); i += 500 {
		if err := p.Search.Index(ctx, docs[i:min(i+500, len(docs))]...); err != nil {
			tb.Fatal(err)
		}
	}
}

// CorpusEntries are the catalogue entries of one corpus package, the
// downloads spread over its versions, published a day apart from published.
func CorpusEntries(pkg corpus.Package, published time.Time) []index.Entry {
	var entries []index.Entry
	for v, s := range pkg.Versions {
		version := nuget.MustParseVersion(s)
		downloads := pkg.Downloads / int64(len(pkg.Versions))
		if v == 0 {
			downloads += pkg.Downloads % int64(len(pkg.Versions))
		}
		entries = append(entries, index.Entry{
			Space: "Spaces-1", Kind: index.KindNuGet, ID: nuget.ID(pkg.ID), Version: version,
			Manifest: &nuget.Manifest{
				ID: nuget.ID(pkg.ID), Version: version, Title: pkg.Title, Authors: pkg.Authors,
				Description: pkg.Description, Tags: pkg.Tags,
				ProjectURL: "https://example.com/" + pkg.ID,
				License:    &nuget.License{Type: "expression", Text: "MIT"},
			},
			Extension: ".nupkg", Listed: true, Published: published.Add(time.Duration(v) * 24 * time.Hour),
			Size: 1000, SHA512: fmt.Sprintf("hash-%s-%s", pkg.ID, s), Downloads: downloads,
			BlobKey: strings.ToLower("spaces-1/nuget/" + pkg.ID + "/" + s),
		})
	}
	return entries
}
