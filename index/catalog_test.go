package index

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/mattn/go-sqlite3"

	"github.com/feedserver/feedserver/nuget"
)

func TestCatalogCRUD(t *testing.T) {
	ctx := context.Background()
	c := openTestCatalog(t)
	e := nugetEntry(pkg{id: "Newtonsoft.Json", version: "13.0.1", downloads: 5})
	if err := c.Insert(ctx, e); err != nil {
		t.Fatalf("Insert: %v", err)
	}

	t.Run("get any casing and any equal version", func(t *testing.T) {
		for _, v := range []string{"13.0.1", "13.0.1.0", "13.00.01", " 13.0.1 "} {
			got, err := c.Get(ctx, space1, KindNuGet, "NEWTONSOFT.json", v)
			if err != nil {
				t.Fatalf("Get(%q): %v", v, err)
			}
			if got.ID != "Newtonsoft.Json" || got.Version.String() != "13.0.1" {
				t.Errorf("Get(%q) = %s %s, want Newtonsoft.Json 13.0.1", v, got.ID, got.Version)
			}
		}
	})

	t.Run("not found", func(t *testing.T) {
		cases := []struct{ space, kind, id, version string }{
			{space1, "nuget", "Newtonsoft.Json", "13.0.2"},
			{space1, "nuget", "Newtonsoft.Json", "not a version"},
			{space1, "raw", "Newtonsoft.Json", "13.0.1"},
			{"Spaces-2", "nuget", "Newtonsoft.Json", "13.0.1"},
			{space1, "nuget", "Other", "13.0.1"},
		}
		for _, tc := range cases {
			_, err := c.Get(ctx, tc.space, Kind(tc.kind), tc.id, tc.version)
			if !errors.Is(err, ErrNotFound) {
				t.Errorf("Get(%v) error = %v, want ErrNotFound", tc, err)
			}
		}
	})

	t.Run("insert duplicate", func(t *testing.T) {
		dup := nugetEntry(pkg{id: "newtonsoft.json", version: "13.0.1.0"})
		dup.BlobKey = "other-key"
		if err := c.Insert(ctx, dup); !errors.Is(err, ErrExists) {
			t.Errorf("Insert duplicate error = %v, want ErrExists", err)
		}
	})

	t.Run("listed and downloads", func(t *testing.T) {
		if err := c.SetListed(ctx, space1, KindNuGet, "newtonsoft.json", "13.0.1", false); err != nil {
			t.Fatalf("SetListed: %v", err)
		}
		for range 3 {
			if err := c.AddDownloads(ctx, space1, KindNuGet, "Newtonsoft.Json", "13.0.1", 1); err != nil {
				t.Fatalf("AddDownloads: %v", err)
			}
		}
		got, err := c.Get(ctx, space1, KindNuGet, "Newtonsoft.Json", "13.0.1")
		if err != nil {
			t.Fatal(err)
		}
		if got.Listed || got.Downloads != 8 {
			t.Errorf("got listed=%v downloads=%d, want false 8", got.Listed, got.Downloads)
		}
		if err := c.SetListed(ctx, space1, KindNuGet, "x", "1.0.0", true); !errors.Is(err, ErrNotFound) {
			t.Errorf("SetListed absent error = %v, want ErrNotFound", err)
		}
		if err := c.AddDownloads(ctx, space1, KindNuGet, "x", "1.0.0", 1); !errors.Is(err, ErrNotFound) {
			t.Errorf("AddDownloads absent error = %v, want ErrNotFound", err)
		}
	})

	t.Run("put replaces but keeps downloads", func(t *testing.T) {
		r := nugetEntry(pkg{id: "Newtonsoft.Json", version: "13.0.1", desc: "replaced", downloads: 1000})
		r.BlobKey = "replaced-key"
		if err := c.Put(ctx, r); err != nil {
			t.Fatalf("Put: %v", err)
		}
		got, err := c.Get(ctx, space1, KindNuGet, "Newtonsoft.Json", "13.0.1")
		if err != nil {
			t.Fatal(err)
		}
		if got.Manifest.Description != "replaced" || got.BlobKey != "replaced-key" || !got.Listed {
			t.Errorf("got %q %q listed=%v, want the replacement", got.Manifest.Description, got.BlobKey, got.Listed)
		}
		if got.Downloads != 8 {
			t.Errorf("got downloads %d, want 8 kept from the replaced row", got.Downloads)
		}
		if _, err := c.EntryByBlobKey(ctx, e.BlobKey); !errors.Is(err, ErrNotFound) {
			t.Errorf("old blob key still catalogued: %v", err)
		}
		// Feed overwrites a file in place: the same blob key replaces its own row.
		same := r
		same.Manifest = nugetEntry(pkg{id: "Newtonsoft.Json", version: "13.0.1", desc: "again"}).Manifest
		if err := c.Put(ctx, same); err != nil {
			t.Fatalf("Put same key: %v", err)
		}
		// A blob key that belongs to another identity is refused.
		clash := nugetEntry(pkg{id: "Clash", version: "1.0.0"})
		clash.BlobKey = "replaced-key"
		if err := c.Put(ctx, clash); !errors.Is(err, ErrExists) {
			t.Errorf("Put with another row's blob key error = %v, want ErrExists", err)
		}
		fresh := nugetEntry(pkg{id: "Fresh", version: "1.0.0", downloads: 7})
		if err := c.Put(ctx, fresh); err != nil {
			t.Fatalf("Put new: %v", err)
		}
		if got, _ := c.Get(ctx, space1, KindNuGet, "Fresh", "1.0.0"); got.Downloads != 7 {
			t.Errorf("Put new row downloads = %d, want 7", got.Downloads)
		}
	})

	t.Run("delete", func(t *testing.T) {
		if err := c.Delete(ctx, space1, KindNuGet, "NewtonSoft.Json", "13.0.1"); err != nil {
			t.Fatalf("Delete: %v", err)
		}
		if _, err := c.Get(ctx, space1, KindNuGet, "Newtonsoft.Json", "13.0.1"); !errors.Is(err, ErrNotFound) {
			t.Errorf("Get after delete error = %v, want ErrNotFound", err)
		}
		if err := c.Delete(ctx, space1, KindNuGet, "Newtonsoft.Json", "13.0.1"); !errors.Is(err, ErrNotFound) {
			t.Errorf("second Delete error = %v, want ErrNotFound", err)
		}
	})

	t.Run("invalid entry", func(t *testing.T) {
		bad := nugetEntry(pkg{id: "X", version: "1.0.0"})
		bad.Version = nuget.Version{}
		if err := c.Insert(ctx, bad); !errors.Is(err, nuget.ErrInvalidPackage) {
			t.Errorf("Insert zero version error = %v, want ErrInvalidPackage", err)
		}
	})
}

