package indextest

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/feedserver/feedserver/index"
	"github.com/feedserver/feedserver/nuget"
)

// testGetAnySpelling: ids match in any casing, versions in any spelling of
// the same normalised version; the row keeps what was pushed.
func testGetAnySpelling(t *testing.T, c index.Catalog) {
	insert(t, c, entry(space1, "Newtonsoft.Json", "13.0.1"), entry(space1, "Short", "1.0"))
	for _, tc := range []struct{ id, version, wantID, wantOriginal string }{
		{"Newtonsoft.Json", "13.0.1", "Newtonsoft.Json", "13.0.1"},
		{"NEWTONSOFT.json", "13.0.1.0", "Newtonsoft.Json", "13.0.1"},
		{"newtonsoft.json", "13.00.01", "Newtonsoft.Json", "13.0.1"},
		{"Newtonsoft.Json", " 13.0.1 ", "Newtonsoft.Json", "13.0.1"},
		{"short", "1.0.0", "Short", "1.0"},
		{"SHORT", "1.0", "Short", "1.0"},
		{"Short", "1.0.0.0", "Short", "1.0"},
	} {
		got := get(t, c, space1, tc.id, tc.version)
		if string(got.ID) != tc.wantID || got.Version.Original() != tc.wantOriginal {
			t.Errorf("Get(%q, %q) = %s %s, want %s %s", tc.id, tc.version, got.ID, got.Version.Original(), tc.wantID, tc.wantOriginal)
		}
	}
	for _, tc := range []struct {
		space string
		kind  index.Kind
		id    string
		ver   string
	}{
		{space1, index.KindNuGet, "Newtonsoft.Json", "13.0.2"},
		{space1, index.KindNuGet, "Newtonsoft.Json", "not a version"},
		{space1, index.KindNuGet, "Newtonsoft.Json", ""},
		{space1, index.KindRaw, "Newtonsoft.Json", "13.0.1"},
		{"Spaces-2", index.KindNuGet, "Newtonsoft.Json", "13.0.1"},
		{"spaces-1", index.KindNuGet, "Newtonsoft.Json", "13.0.1"}, // spaces are not case-folded
		{space1, index.KindNuGet, "Newtonsoft", "13.0.1"},
	} {
		_, err := c.Get(context.Background(), tc.space, tc.kind, tc.id, tc.ver)
		wantErr(t, fmt.Sprintf("Get(%s, %s, %q, %q)", tc.space, tc.kind, tc.id, tc.ver), err, index.ErrNotFound)
	}
}

// testInsertExists: an identity in another casing or spelling, or a blob key
// that is another row's, is ErrExists and changes nothing.
func testInsertExists(t *testing.T, c index.Catalog) {
	ctx := context.Background()
	first := entry(space1, "Newtonsoft.Json", "13.0.1")
	insert(t, c, first, entry(space1, "Short", "1.0"))
	for _, dup := range []index.Entry{
		entry(space1, "newtonsoft.json", "13.0.1.0"),
		entry(space1, "NEWTONSOFT.JSON", "13.0.1"),
		entry(space1, "short", "1.0.0"),
	} {
		dup.BlobKey = "other/" + dup.BlobKey
		wantErr(t, fmt.Sprintf("Insert %s %s again", dup.ID, dup.Version), c.Insert(ctx, dup), index.ErrExists)
	}
	clash := entry(space1, "Other", "1.0.0")
	clash.BlobKey = first.BlobKey
	wantErr(t, "Insert with another row's blob key", c.Insert(ctx, clash), index.ErrExists)
	if got := get(t, c, space1, "newtonsoft.json", "13.0.1"); got.BlobKey != first.BlobKey || got.ID != first.ID {
		t.Errorf("after refused inserts: %s at %q, want %s at %q", got.ID, got.BlobKey, first.ID, first.BlobKey)
	}
	if _, err := c.Get(ctx, space1, index.KindNuGet, "Other", "1.0.0"); !errors.Is(err, index.ErrNotFound) {
		t.Errorf("the refused row is there: %v", err)
	}
	// The same identity in another space or kind is another row.
	other := entry("Spaces-2", "Newtonsoft.Json", "13.0.1")
	raw := entry(space1, "Newtonsoft.Json", "13.0.1")
	raw.Kind, raw.BlobKey, raw.Manifest = index.KindRaw, "raw/newtonsoft.json.13.0.1.zip", nil
	insert(t, c, other, raw)
}

