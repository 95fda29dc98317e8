package feed_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/feedserver/feedserver/feed"
	"github.com/feedserver/feedserver/index"
	"github.com/feedserver/feedserver/index/sqlite"
	"github.com/feedserver/feedserver/nuget/nugettest"
	"github.com/feedserver/feedserver/storage"
	"github.com/feedserver/feedserver/storage/filesystem"
)

// env is a feed on a temporary data folder, laid out as the server lays it out.
type env struct {
	dir     string
	store   *filesystem.Store
	catalog index.Catalog
	search  *index.Search
	feed    *feed.Feed

	closeOnce sync.Once
}

func newEnv(t *testing.T, dir string, opts feed.Options) *env {
	t.Helper()
	e, err := openEnv(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.close)
	return e
}

func openForCrash(dir string) *env {
	e, err := openEnv(dir, feed.Options{})
	if err != nil {
		panic(err)
	}
	return e
}

func openEnv(dir string, opts feed.Options) (*env, error) {
	ctx := context.Background()
	store, err := filesystem.New(filepath.Join(dir, "packages"))
	if err != nil {
		return nil, err
	}
	cat, err := sqlite.Open(ctx, filepath.Join(dir, "catalog.db"))
	if err != nil {
		return nil, err
	}
	search, err := index.OpenSearch(filepath.Join(dir, "search"))
	if err != nil {
		cat.Close()
		return nil, err
	}
	f, err := feed.New(store, cat, search, opts)
	if err != nil {
		return nil, err
	}
	return &env{dir: dir, store: store, catalog: cat, search: search, feed: f}, nil
}

func (e *env) close() {
	e.closeOnce.Do(func() {
		e.search.Close()
		e.catalog.Close()
	})
}

// random returns incompressible bytes, so a package's size is its payload's.
func random(t *testing.T, n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

func push(t *testing.T, f *feed.Feed, body []byte, req feed.PushRequest) (feed.PushResult, error) {
	t.Helper()
	req.Body = bytes.NewReader(body)
	return f.Push(context.Background(), req)
}

func mustPush(t *testing.T, f *feed.Feed, body []byte, req feed.PushRequest) feed.PushResult {
	t.Helper()
	res, err := push(t, f, body, req)
	if err != nil {
		t.Fatalf("push: %v", err)
	}
	return res
}

// keys lists every stored key (temporary files are never keys).
func keys(t *testing.T, s storage.Store) []string {
	t.Helper()
	var out []string
	for info, err := range s.List(context.Background(), "") {
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, info.Key)
	}
	return out
}

// noStageLeft checks that the pushes left nothing staged behind.
func noStageLeft(t *testing.T, e *env) {
	t.Helper()
	if n, err := e.store.SweepTemp(context.Background(), 0); n != 0 || err != nil {
		t.Errorf("SweepTemp = %d, %v; want nothing left behind", n, err)
	}
}

func TestPushOpenRoundTrip(t *testing.T) {
	e := newEnv(t, t.TempDir(), feed.Options{})
	ctx := context.Background()
	body := nugettest.Build(t, nugettest.Spec{ID: "Acme.Widgets", Version: "1.02.0-Beta.1+sha.5", Tags: "widgets tools"})
	res := mustPush(t, e.feed, body, feed.PushRequest{Protocol: "nuget"})
	if res.Status != feed.Created {
		t.Errorf("status = %v, want Created", res.Status)
	}
	if got, want := res.Entry.BlobKey, "spaces-1/nuget/acme.widgets/acme.widgets.1.2.0-beta.1.nupkg"; got != want {
		t.Errorf("key = %q, want %q", got, want)
	}
	if got := res.Entry.Version.Original(); got != "1.02.0-Beta.1+sha.5" {
		t.Errorf("original version = %q", got)
	}
	// Any spelling that normalises the same finds it, case-insensitively.
	blob, entry, err := e.feed.Open(ctx, feed.DefaultSpace, index.KindNuGet, "ACME.widgets", "1.2.0-beta.1")
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	defer blob.Close()
	got, _ := io.ReadAll(blob)
	if !bytes.Equal(got, body) {
		t.Errorf("stored bytes differ from pushed bytes")
	}
	if entry.ID != "Acme.Widgets" || entry.Size != int64(len(body)) {
		t.Errorf("entry = %+v", entry)
	}
	r, err := e.feed.Search(ctx, index.Query{Text: "widgets", Prerelease: true, SemVer2: true, Take: 10})
	if err != nil {
		t.Fatal(err)
	}
	if r.Total != 1 || r.Hits[0].ID != "Acme.Widgets" {
		t.Errorf("search after push = %+v, want Acme.Widgets", r)
	}
}