func TestCatalogRoundTrip(t *testing.T) {
	ctx := context.Background()
	c := openTestCatalog(t)
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
	if n := reflect.TypeOf(*m).NumField(); n != manifestFields {
		t.Fatalf("nuget.Manifest has %d fields, manifest.go carries %d: add the new field to manifestJSON", n, manifestFields)
	}
	v := reflect.ValueOf(*m)
	for i := range v.NumField() {
		if v.Field(i).IsZero() {
			t.Fatalf("test manifest leaves %s empty; fill it so the round trip covers it", v.Type().Field(i).Name)
		}
	}
	want := nugetEntry(pkg{id: "Full.Package", version: "1.02.3-RC.1+sha.abc", downloads: 3})
	want.Manifest = m
	if err := c.Insert(ctx, want); err != nil {
		t.Fatalf("Insert: %v", err)
	}
	got, err := c.Get(ctx, space1, KindNuGet, "full.package", "1.2.3-rc.1")
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	if !reflect.DeepEqual(got.Manifest, want.Manifest) {
		t.Errorf("manifest round trip:\n got %+v\nwant %+v", got.Manifest, want.Manifest)
	}
	if got.Version.Original() != "1.02.3-RC.1+sha.abc" || got.Version.Full() != want.Version.Full() {
		t.Errorf("version = %q (%q), want original 1.02.3-RC.1+sha.abc", got.Version.Original(), got.Version.Full())
	}
	if !got.Published.Equal(want.Published) || !got.ModTime.Equal(want.ModTime) {
		t.Errorf("times = %v %v, want %v %v", got.Published, got.ModTime, want.Published, want.ModTime)
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
	raw := Entry{Space: space1, Kind: KindRaw, ID: name.ID, Version: name.Version, Extension: name.Extension, Listed: true, BlobKey: "raw/myapp"}
	if err := c.Insert(ctx, raw); err != nil {
		t.Fatalf("Insert raw: %v", err)
	}
	gotRaw, err := c.Get(ctx, space1, KindRaw, "myapp", "2016.09.01-beta.0001")
	if err != nil {
		t.Fatalf("Get raw: %v", err)
	}
	if gotRaw.Manifest != nil || !gotRaw.Published.IsZero() || gotRaw.Version.Original() != "2016.09.01-beta.0001" {
		t.Errorf("raw = %+v, want no manifest, zero time, original version kept", gotRaw)
	}
}

func TestCatalogConcurrentInsert(t *testing.T) {
	ctx := context.Background()
	c := openTestCatalog(t)
	const n = 8
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			e := nugetEntry(pkg{id: "Race", version: "1.0.0"})
			e.BlobKey = fmt.Sprintf("race-%d", i) // each pusher wrote its own file
			errs[i] = c.Insert(ctx, e)
		}()
	}
	wg.Wait()
	wins := 0
	for _, err := range errs {
		switch {
		case err == nil:
			wins++
		case !errors.Is(err, ErrExists):
			t.Errorf("Insert error = %v, want nil or ErrExists", err)
		}
	}
	if wins != 1 {
		t.Errorf("%d inserts succeeded, want exactly 1", wins)
	}
}

