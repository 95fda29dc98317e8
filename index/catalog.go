package index

import (
	"context"
	"errors"
	"iter"
	"time"

	"github.com/feedserver/feedserver/nuget"
)

// Catalog is the package catalogue: one row per package version per space
// (Entry), one per generic file (GenericFile), and what only the catalogue
// knows (download counts, listed flags, deprecations). It is one of the
// feed's two plug points: index/sqlite is the embedded driver, and every
// driver passes the conformance suite in index/indextest, which is where the
// rules below are checked.
//
// Identity is case-insensitive and decided by the driver's database, never
// by a read before a write: a row is (Space, Kind, lower(ID),
// lower(Version.String())), so "Foo" 1.0 and "foo" 1.0.0.0 are one row. Lookups
// take the id in any casing and the version in any spelling that parses to
// the same normalised version; a version that does not parse is not found.
// Lowercasing is Go's (strings.ToLower, as nuget.ID.Lower), never the
// database's, so every driver agrees on it.
//
// Errors wrap ErrNotFound (no such row), ErrExists (the identity or the blob
// key is taken), nuget.ErrInvalidPackage (an Entry without space, kind, id or
// version), ErrUnavailable (the driver's database server cannot be reached),
// the caller's context error, or a driver's own failure; a write that fails
// for lack of space wraps syscall.ENOSPC, so a push answers 507.
type Catalog interface {
	// Insert adds e's row, or fails with ErrExists when its identity or its
	// BlobKey is already catalogued. Of concurrent Inserts of one identity,
	// from any number of processes, exactly one succeeds. A new version of a
	// known id takes the casing of the id's existing rows, so one id never
	// shows two spellings.
	Insert(ctx context.Context, e Entry) error
	// Put inserts or replaces e's row. A replaced row takes every value from
	// e except Downloads, LastDownload and Deprecation, which belong to the identity, not
	// to the file (a re-push neither resets nor inflates the count, nor
	// clears what an administrator said of the version), and the id's
	// casing, which stays that of the id's other rows. It fails with ErrExists when e's
	// BlobKey is another identity's. Put returns once the row is committed;
	// its error means the row was not written.
	Put(ctx context.Context, e Entry) error
	// Get returns one row.
	Get(ctx context.Context, space string, kind Kind, id, version string) (Entry, error)
	// Versions returns every row of one id, unlisted ones included, ascending
	// by NuGet's version precedence; an unknown id gives an empty, non-nil slice.
	Versions(ctx context.Context, space string, kind Kind, id string) ([]Entry, error)
	// AllEntries returns every row of one space and kind, listed or not,
	// ordered by lowercased id (the versions of one id in no particular
	// order), in one call: the NuGet v2 Packages() collection filters it.
	AllEntries(ctx context.Context, space string, kind Kind) ([]Entry, error)
	// Delete removes one row; ErrNotFound when there is none.
	Delete(ctx context.Context, space string, kind Kind, id, version string) error
	// SetListed lists or unlists one row; ErrNotFound when there is none.
	SetListed(ctx context.Context, space string, kind Kind, id, version string, listed bool) error
	// SetDeprecation sets (d non-nil) or clears (d nil) the deprecation of
	// the given versions of one id (any spelling), all or none: when one
	// version has no row, it fails with ErrNotFound and changes nothing. An
	// empty versions list changes nothing. The caller checks d (see
	// nuget.Deprecation.CheckFor).
	SetDeprecation(ctx context.Context, space string, kind Kind, id string, versions []string, d *nuget.Deprecation) error
	// AddDownloads adds n to one row's download count and moves its
	// LastDownload to at when at is later (a zero at leaves it); ErrNotFound
	// when there is no row. feed batches counts, so a download costs no write.
	AddDownloads(ctx context.Context, space string, kind Kind, id, version string, n int64, at time.Time) error

	// PackageIDs pages through the distinct lowercased ids of one space and
	// kind in byte order, starting after the id after (any casing; "" for
	// the first page). limit <= 0 means 500. Retention and the search
	// rebuild walk the catalogue with it.
	PackageIDs(ctx context.Context, space string, kind Kind, after string, limit int) ([]string, error)
	// HasListed reports whether one id has at least one listed version.
	HasListed(ctx context.Context, space string, kind Kind, id string) (bool, error)
	// Spaces returns the spaces that hold at least one row, in byte order.
	Spaces(ctx context.Context) ([]string, error)
	// Counts returns the number of distinct ids (per space and kind) and of rows.
	Counts(ctx context.Context) (ids, versions int64, err error)

	// Files yields the file columns of every row that has a BlobKey, in byte
	// order of the key, for the re-index's merge-join with the storage
	// listing. It reads in short pages, so the caller may write to the
	// catalogue while iterating: every row present throughout is yielded
	// once, in order; a row written meanwhile may or may not be.
	Files(ctx context.Context) iter.Seq2[FileRow, error]
	// EntryByBlobKey returns the row whose file is key.
	EntryByBlobKey(ctx context.Context, key string) (Entry, error)
	// DeleteByBlobKey removes the row whose file is key and returns it, so
	// the caller can update the search document of its id.
	DeleteByBlobKey(ctx context.Context, key string) (Entry, error)

	// PutGenericFile inserts or replaces the row of one generic file,
	// identified by Owner and the lowercased Name, Version and FileName; a
	// row with the same RefKey is replaced too. A file without that
	// identity or without a RefKey is refused.
	PutGenericFile(ctx context.Context, g GenericFile) error
	// GenericFiles returns every file of one generic package (name in any
	// casing), oldest first; an unknown package gives an empty, non-nil slice.
	GenericFiles(ctx context.Context, owner, name string) ([]GenericFile, error)
	// DeleteGenericFile removes the row recorded at refKey; ErrNotFound when
	// there is none.
	DeleteGenericFile(ctx context.Context, refKey string) error
	// GenericBlobRefs counts the files whose content is the blob sha256. It
	// sees every write that returned before it was called: a blob is
	// deleted when this says 0.
	GenericBlobRefs(ctx context.Context, sha256 string) (int64, error)
	// GenericRefKeys yields the RefKey of every generic file in byte order,
	// in short pages like Files.
	GenericRefKeys(ctx context.Context) iter.Seq2[string, error]
	// GenericPackages lists generic packages, most recently updated first.
	// owner "" means every owner; text "" every name, else the names that
	// contain it, ignoring case, with no wildcard (% and _ are literal).
	// total counts every match, whatever skip and take.
	GenericPackages(ctx context.Context, owner, text string, skip, take int) (_ []GenericPackage, total int, err error)
	// GenericIndexed reports whether MarkGenericIndexed has been called
	// since the catalogue was created.
	GenericIndexed(ctx context.Context) (bool, error)
	// MarkGenericIndexed records that a complete re-index has filled the
	// generic rows, so blob reference counts can be trusted.
	MarkGenericIndexed(ctx context.Context, at time.Time) error

	// PutSymbols replaces the symbol rows of one NuGet package version
	// (space, id in any casing, version in any spelling) with files, in one
	// transaction: afterwards the version has exactly these rows. Each file's
	// Space, ID and Version are taken from the arguments; its Key is
	// lowercased. Two files with one Key, or a file without Key, Path or
	// BlobKey, are refused with nuget.ErrInvalidPackage.
	PutSymbols(ctx context.Context, space, id, version string, files []SymbolFile) error
	// Symbols returns the symbol rows of one version ordered by Key; none
	// gives an empty, non-nil slice.
	Symbols(ctx context.Context, space, id, version string) ([]SymbolFile, error)
	// DeleteSymbols removes the symbol rows of one version; none is no error.
	DeleteSymbols(ctx context.Context, space, id, version string) error
	// SymbolsByKey returns the rows of one space whose Key is key (compared
	// lowercased), ordered by id and version; none gives an empty, non-nil
	// slice. One PDB may sit in the symbol packages of several versions.
	SymbolsByKey(ctx context.Context, space, key string) ([]SymbolFile, error)

	// Close releases the catalogue; a call after it fails, and a second
	// Close does nothing.
	Close() error
}