func TestPushOverwriteModes(t *testing.T) {
	e := newEnv(t, t.TempDir(), feed.Options{})
	v1 := nugettest.Build(t, nugettest.Spec{ID: "Dup", Version: "1.0.0", Description: "first"})
	v1again := nugettest.Build(t, nugettest.Spec{ID: "dup", Version: "1.0", Description: "second"})
	mustPush(t, e.feed, v1, feed.PushRequest{})

	tests := []struct {
		name       string
		mode       feed.Overwrite
		canReplace bool
		wantErr    error
		wantStatus feed.PushStatus
	}{
		{"fail if exists", feed.FailIfExists, true, feed.ErrExists, 0},
		{"ignore keeps the first", feed.IgnoreIfExists, false, nil, feed.Ignored},
		{"replace without permission", feed.OverwriteExisting, false, feed.ErrForbidden, 0},
		{"replace", feed.OverwriteExisting, true, nil, feed.Replaced},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, err := push(t, e.feed, v1again, feed.PushRequest{Overwrite: tc.mode, CanReplace: tc.canReplace})
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("err = %v, want %v", err, tc.wantErr)
				}
				return
			}
			if err != nil || res.Status != tc.wantStatus {
				t.Fatalf("got %v, %v; want status %v", res.Status, err, tc.wantStatus)
			}
		})
	}
	// After the replace: one version, the second content, the first push's casing.
	vs, err := e.feed.Versions(context.Background(), feed.DefaultSpace, index.KindNuGet, "DUP")
	if err != nil || len(vs) != 1 {
		t.Fatalf("versions = %v, %v", vs, err)
	}
	if vs[0].Manifest.Description != "second" || vs[0].ID != "Dup" {
		t.Errorf("after replace: description %q id %q, want second / Dup", vs[0].Manifest.Description, vs[0].ID)
	}
}

func TestConcurrentPushesOfOneVersion(t *testing.T) {
	e := newEnv(t, t.TempDir(), feed.Options{})
	const n = 8
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			body := nugettest.Build(t, nugettest.Spec{ID: "Race", Version: "1.0.0", Description: strings.Repeat("x", i+1)})
			_, errs[i] = push(t, e.feed, body, feed.PushRequest{})
		}()
	}
	wg.Wait()
	won := 0
	for _, err := range errs {
		switch {
		case err == nil:
			won++
		case !errors.Is(err, feed.ErrExists):
			t.Errorf("loser got %v, want ErrExists", err)
		}
	}
	if won != 1 {
		t.Errorf("%d pushes won, want exactly 1", won)
	}
	if got := keys(t, e.store); len(got) != 1 {
		t.Errorf("stored keys = %v, want one", got)
	}
}

func TestRefusedPushLeavesNothing(t *testing.T) {
	e := newEnv(t, t.TempDir(), feed.Options{MaxPackageSize: 64 << 10})
	ctx := context.Background()
	mustPush(t, e.feed, nugettest.Build(t, nugettest.Spec{ID: "Keep", Version: "1.0.0"}), feed.PushRequest{})
	before := keys(t, e.store)

	tests := []struct {
		name     string
		body     []byte
		fileName string
		want     error
	}{
		{"empty", nil, "", feed.ErrInvalid},
		{"not a zip", []byte("hello"), "", feed.ErrInvalid},
		{"no nuspec", nugettest.Zip(t, map[string][]byte{"lib/a.dll": []byte("x")}), "", feed.ErrInvalid},
		{"too large", nugettest.Build(t, nugettest.Spec{ID: "Big", Version: "1.0.0", Payload: random(t, 128<<10)}), "", feed.ErrTooLarge},
		{"raw archive without a version", []byte("zip"), "MyApp.zip", feed.ErrInvalid},
		{"raw archive of unknown kind", []byte("zip"), "MyApp.1.0.0.exe", feed.ErrInvalid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := push(t, e.feed, tc.body, feed.PushRequest{FileName: tc.fileName})
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if got := keys(t, e.store); !slices.Equal(got, before) {
				t.Errorf("stored keys = %v, want %v", got, before)
			}
			if _, versions, _ := e.catalog.Counts(ctx); versions != 1 {
				t.Errorf("catalogue holds %d versions, want 1", versions)
			}
			noStageLeft(t, e)
		})
	}
}