// TestCatalogConcurrentPut: Puts from many goroutines share transactions,
// and a row that cannot be written (here its file is another row's) fails
// alone: every other caller hears nil and finds its row.
func TestCatalogConcurrentPut(t *testing.T) {
	ctx := context.Background()
	c := openTestCatalog(t)
	const n = 40
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			e := nugetEntry(pkg{id: fmt.Sprintf("Many.P%d", i%7), version: fmt.Sprintf("1.0.%d", i)})
			e.BlobKey = fmt.Sprintf("file-%d", i)
			if i == n-1 {
				e.BlobKey = "file-0" // blob_key is unique: one of these two rows fails
			}
			errs[i] = c.Put(ctx, e)
		})
	}
	wg.Wait()
	if errs[0] == nil && errs[n-1] == nil || errs[0] != nil && errs[n-1] != nil {
		t.Errorf("rows sharing a file: errors %v and %v, want exactly one", errs[0], errs[n-1])
	}
	for i := 1; i < n-1; i++ {
		if errs[i] != nil {
			t.Errorf("Put %d = %v, want nil", i, errs[i])
			continue
		}
		if _, err := c.Get(ctx, space1, KindNuGet, fmt.Sprintf("many.p%d", i%7), fmt.Sprintf("1.0.%d", i)); err != nil {
			t.Errorf("row %d after Put: %v", i, err)
		}
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if err := c.Put(ctx, nugetEntry(pkg{id: "Late", version: "1.0.0"})); err == nil {
		t.Errorf("Put after Close = nil, want an error")
	}
}

func TestCatalogVersionOrder(t *testing.T) {
	ctx := context.Background()
	c := openTestCatalog(t)
	// NuGet's SemVer 2.0.0 precedence: prerelease < release, numeric labels compare
	// as numbers, a 4th part sorts after 3.
	want := []string{"1.0.0-alpha", "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0", "1.0.0.1", "1.1.0"}
	shuffled := slices.Clone(want)
	rand.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	for _, v := range shuffled {
		if err := c.Insert(ctx, nugetEntry(pkg{id: "Ordered", version: v})); err != nil {
			t.Fatalf("Insert %s: %v", v, err)
		}
	}
	got, err := c.Versions(ctx, space1, KindNuGet, "ORDERED")
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
	none, err := c.Versions(ctx, space1, KindNuGet, "absent")
	if err != nil || none == nil || len(none) != 0 {
		t.Errorf("Versions(absent) = %v, %v; want empty slice, nil", none, err)
	}
}