// testConcurrentInsert: of 8 concurrent inserts of one identity, each spelt
// its own way and with its own file, exactly one wins and the others hear
// ErrExists.
func testConcurrentInsert(t *testing.T, c index.Catalog) {
	const n = 8
	ids := []string{"Race.Pkg", "race.pkg", "RACE.PKG", "Race.pkg"}
	versions := []string{"1.0", "1.0.0", "1.0.0.0", "1.00.0"}
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			e := entry(space1, ids[i%len(ids)], versions[i/2%len(versions)])
			e.BlobKey = fmt.Sprintf("race/%d", i) // each pusher wrote its own file
			<-start
			errs[i] = c.Insert(context.Background(), e)
		})
	}
	close(start)
	wg.Wait()
	winner := -1
	for i, err := range errs {
		switch {
		case err == nil && winner >= 0:
			t.Errorf("inserts %d and %d both succeeded", winner, i)
		case err == nil:
			winner = i
		case !errors.Is(err, index.ErrExists):
			t.Errorf("insert %d: %v, want nil or ErrExists", i, err)
		}
	}
	if winner < 0 {
		t.Fatal("no insert succeeded")
	}
	got := get(t, c, space1, "race.pkg", "1.0.0")
	if want := fmt.Sprintf("race/%d", winner); got.BlobKey != want {
		t.Errorf("the row's file is %q, want the winner's %q", got.BlobKey, want)
	}
	if vs, err := c.Versions(context.Background(), space1, index.KindNuGet, "race.pkg"); err != nil || len(vs) != 1 {
		t.Errorf("Versions = %d rows, %v; want 1", len(vs), err)
	}
}

// testConcurrentPut: Puts from many goroutines all land, and a row that
// cannot be written (its file is another row's) fails alone with ErrExists.
// A Put after Close fails.
func testConcurrentPut(t *testing.T, c index.Catalog) {
	ctx := context.Background()
	const n = 40
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			e := entry(space1, fmt.Sprintf("Many.P%d", i%7), fmt.Sprintf("1.0.%d", i))
			e.BlobKey = fmt.Sprintf("file-%d", i)
			if i == n-1 {
				e.BlobKey = "file-0" // one of these two rows fails
			}
			errs[i] = c.Put(ctx, e)
		})
	}
	wg.Wait()
	if (errs[0] == nil) == (errs[n-1] == nil) {
		t.Errorf("rows sharing a file: errors %v and %v, want exactly one", errs[0], errs[n-1])
	}
	for _, i := range []int{0, n - 1} {
		if errs[i] != nil && !errors.Is(errs[i], index.ErrExists) {
			t.Errorf("Put %d: %v, want ErrExists", i, errs[i])
		}
	}
	for i := 1; i < n-1; i++ {
		if errs[i] != nil {
			t.Errorf("Put %d: %v, want nil", i, errs[i])
			continue
		}
		if got := get(t, c, space1, fmt.Sprintf("many.p%d", i%7), fmt.Sprintf("1.0.%d", i)); got.BlobKey != fmt.Sprintf("file-%d", i) {
			t.Errorf("row %d has file %q", i, got.BlobKey)
		}
	}
	if err := c.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := c.Put(ctx, entry(space1, "Late", "1.0.0")); err == nil {
		t.Errorf("Put after Close = nil, want an error")
	}
}

// testKeepsFirstIDCasing: every version of an id shows the casing of its
// first push, whatever later pushes said.
func testKeepsFirstIDCasing(t *testing.T, c index.Catalog) {
	ctx := context.Background()
	insert(t, c, entry(space1, "Foo.Bar", "1.0.0"), entry(space1, "FOO.BAR", "2.0.0"))
	for _, e := range []index.Entry{entry(space1, "foo.BAR", "3.0.0"), entry(space1, "fOO.bar", "1.0.0")} {
		if err := c.Put(ctx, e); err != nil {
			t.Fatalf("Put %s %s: %v", e.ID, e.Version, err)
		}
	}
	vs, err := c.Versions(ctx, space1, index.KindNuGet, "FOO.bar")
	if err != nil || len(vs) != 3 {
		t.Fatalf("Versions = %d rows, %v; want 3", len(vs), err)
	}
	for _, e := range vs {
		if e.ID != "Foo.Bar" {
			t.Errorf("version %s has id %q, want Foo.Bar", e.Version, e.ID)
		}
	}
}