// TestPushHashes checks the digests a push records, for uploads hashed inline
// (one chunk) and through the spool pipeline (several), and that only the
// digests a protocol reports are computed.
func TestPushHashes(t *testing.T) {
	e := newEnv(t, t.TempDir(), feed.Options{})
	tests := []struct {
		name       string
		body       []byte
		fileName   string
		wantSHA512 bool
	}{
		{"small nupkg", nugettest.Build(t, nugettest.Spec{ID: "Hash.Small", Version: "1.0.0"}), "", true},
		{"nupkg of several chunks", nugettest.Build(t, nugettest.Spec{ID: "Hash.Big", Version: "1.0.0", Payload: random(t, 5<<19)}), "Hash.Big.1.0.0.nupkg", true},
		{"small zip", []byte("zip bytes"), "Hash.App.1.0.0.zip", false},
		{"zip of exactly one chunk", random(t, 1<<20), "Hash.App.2.0.0.zip", false},
		{"zip of several chunks", random(t, 3<<20+17), "Hash.App.3.0.0.zip", false},
		{"zip kept in memory", random(t, 256<<10), "Hash.App.4.0.0.zip", false},
		{"zip one byte too large for memory", random(t, 256<<10+1), "Hash.App.5.0.0.zip", false},
		// Whole 4 KiB blocks: the spool file is still in O_DIRECT mode when the
		// last chunk is written, and identify then reads it unaligned.
		{"nupkg of whole blocks", padZip(t, nugettest.Build(t, nugettest.Spec{ID: "Hash.Blocks", Version: "1.0.0", Payload: random(t, 3<<19)}), 4096), "", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := mustPush(t, e.feed, tc.body, feed.PushRequest{FileName: tc.fileName})
			sum1 := sha1.Sum(tc.body)
			sum512 := sha512.Sum512(tc.body)
			want512 := ""
			if tc.wantSHA512 {
				want512 = base64.StdEncoding.EncodeToString(sum512[:])
			}
			got := res.Entry
			if got.SHA1 != hex.EncodeToString(sum1[:]) || got.SHA512 != want512 || got.SHA256 != "" || got.Size != int64(len(tc.body)) {
				t.Errorf("hashes = sha1 %q sha512 %q sha256 %q size %d, want sha1 %x sha512 %q no sha256 size %d",
					got.SHA1, got.SHA512, got.SHA256, got.Size, sum1, want512, len(tc.body))
			}
			blob, _, err := e.feed.Open(context.Background(), feed.DefaultSpace, got.Kind, got.ID.Lower(), got.Version.String())
			if err != nil {
				t.Fatal(err)
			}
			defer blob.Close()
			if stored, _ := io.ReadAll(blob); !bytes.Equal(stored, tc.body) {
				t.Errorf("stored %d bytes differ from the %d pushed", len(stored), len(tc.body))
			}
		})
	}
}

// padZip grows a zip to a multiple of n bytes with an archive comment, which
// every zip reader skips.
func padZip(t *testing.T, zip []byte, n int) []byte {
	t.Helper()
	const eocd = 22 // end-of-central-directory record without a comment
	if len(zip) < eocd || string(zip[len(zip)-eocd:len(zip)-eocd+4]) != "PK\x05\x06" {
		t.Fatal("padZip: the zip already has a comment")
	}
	pad := (n - len(zip)%n) % n
	out := append([]byte(nil), zip...)
	out[len(out)-2], out[len(out)-1] = byte(pad), byte(pad>>8)
	out = append(out, bytes.Repeat([]byte{' '}, pad)...)
	if len(out)%n != 0 {
		t.Fatalf("padZip: %d bytes", len(out))
	}
	return out
}

// TestPipelinedPushOverLimit refuses an upload that passes the size limit
// after several chunks went through the spool pipeline, and leaves nothing.
func TestPipelinedPushOverLimit(t *testing.T) {
	e := newEnv(t, t.TempDir(), feed.Options{MaxPackageSize: 5 << 19})
	_, err := push(t, e.feed, random(t, 4<<20), feed.PushRequest{FileName: "Over.1.0.0.zip"})
	if !errors.Is(err, feed.ErrTooLarge) {
		t.Fatalf("err = %v, want ErrTooLarge", err)
	}
	if got := keys(t, e.store); len(got) != 0 {
		t.Errorf("stored keys = %v, want none", got)
	}
	noStageLeft(t, e)
}

func TestRawArchives(t *testing.T) {
	e := newEnv(t, t.TempDir(), feed.Options{})
	ctx := context.Background()
	res := mustPush(t, e.feed, []byte("zip bytes"), feed.PushRequest{FileName: `C:\build\MyApp.Website.1.1.0.zip`})
	if res.Entry.Kind != index.KindRaw || res.Entry.ID != "MyApp.Website" || res.Entry.Extension != ".zip" {
		t.Fatalf("entry = %+v", res.Entry)
	}
	if got, want := res.Entry.BlobKey, "spaces-1/raw/myapp.website/MyApp.Website.1.1.0.zip"; got != want {
		t.Errorf("key = %q, want %q", got, want)
	}
	// Versions compare semantically, as Octopus does: 1.1.0.0 is 1.1.0.
	_, err := push(t, e.feed, []byte("other"), feed.PushRequest{FileName: "MyApp.Website.1.1.0.0.zip"})
	if !errors.Is(err, feed.ErrExists) {
		t.Errorf("second spelling of one version: err = %v, want ErrExists", err)
	}
	// A .nupkg pushed through the archive route is a NuGet package, by its nuspec.
	res = mustPush(t, e.feed, nugettest.Build(t, nugettest.Spec{ID: "Lib", Version: "2.0.0"}), feed.PushRequest{FileName: "whatever.nupkg"})
	if res.Entry.Kind != index.KindNuGet || res.Entry.ID != "Lib" {
		t.Errorf("nupkg via raw: %+v", res.Entry)
	}
	if _, err := e.feed.Get(ctx, feed.DefaultSpace, index.KindRaw, "myapp.website", "1.1.0.0"); err != nil {
		t.Errorf("get by other spelling: %v", err)
	}
}