func TestCatalogKeepsFirstIDCasing(t *testing.T) {
	ctx := context.Background()
	c := openTestCatalog(t)
	for _, p := range []pkg{{id: "Foo.Bar", version: "1.0.0"}, {id: "FOO.BAR", version: "2.0.0"}} {
		if err := c.Insert(ctx, nugetEntry(p)); err != nil {
			t.Fatal(err)
		}
	}
	// Put, for a new version and for a replaced one, keeps it too.
	for _, p := range []pkg{{id: "foo.BAR", version: "3.0.0"}, {id: "fOO.bar", version: "1.0.0"}} {
		if err := c.Put(ctx, nugetEntry(p)); err != nil {
			t.Fatal(err)
		}
	}
	vs, err := c.Versions(ctx, space1, KindNuGet, "foo.bar")
	if err != nil {
		t.Fatal(err)
	}
	if len(vs) != 3 {
		t.Fatalf("got %d versions, want 3", len(vs))
	}
	for _, e := range vs {
		if e.ID != "Foo.Bar" {
			t.Errorf("version %s has id %q, want Foo.Bar", e.Version, e.ID)
		}
	}
}

func TestCatalogFilesOrder(t *testing.T) {
	ctx := context.Background()
	c := openTestCatalog(t)
	// More than one page, with keys whose byte order differs from case-folded order.
	var want []string
	for i := range filesPage + 500 {
		e := nugetEntry(pkg{id: fmt.Sprintf("P%d", i), version: "1.0.0"})
		e.BlobKey = []string{"a/", "A/", "a-", "a.", "b/", "é/", "Z/"}[i%7] + fmt.Sprint(i)
		want = append(want, e.BlobKey)
		if err := c.Insert(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	noFile := nugetEntry(pkg{id: "NoFile", version: "1.0.0"})
	noFile.BlobKey = ""
	if err := c.Insert(ctx, noFile); err != nil {
		t.Fatal(err)
	}
	slices.Sort(want) // Go's string order is byte order
	var got []string
	for f, err := range c.Files(ctx) {
		if err != nil {
			t.Fatalf("Files: %v", err)
		}
		if f.Size != 1234 || !f.ModTime.Equal(time.Date(2024, 1, 2, 3, 4, 5, 123456789, time.UTC)) {
			t.Fatalf("file row %+v lost size or time", f)
		}
		got = append(got, f.BlobKey)
	}
	if !slices.Equal(got, want) {
		t.Errorf("Files order differs (got %d keys, want %d); first got %v, want %v", len(got), len(want), got[:5], want[:5])
	}
	// Stopping early must not leak or panic.
	for range c.Files(ctx) {
		break
	}
}

func TestCatalogByBlobKey(t *testing.T) {
	ctx := context.Background()
	c := openTestCatalog(t)
	e := nugetEntry(pkg{id: "Keyed", version: "1.0.0"})
	if err := c.Insert(ctx, e); err != nil {
		t.Fatal(err)
	}
	got, err := c.EntryByBlobKey(ctx, e.BlobKey)
	if err != nil || got.ID != "Keyed" {
		t.Fatalf("EntryByBlobKey = %v, %v; want Keyed", got.ID, err)
	}
	removed, err := c.DeleteByBlobKey(ctx, e.BlobKey)
	if err != nil || removed.ID != "Keyed" || removed.Version.String() != "1.0.0" {
		t.Fatalf("DeleteByBlobKey = %v %v, %v; want Keyed 1.0.0", removed.ID, removed.Version, err)
	}
	if _, err := c.DeleteByBlobKey(ctx, e.BlobKey); !errors.Is(err, ErrNotFound) {
		t.Errorf("second DeleteByBlobKey error = %v, want ErrNotFound", err)
	}
	if _, err := c.EntryByBlobKey(ctx, e.BlobKey); !errors.Is(err, ErrNotFound) {
		t.Errorf("EntryByBlobKey after delete error = %v, want ErrNotFound", err)
	}
}

func TestCatalogPackageIDsAndCounts(t *testing.T) {
	ctx := context.Background()
	c := openTestCatalog(t)
	var want []string
	for i := range 25 {
		id := fmt.Sprintf("Pkg.%02d", i)
		want = append(want, strings.ToLower(id))
		for _, v := range []string{"1.0.0", "2.0.0"} {
			if err := c.Insert(ctx, nugetEntry(pkg{id: id, version: v})); err != nil {
				t.Fatal(err)
			}
		}
	}
	other := nugetEntry(pkg{id: "Pkg.00", version: "1.0.0", space: "Spaces-2"})
	if err := c.Insert(ctx, other); err != nil {
		t.Fatal(err)
	}
	var got []string
	after := ""
	for {
		page, err := c.PackageIDs(ctx, space1, KindNuGet, after, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		got = append(got, page...)
		after = page[len(page)-1]
	}
	if !slices.Equal(got, want) {
		t.Errorf("PackageIDs = %v, want %v", got, want)
	}
	ids, versions, err := c.Counts(ctx)
	if err != nil || ids != 26 || versions != 51 {
		t.Errorf("Counts = %d, %d, %v; want 26, 51, nil", ids, versions, err)
	}
}

func TestCatalogMigrationsIdempotent(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "catalog.db")
	for round := range 3 {
		c, err := OpenCatalog(ctx, path)
		if err != nil {
			t.Fatalf("round %d: OpenCatalog: %v", round, err)
		}
		if round == 0 {
			if err := c.Insert(ctx, nugetEntry(pkg{id: "Kept", version: "1.0.0"})); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := c.Get(ctx, space1, KindNuGet, "Kept", "1.0.0"); err != nil {
			t.Errorf("round %d: row lost on reopen: %v", round, err)
		}
		var applied int
		if err := c.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations`).Scan(&applied); err != nil {
			t.Fatal(err)
		}
		files, _ := filepath.Glob("migrations/*.sql")
		if applied != len(files) {
			t.Errorf("round %d: %d migrations recorded, want %d", round, applied, len(files))
		}
		if err := c.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

func TestDiskFullIsENOSPC(t *testing.T) {
	full := fmt.Errorf("index: put x: %w", sqlite3.Error{Code: sqlite3.ErrFull})
	if err := diskFull(full); !errors.Is(err, syscall.ENOSPC) {
		t.Errorf("diskFull(%v) is not ENOSPC", err)
	}
	other := fmt.Errorf("index: put x: %w", sqlite3.Error{Code: sqlite3.ErrBusy})
	if err := diskFull(other); errors.Is(err, syscall.ENOSPC) {
		t.Errorf("diskFull(%v) claims ENOSPC", err)
	}
}

// TestLookupsHonourCancelledContext: the lookups by key run detached from
// their context's cancellation (see keyed), but one whose caller has already
// gone does not start.
func TestLookupsHonourCancelledContext(t *testing.T) {
	c := openTestCatalog(t)
	e := nugetEntry(pkg{id: "Here", version: "1.0.0"})
	if err := c.Insert(context.Background(), e); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	lookups := []struct {
		name string
		run  func(context.Context) error
	}{
		{"Get", func(ctx context.Context) error { _, err := c.Get(ctx, space1, KindNuGet, "here", "1.0.0"); return err }},
		{"Versions", func(ctx context.Context) error { _, err := c.Versions(ctx, space1, KindNuGet, "here"); return err }},
		{"EntryByBlobKey", func(ctx context.Context) error { _, err := c.EntryByBlobKey(ctx, e.BlobKey); return err }},
	}
	for _, l := range lookups {
		if err := l.run(ctx); !errors.Is(err, context.Canceled) {
			t.Errorf("%s with a cancelled context: %v, want context.Canceled", l.name, err)
		}
		if err := l.run(context.Background()); err != nil {
			t.Errorf("%s: %v", l.name, err)
		}
	}
}