// testConcurrentFirstCasing: concurrent writes of new versions of one new
// id, each spelling it its own way, still leave one spelling on every row:
// a driver whose database runs writes in parallel must not let each take
// its own casing.
func testConcurrentFirstCasing(t *testing.T, c index.Catalog) {
	ctx := context.Background()
	const n = 8
	ids := []string{"Cased.Pkg", "cased.pkg", "CASED.PKG", "Cased.PKG"}
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			e := entry(space1, ids[i%len(ids)], fmt.Sprintf("1.0.%d", i))
			<-start
			if i%2 == 0 {
				errs[i] = c.Insert(ctx, e)
			} else {
				errs[i] = c.Put(ctx, e)
			}
		})
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("write %d: %v", i, err)
		}
	}
	vs, err := c.Versions(ctx, space1, index.KindNuGet, "cased.pkg")
	if err != nil || len(vs) != n {
		t.Fatalf("Versions = %d rows, %v; want %d", len(vs), err, n)
	}
	for _, e := range vs {
		if e.ID != vs[0].ID {
			t.Errorf("version %s is spelt %q, version %s %q", e.Version, e.ID, vs[0].Version, vs[0].ID)
		}
	}
}

// testPutReplaces: Put replaces every value but the download count; it may
// rewrite a row in place (same file), takes a new row's count from the
// entry, and refuses another row's file.
func testPutReplaces(t *testing.T, c index.Catalog) {
	ctx := context.Background()
	old := entry(space1, "Newtonsoft.Json", "13.0.1")
	old.Downloads = 8
	insert(t, c, old)
	r := entry(space1, "Newtonsoft.Json", "13.0.1.0")
	r.Manifest.Description, r.BlobKey, r.Downloads, r.Size = "replaced", "replaced-key", 1000, 99
	if err := c.Put(ctx, r); err != nil {
		t.Fatalf("Put: %v", err)
	}
	got := get(t, c, space1, "newtonsoft.json", "13.0.1")
	if got.Manifest.Description != "replaced" || got.BlobKey != "replaced-key" || got.Size != 99 || got.Version.Original() != "13.0.1.0" {
		t.Errorf("got %q at %q, %d bytes, version %q; want the replacement", got.Manifest.Description, got.BlobKey, got.Size, got.Version.Original())
	}
	if got.Downloads != 8 {
		t.Errorf("downloads %d, want 8 kept from the replaced row", got.Downloads)
	}
	if _, err := c.EntryByBlobKey(ctx, old.BlobKey); !errors.Is(err, index.ErrNotFound) {
		t.Errorf("the old file is still catalogued: %v", err)
	}
	// The feed overwrites a file in place: the same blob key replaces its own row.
	same := r
	same.Manifest = entry(space1, "Newtonsoft.Json", "13.0.1").Manifest
	same.Manifest.Description = "again"
	if err := c.Put(ctx, same); err != nil {
		t.Fatalf("Put at the same key: %v", err)
	}
	if got := get(t, c, space1, "newtonsoft.json", "13.0.1"); got.Manifest.Description != "again" {
		t.Errorf("description %q after the second Put, want again", got.Manifest.Description)
	}
	clash := entry(space1, "Clash", "1.0.0")
	clash.BlobKey = "replaced-key"
	wantErr(t, "Put with another row's blob key", c.Put(ctx, clash), index.ErrExists)
	fresh := entry(space1, "Fresh", "1.0.0")
	fresh.Downloads = 7
	if err := c.Put(ctx, fresh); err != nil {
		t.Fatalf("Put new: %v", err)
	}
	if got := get(t, c, space1, "Fresh", "1.0.0"); got.Downloads != 7 {
		t.Errorf("a new row's downloads = %d, want 7", got.Downloads)
	}
	if _, versions, err := c.Counts(ctx); err != nil || versions != 2 {
		t.Errorf("Counts: %d versions, %v; want 2", versions, err)
	}
}