func TestDeleteAndListing(t *testing.T) {
	e := newEnv(t, t.TempDir(), feed.Options{})
	ctx := context.Background()
	mustPush(t, e.feed, nugettest.Build(t, nugettest.Spec{ID: "Gone", Version: "1.0.0"}), feed.PushRequest{})
	mustPush(t, e.feed, nugettest.Build(t, nugettest.Spec{ID: "Gone", Version: "2.0.0"}), feed.PushRequest{})

	if _, err := e.feed.SetListed(ctx, feed.DefaultSpace, index.KindNuGet, "gone", "2.0.0", false); err != nil {
		t.Fatal(err)
	}
	e2, err := e.feed.Get(ctx, feed.DefaultSpace, index.KindNuGet, "gone", "2.0.0")
	if err != nil || e2.Listed {
		t.Errorf("unlisted version: listed=%v err=%v", e2.Listed, err)
	}
	if _, err := e.feed.Delete(ctx, feed.DefaultSpace, index.KindNuGet, "GONE", "1.0"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.feed.Delete(ctx, feed.DefaultSpace, index.KindNuGet, "gone", "1.0.0"); !errors.Is(err, feed.ErrNotFound) {
		t.Errorf("second delete: %v, want ErrNotFound", err)
	}
	if got := keys(t, e.store); len(got) != 1 || !strings.HasSuffix(got[0], ".2.0.0.nupkg") {
		t.Errorf("keys after delete = %v", got)
	}
	r, _ := e.feed.Search(ctx, index.Query{Text: "gone", Prerelease: true, SemVer2: true, Take: 10})
	if r.Total != 0 {
		t.Errorf("search finds %d ids; the only remaining version is unlisted", r.Total)
	}
}

// TestPushRaceAcrossProcesses: two feeds over one package directory and one
// catalogue, as two processes would share them, each with its own
// in-process locks. Racing pushes of one new version: the catalogue's
// insert decides, so exactly one push creates it and the others hear that it
// exists (FailIfExists) or keep it (IgnoreIfExists), never a second Created.
func TestPushRaceAcrossProcesses(t *testing.T) {
	ctx := context.Background()
	for _, tt := range []struct {
		overwrite feed.Overwrite
		loser     func(res feed.PushResult, err error) bool
	}{
		{feed.FailIfExists, func(_ feed.PushResult, err error) bool { return errors.Is(err, feed.ErrExists) }},
		{feed.IgnoreIfExists, func(res feed.PushResult, err error) bool { return err == nil && res.Status == feed.Ignored }},
	} {
		dir := t.TempDir()
		a := newEnv(t, dir, feed.Options{})
		search, err := index.OpenSearch(filepath.Join(t.TempDir(), "search"))
		if err != nil {
			t.Fatal(err)
		}
		defer search.Close()
		b, err := feed.New(a.store, a.catalog, search, feed.Options{})
		if err != nil {
			t.Fatal(err)
		}
		feeds := []*feed.Feed{a.feed, b}
		for round := range 5 {
			body := nugettest.Build(t, nugettest.Spec{ID: "Raced", Version: "1.0." + string(rune('0'+round))})
			const n = 8
			results := make([]feed.PushResult, n)
			errs := make([]error, n)
			var wg sync.WaitGroup
			start := make(chan struct{})
			for i := range n {
				wg.Go(func() {
					<-start
					results[i], errs[i] = feeds[i%2].Push(ctx, feed.PushRequest{Body: bytes.NewReader(body), Overwrite: tt.overwrite})
				})
			}
			close(start)
			wg.Wait()
			created := 0
			for i := range n {
				switch {
				case errs[i] == nil && results[i].Status == feed.Created:
					created++
				case !tt.loser(results[i], errs[i]):
					t.Errorf("overwrite %d, round %d, push %d: %+v, %v", tt.overwrite, round, i, results[i].Status, errs[i])
				}
			}
			if created != 1 {
				t.Errorf("overwrite %d, round %d: %d pushes created the version, want exactly 1", tt.overwrite, round, created)
			}
		}
	}
}
