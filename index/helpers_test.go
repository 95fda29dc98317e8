package index

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/feedserver/feedserver/nuget"
)

const space1 = "Spaces-1"

func openTestSearch(t testing.TB) *Search {
	t.Helper()
	s, err := OpenSearch(filepath.Join(t.TempDir(), "search"))
	if err != nil {
		t.Fatalf("OpenSearch: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// pkg describes a test package compactly; nugetEntry turns it into an Entry.
type pkg struct {
	id        string
	version   string
	tags      string // space separated
	desc      string
	authors   string // comma separated
	downloads int64
	unlisted  bool
	types     []string // package types; nil = none in the nuspec
	space     string   // default space1
}

func nugetEntry(p pkg) Entry {
	id := nuget.ID(p.id)
	v := nuget.MustParseVersion(p.version)
	m := &nuget.Manifest{
		ID:          id,
		Version:     v,
		Title:       p.id,
		Description: p.desc,
		Tags:        strings.Fields(p.tags),
	}
	if m.Description == "" {
		m.Description = "The " + p.id + " package."
	}
	for _, a := range strings.Split(p.authors, ",") {
		if a = strings.TrimSpace(a); a != "" {
			m.Authors = append(m.Authors, a)
		}
	}
	if len(m.Authors) == 0 {
		m.Authors = []string{"Contoso"}
	}
	for _, t := range p.types {
		m.PackageTypes = append(m.PackageTypes, nuget.PackageType{Name: t})
	}
	space := p.space
	if space == "" {
		space = space1
	}
	key := strings.ToLower(space + "/nuget/" + p.id + "/" + v.String() + "/" + p.id + "." + v.String() + ".nupkg")
	return Entry{
		Space:     space,
		Kind:      KindNuGet,
		ID:        id,
		Version:   v,
		Manifest:  m,
		Extension: ".nupkg",
		Listed:    !p.unlisted,
		Published: time.Date(2024, 1, 2, 3, 4, 5, 6, time.UTC),
		Size:      1234,
		SHA512:    "c2hhNTEy",
		SHA1:      "da39a3ee5e6b4b0d3255bfef95601890afd80709",
		SHA256:    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
		BlobKey:   key,
		ModTime:   time.Date(2024, 1, 2, 3, 4, 5, 123456789, time.UTC),
		Downloads: p.downloads,
	}
}
