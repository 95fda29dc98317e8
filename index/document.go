package index

// This file holds what goes into the search index and what comes out of it.

import (
	"time"

	"github.com/feedserver/feedserver/nuget"
)

// Doc is the search document of one package id in one space: text from its latest
// listed version, flags saying which client views see it at all.
type Doc struct {
	Space        string
	Kind         Kind
	ID           nuget.ID
	Title        string
	Description  string
	Summary      string
	Tags         []string
	Authors      []string
	Versions     []string // listed versions, normalised
	PackageTypes []string // "Dependency" when the nuspec has none
	// Listed-version flags per view: stable/any × SemVer1/SemVer2.
	HasStableSemVer1, HasAnySemVer1, HasStableSemVer2, HasAnySemVer2 bool
	Published                                                        time.Time // latest listed version's
	Downloads                                                        int64     // all versions
}

// Query asks the search index for package ids.
type Query struct {
	Space       string // "" = every space
	Kind        Kind   // "" = every kind
	Text        string // free text and nuget.org's field syntax (id:, packageid:, tags:, ...)
	Prerelease  bool
	SemVer2     bool
	PackageType string // "" = any
	Skip, Take  int
}

// Hit is one package id found by a query.
type Hit struct {
	Space string
	Kind  Kind
	ID    nuget.ID
}

// Result is one page of a query; Total counts every matching id.
type Result struct {
	Total int
	Hits  []Hit
}