func testListedAndDownloads(t *testing.T, c index.Catalog) {
	ctx := context.Background()
	e := entry(space1, "Counted", "1.0.0")
	e.Downloads = 5
	insert(t, c, e)
	if err := c.SetListed(ctx, space1, index.KindNuGet, "COUNTED", "1.0", false); err != nil {
		t.Fatalf("SetListed: %v", err)
	}
	if got := get(t, c, space1, "Counted", "1.0.0"); !got.LastDownload.IsZero() {
		t.Errorf("a new row's last download = %v, want none", got.LastDownload)
	}
	// The last download only moves forward: a batch flushed late (another
	// process's) never takes it back, and a zero time leaves it.
	t1 := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	for _, at := range []time.Time{t1.Add(-time.Hour), t1, t1.Add(-time.Minute)} {
		if err := c.AddDownloads(ctx, space1, index.KindNuGet, "counted", "1.0.0.0", 1, at); err != nil {
			t.Fatalf("AddDownloads: %v", err)
		}
	}
	if err := c.AddDownloads(ctx, space1, index.KindNuGet, "Counted", "1.0.0", 10, time.Time{}); err != nil {
		t.Fatalf("AddDownloads: %v", err)
	}
	got := get(t, c, space1, "Counted", "1.0.0")
	if got.Listed || got.Downloads != 18 || !got.LastDownload.Equal(t1) {
		t.Errorf("listed=%v downloads=%d last=%v, want false 18 %v", got.Listed, got.Downloads, got.LastDownload, t1)
	}
	// A re-push keeps the last download, like the count.
	if err := c.Put(ctx, got); err != nil {
		t.Fatalf("Put: %v", err)
	}
	if got := get(t, c, space1, "Counted", "1.0.0"); !got.LastDownload.Equal(t1) || got.Downloads != 18 {
		t.Errorf("after a re-push: downloads=%d last=%v, want 18 %v", got.Downloads, got.LastDownload, t1)
	}
	if err := c.SetListed(ctx, space1, index.KindNuGet, "counted", "1.0.0", true); err != nil {
		t.Fatalf("SetListed: %v", err)
	}
	if got := get(t, c, space1, "Counted", "1.0.0"); !got.Listed {
		t.Error("relisted row is not listed")
	}
	for _, v := range []string{"2.0.0", "not a version"} {
		wantErr(t, "SetListed of an absent row", c.SetListed(ctx, space1, index.KindNuGet, "Counted", v, true), index.ErrNotFound)
		wantErr(t, "AddDownloads of an absent row", c.AddDownloads(ctx, space1, index.KindNuGet, "Counted", v, 1, t1), index.ErrNotFound)
	}
}

func testDelete(t *testing.T, c index.Catalog) {
	ctx := context.Background()
	insert(t, c, entry(space1, "Gone", "1.0.0"), entry(space1, "Gone", "2.0.0"))
	if err := c.Delete(ctx, space1, index.KindNuGet, "GONE", "1.0"); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if _, err := c.Get(ctx, space1, index.KindNuGet, "Gone", "1.0.0"); !errors.Is(err, index.ErrNotFound) {
		t.Errorf("Get after Delete: %v, want ErrNotFound", err)
	}
	wantErr(t, "second Delete", c.Delete(ctx, space1, index.KindNuGet, "Gone", "1.0.0"), index.ErrNotFound)
	wantErr(t, "Delete of an unparsable version", c.Delete(ctx, space1, index.KindNuGet, "Gone", "x"), index.ErrNotFound)
	get(t, c, space1, "Gone", "2.0.0")
}

// testInvalidEntry: an entry without space, kind, id or version is refused
// by both writes, and nothing is stored.
func testInvalidEntry(t *testing.T, c index.Catalog) {
	ctx := context.Background()
	for _, tc := range []struct {
		name  string
		spoil func(*index.Entry)
	}{
		{"no space", func(e *index.Entry) { e.Space = "" }},
		{"no kind", func(e *index.Entry) { e.Kind = "" }},
		{"no id", func(e *index.Entry) { e.ID = "" }},
		{"no version", func(e *index.Entry) { e.Version = nuget.Version{} }},
	} {
		e := entry(space1, "Broken", "1.0.0")
		tc.spoil(&e)
		wantErr(t, "Insert, "+tc.name, c.Insert(ctx, e), nuget.ErrInvalidPackage)
		wantErr(t, "Put, "+tc.name, c.Put(ctx, e), nuget.ErrInvalidPackage)
	}
	if ids, versions, err := c.Counts(ctx); err != nil || ids != 0 || versions != 0 {
		t.Errorf("Counts = %d, %d, %v; want nothing stored", ids, versions, err)
	}
}