// ErrNotFound is returned (wrapped) when a row does not exist.
var ErrNotFound = errors.New("not found")

// ErrExists is returned (wrapped) when a row with the same identity already exists.
var ErrExists = errors.New("already exists")

// ErrUnavailable is returned (wrapped) when the catalogue's database server
// cannot be reached (down, restarting, refusing connections): the request may
// succeed later, so protocols answer 503. An embedded driver never returns it.
var ErrUnavailable = errors.New("index: the catalogue database is unavailable")

// Kind tells how a package was pushed and how its file is read.
type Kind string

const (
	KindNuGet Kind = "nuget" // a .nupkg; identity from its nuspec
	KindRaw   Kind = "raw"   // any other archive pushed to the Octopus API; identity from its file name
	// KindCached is a .nupkg a mirrored space fetched from its upstream
	// on first use (feed/mirror.go): read like KindNuGet, but kept apart so
	// pushes shadow it, retention treats it as a cache, and pages mark it.
	KindCached Kind = "cached"
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
	BlobKey   string    // the storage key of the file; "" when the row has none
	ModTime   time.Time // of the stored file, for the incremental re-index
	Downloads int64
	// LastDownload is the latest time AddDownloads recorded (zero: none);
	// cache retention drops mirrored packages by it. Insert and Put never
	// set it.
	LastDownload time.Time
	// Deprecation is what an administrator said against using this version
	// (nil: nothing), set by SetDeprecation; NuGet packages only.
	Deprecation *nuget.Deprecation
}

// FileRow is the part of a row the re-index compares with the directory.
type FileRow struct {
	BlobKey string
	Size    int64
	ModTime time.Time
}
