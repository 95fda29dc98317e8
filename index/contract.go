package index

// This file fixes the types feed and protocol build on; the bodies live beside it.

import (
	"errors"
	"time"

	"github.com/feedserver/feedserver/nuget"
)

// ErrNotFound is returned (wrapped) when a row does not exist.
var ErrNotFound = errors.New("index: not found")

// ErrExists is returned (wrapped) when a row with the same identity already exists.
var ErrExists = errors.New("index: already exists")

// Kind tells how a package was pushed and how its file is read.
type Kind string

const (
	KindNuGet Kind = "nuget" // a .nupkg; identity from its nuspec
	KindRaw   Kind = "raw"   // any other archive pushed to the Octopus API; identity from its file name
)

// Entry is one package version in one space: the catalogue row.
// Identity is (Space, Kind, lower(ID), lower(Version.String())).
type Entry struct {
	Space     string // "Spaces-1" is the default space
	Kind      Kind
	ID        nuget.ID        // original casing of the first push
	Version   nuget.Version   // Original() is what the nuspec or file name said
	Manifest  *nuget.Manifest // nil for raw archives
	Extension string          // ".nupkg", ".zip", ".tar.gz", ...
	Listed    bool
	Published time.Time
	Size      int64
	SHA512    string    // base64, as NuGet's PackageHash; NuGet packages only
	SHA1      string    // lowercase hex, as Octopus' Hash
	SHA256    string    // lowercase hex; "" unless computed (the feed skips hashes no protocol reports)
	BlobKey   string    // the storage key of the file
	ModTime   time.Time // of the stored file, for the incremental re-index
	Downloads int64
}

// FileRow is the part of a row the re-index compares with the directory.
type FileRow struct {
	BlobKey string
	Size    int64
	ModTime time.Time
}

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