// testRoundTrip: every field of an entry and of its manifest reads back as
// written; a raw archive keeps its lenient version and has no manifest.
func testRoundTrip(t *testing.T, c index.Catalog) {
	ctx := context.Background()
	min1 := nuget.MustParseVersion("1.0")
	max2 := nuget.MustParseVersion("2.0.0-beta.1")
	m := &nuget.Manifest{
		ID:                       "Full.Package",
		Version:                  nuget.MustParseVersion("1.02.3-RC.1+sha.abc"),
		MinClientVersion:         "2.12",
		Title:                    "Full package",
		Authors:                  []string{"A", "B"},
		Owners:                   []string{"O"},
		Description:              "Everything.",
		Summary:                  "Sum.",
		ReleaseNotes:             "Notes.",
		Copyright:                "(c)",
		Language:                 "en-US",
		Tags:                     []string{"one", "two"},
		ProjectURL:               "https://p",
		IconURL:                  "https://i",
		Icon:                     "icon.png",
		LicenseURL:               "https://l",
		License:                  &nuget.License{Type: "expression", Version: "1.0.0", Text: "MIT"},
		Readme:                   "README.md",
		Repository:               &nuget.Repository{Type: "git", URL: "https://r", Branch: "main", Commit: "abc"},
		RequireLicenseAcceptance: true,
		DevelopmentDependency:    true,
		Serviceable:              true,
		PackageTypes:             []nuget.PackageType{{Name: "DotnetTool", Version: "1.0"}},
		DependencyGroups: []nuget.DependencyGroup{
			{TargetFramework: "net8.0", Dependencies: []nuget.Dependency{
				{ID: "Dep.A", Range: nuget.VersionRange{Min: &min1, MinInclusive: true}, Include: "Compile", Exclude: "Build"},
				{ID: "Dep.B", Range: nuget.VersionRange{Min: &min1, Max: &max2, MaxInclusive: true}},
				{ID: "Dep.C"},
			}},
			{TargetFramework: "netstandard2.0"},
		},
		FrameworkAssemblies: []nuget.FrameworkAssembly{{AssemblyName: "System.Web", TargetFramework: "net40"}},
	}
	// A field nuget.Manifest gains must be filled here, so the round trip
	// covers it and a driver that drops it fails.
	v := reflect.ValueOf(*m)
	for i := range v.NumField() {
		if v.Field(i).IsZero() {
			t.Fatalf("the test manifest leaves %s empty; fill it so the round trip covers it", v.Type().Field(i).Name)
		}
	}
	want := entry(space1, "Full.Package", "1.02.3-RC.1+sha.abc")
	want.Manifest, want.Downloads, want.Listed = m, 3, false
	insert(t, c, want)
	got := get(t, c, space1, "full.package", "1.2.3-rc.1")
	if !reflect.DeepEqual(got.Manifest, want.Manifest) {
		t.Errorf("manifest round trip:\n got %+v\nwant %+v", got.Manifest, want.Manifest)
	}
	if got.Version.Original() != "1.02.3-RC.1+sha.abc" || got.Version.Full() != want.Version.Full() {
		t.Errorf("version %q (%q), want original 1.02.3-RC.1+sha.abc", got.Version.Original(), got.Version.Full())
	}
	if !got.Published.Equal(want.Published) || !got.ModTime.Equal(want.ModTime) {
		t.Errorf("times %v %v, want %v %v", got.Published, got.ModTime, want.Published, want.ModTime)
	}
	got.Manifest, want.Manifest = nil, nil
	got.Version, want.Version = nuget.Version{}, nuget.Version{}
	got.Published, want.Published, got.ModTime, want.ModTime = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("entry round trip:\n got %+v\nwant %+v", got, want)
	}

	// A raw archive: no manifest, no times, a version only Octopus' lenient parser takes.
	name, err := nuget.ParseArchiveName("MyApp.2016.09.01-beta.0001.tar.gz")
	if err != nil {
		t.Fatalf("ParseArchiveName: %v", err)
	}
	raw := index.Entry{Space: space1, Kind: index.KindRaw, ID: name.ID, Version: name.Version, Extension: name.Extension, Listed: true, BlobKey: "raw/myapp"}
	insert(t, c, raw)
	gotRaw, err := c.Get(ctx, space1, index.KindRaw, "myapp", "2016.09.01-beta.0001")
	if err != nil {
		t.Fatalf("Get raw: %v", err)
	}
	if gotRaw.Manifest != nil || !gotRaw.Published.IsZero() || !gotRaw.ModTime.IsZero() || gotRaw.Version.Original() != "2016.09.01-beta.0001" || gotRaw.Extension != ".tar.gz" {
		t.Errorf("raw = %+v, want no manifest, zero times, original version and extension kept", gotRaw)
	}
	// A row without a file.
	noFile := entry(space1, "NoFile", "1.0.0")
	noFile.BlobKey = ""
	insert(t, c, noFile)
	if got := get(t, c, space1, "NoFile", "1.0.0"); got.BlobKey != "" {
		t.Errorf("a row without a file reads back with %q", got.BlobKey)
	}
}

