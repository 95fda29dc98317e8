package indextest

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/feedserver/feedserver/index"
	"github.com/feedserver/feedserver/nuget"
)

// Run runs every case against catalogues made by open, a new, empty one per case.
func Run(t *testing.T, open func(t *testing.T) index.Catalog) {
	cases := []struct {
		name string
		run  func(t *testing.T, c index.Catalog)
	}{
		{"GetAnySpelling", testGetAnySpelling},
		{"InsertExists", testInsertExists},
		{"ConcurrentInsert", testConcurrentInsert},
		{"ConcurrentPut", testConcurrentPut},
		{"KeepsFirstIDCasing", testKeepsFirstIDCasing},
		{"ConcurrentFirstCasing", testConcurrentFirstCasing},
		{"PutReplaces", testPutReplaces},
		{"ListedAndDownloads", testListedAndDownloads},
		{"Deprecation", testDeprecation},
		{"Delete", testDelete},
		{"InvalidEntry", testInvalidEntry},
		{"RoundTrip", testRoundTrip},
		{"VersionOrder", testVersionOrder},
		{"AllEntries", testAllEntries},
		{"CancelledLookups", testCancelledLookups},
		{"FilesOrder", testFilesOrder},
		{"FilesWhileWriting", testFilesWhileWriting},
		{"ByBlobKey", testByBlobKey},
		{"PackageIDs", testPackageIDs},
		{"Counts", testCounts},
		{"Spaces", testSpaces},
		{"HasListed", testHasListed},
		{"GenericFiles", testGenericFiles},
		{"GenericBlobRefs", testGenericBlobRefs},
		{"GenericRefKeys", testGenericRefKeys},
		{"GenericIndexed", testGenericIndexed},
		{"GenericPackages", testGenericPackages},
		{"Symbols", testSymbols},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { tc.run(t, open(t)) })
	}
}

const space1 = "Spaces-1"

// The times every entry carries, with nanoseconds: a driver must keep them.
var (
	published = time.Date(2024, 1, 2, 3, 4, 5, 6, time.UTC)
	modTime   = time.Date(2024, 1, 2, 3, 4, 5, 123456789, time.UTC)
)

// entry is a listed NuGet package version with a small manifest, stored
// under a key of its own.
func entry(space, id, version string) index.Entry {
	v := nuget.MustParseVersion(version)
	return index.Entry{
		Space: space, Kind: index.KindNuGet, ID: nuget.ID(id), Version: v,
		Manifest:  &nuget.Manifest{ID: nuget.ID(id), Version: v, Description: id + ", version " + version + ".", Authors: []string{"Contoso"}},
		Extension: ".nupkg", Listed: true, Published: published,
		Size: 1234, SHA512: "AAAA", SHA1: strings.Repeat("1", 40), SHA256: strings.Repeat("2", 64),
		BlobKey: strings.ToLower(space + "/nuget/" + id + "/" + id + "." + v.String() + ".nupkg"),
		ModTime: modTime,
	}
}

func insert(t *testing.T, c index.Catalog, es ...index.Entry) {
	t.Helper()
	for _, e := range es {
		if err := c.Insert(context.Background(), e); err != nil {
			t.Fatalf("Insert %s %s: %v", e.ID, e.Version, err)
		}
	}
}

func get(t *testing.T, c index.Catalog, space, id, version string) index.Entry {
	t.Helper()
	e, err := c.Get(context.Background(), space, index.KindNuGet, id, version)
	if err != nil {
		t.Fatalf("Get %s %s: %v", id, version, err)
	}
	return e
}

// wantErr fails unless err wraps want.
func wantErr(t *testing.T, what string, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Errorf("%s: error %v, want %v", what, err, want)
	}
}