// testVersionOrder: Versions sorts by NuGet's SemVer 2.0.0 precedence:
// prerelease before release, numeric labels as numbers, a 4th part after 3.
func testVersionOrder(t *testing.T, c index.Catalog) {
	ctx := context.Background()
	want := []string{"1.0.0-alpha", "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0", "1.0.0.1", "1.1.0", "10.0.0"}
	shuffled := slices.Clone(want)
	rand.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	for _, v := range shuffled {
		e := entry(space1, "Ordered", v)
		e.Listed = v != "1.0.0" // unlisted versions are there too
		insert(t, c, e)
	}
	got, err := c.Versions(ctx, space1, index.KindNuGet, "ORDERED")
	if err != nil {
		t.Fatalf("Versions: %v", err)
	}
	var gotV []string
	for _, e := range got {
		gotV = append(gotV, e.Version.String())
	}
	if !slices.Equal(gotV, want) {
		t.Errorf("Versions = %v, want %v", gotV, want)
	}
	none, err := c.Versions(ctx, space1, index.KindNuGet, "absent")
	if err != nil || none == nil || len(none) != 0 {
		t.Errorf("Versions(absent) = %v, %v; want an empty slice", none, err)
	}
}

// testAllEntries: every row of one space and kind, unlisted ones included,
// ordered by lowercased id.
func testAllEntries(t *testing.T, c index.Catalog) {
	ctx := context.Background()
	none, err := c.AllEntries(ctx, space1, index.KindNuGet)
	if err != nil || none == nil || len(none) != 0 {
		t.Errorf("AllEntries of an empty catalogue = %v, %v; want an empty slice", none, err)
	}
	hidden := entry(space1, "b.Hidden", "1.0.0")
	hidden.Listed = false
	raw := entry(space1, "A.Raw", "1.0.0")
	raw.Kind, raw.BlobKey = index.KindRaw, "raw/a.raw.1.0.0.zip"
	insert(t, c, entry(space1, "C", "1.0.0"), entry(space1, "a", "2.0.0"), hidden, entry(space1, "B", "1.0.0"),
		entry(space1, "a", "1.0.0"), entry("Spaces-2", "A", "1.0.0"), raw)
	got, err := c.AllEntries(ctx, space1, index.KindNuGet)
	if err != nil {
		t.Fatalf("AllEntries: %v", err)
	}
	var ids []string
	for _, e := range got {
		ids = append(ids, e.ID.Lower())
	}
	if want := []string{"a", "a", "b", "b.hidden", "c"}; !slices.Equal(ids, want) {
		t.Errorf("AllEntries ids = %v, want %v", ids, want)
	}
}

// testCancelledLookups: a lookup whose caller has gone does not run.
func testCancelledLookups(t *testing.T, c index.Catalog) {
	e := entry(space1, "Here", "1.0.0")
	insert(t, c, e)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, l := range []struct {
		name string
		run  func(context.Context) error
	}{
		{"Get", func(ctx context.Context) error {
			_, err := c.Get(ctx, space1, index.KindNuGet, "here", "1.0.0")
			return err
		}},
		{"Versions", func(ctx context.Context) error {
			_, err := c.Versions(ctx, space1, index.KindNuGet, "here")
			return err
		}},
		{"EntryByBlobKey", func(ctx context.Context) error { _, err := c.EntryByBlobKey(ctx, e.BlobKey); return err }},
	} {
		wantErr(t, l.name+" with a cancelled context", l.run(ctx), context.Canceled)
		if err := l.run(context.Background()); err != nil {
			t.Errorf("%s: %v", l.name, err)
		}
	}
}
