package row

import (
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/feedserver/feedserver/index"
	"github.com/feedserver/feedserver/nuget"
)

// Scanner is one result row: database/sql's *Row and *Rows, pgx's Row.
type Scanner interface{ Scan(dest ...any) error }

// Columns is the select list of the packages table that Scan reads, in order.
const Columns = `space, kind, id, version_original, version_full, listed, published, size,
	sha512, sha1, sha256, extension, blob_key, file_mtime, downloads, manifest, deprecation, last_download`

// Scan reads one row selected with Columns.
func Scan(s Scanner) (index.Entry, error) {
	var (
		e                   index.Entry
		kind, id, orig, ful string
		published, mtime    sql.NullInt64
		lastDownload        sql.NullInt64
		blobKey, manifest   sql.NullString
		deprecation         sql.NullString
	)
	err := s.Scan(&e.Space, &kind, &id, &orig, &ful, &e.Listed, &published, &e.Size,
		&e.SHA512, &e.SHA1, &e.SHA256, &e.Extension, &blobKey, &mtime, &e.Downloads, &manifest, &deprecation, &lastDownload)
	if err != nil {
		return index.Entry{}, err
	}
	e.Kind = index.Kind(kind)
	e.ID = nuget.ID(id)
	v, err := ParseVersion(orig)
	if err != nil {
		// The original text was valid when stored; fall back to the normalised form.
		if v, err = ParseVersion(ful); err != nil {
			return index.Entry{}, fmt.Errorf("index: stored version %q of %s: %w", orig, id, err)
		}
	}
	e.Version = v
	e.Published = fromNanos(published)
	e.ModTime = fromNanos(mtime)
	e.LastDownload = fromNanos(lastDownload)
	e.BlobKey = blobKey.String
	if manifest.Valid {
		m, err := decodeManifest([]byte(manifest.String))
		if err != nil {
			return index.Entry{}, fmt.Errorf("index: stored manifest of %s %s: %w", id, orig, err)
		}
		e.Manifest = m
	}
	if e.Deprecation, err = decodeDeprecation(deprecation); err != nil {
		return index.Entry{}, fmt.Errorf("index: stored deprecation of %s %s: %w", id, orig, err)
	}
	return e, nil
}

// InsertColumns are the columns of a packages row that Values gives, in
// order. id is the third: a driver's insert may take the casing of the id's
// existing rows in its place.
const InsertColumns = `space, kind, id, id_lower, version, version_lower, version_original, version_full,
	prerelease, semver2, listed, published, size, sha512, sha1, sha256, extension,
	blob_key, file_mtime, downloads, title, description, authors, tags, manifest, deprecation`

// Values are the values of one packages row, one per InsertColumns. An
// array, not a slice: passed as values[:]... to database/sql it stays on
// the caller's stack, which saves a push an allocation.
type Values [26]any

// ValuesOf is e's row. The manifest is stored as JSON (manifest.go) and again
// as the plain columns title, description, authors and tags; semver2 is true
// when the version or a dependency range needs SemVer 2.0.0.
func ValuesOf(e index.Entry) (Values, error) {
	k := KeyOf(e)
	var (
		manifest                    sql.NullString
		title, description, authors string
		tags                        string
		semver2                     = e.Version.IsSemVer2()
	)
	deprecation, err := EncodeDeprecation(e.Deprecation)
	if err != nil {
		return Values{}, err
	}
	if e.Manifest != nil {
		b, err := encodeManifest(e.Manifest)
		if err != nil {
			return Values{}, fmt.Errorf("index: encode manifest of %s: %w", k, err)
		}
		manifest = sql.NullString{String: string(b), Valid: true}
		title, description = e.Manifest.Title, e.Manifest.Description
		authors, tags = strings.Join(e.Manifest.Authors, ", "), strings.Join(e.Manifest.Tags, " ")
		semver2 = semver2 || e.Manifest.IsSemVer2()
	}
	return Values{
		e.Space, string(e.Kind), string(e.ID), k.ID, e.Version.String(), k.Version,
		e.Version.Original(), e.Version.Full(),
		e.Version.IsPrerelease(), semver2, e.Listed, toNanos(e.Published), e.Size,
		e.SHA512, e.SHA1, e.SHA256, e.Extension,
		nullString(e.BlobKey), toNanos(e.ModTime), e.Downloads, title, description, authors, tags, manifest,
		deprecation,
	}, nil
}

// PutSet is the SET list of a put's upsert ("ON CONFLICT (space, kind,
// id_lower, version_lower) DO UPDATE SET " + PutSet): every column of the
// existing row but downloads, last_download and deprecation, which belong
// to the identity, not to the file. A new row has no last_download: only
// AddDownloads writes it.
const PutSet = `id = excluded.id, version = excluded.version, version_original = excluded.version_original,
		version_full = excluded.version_full, prerelease = excluded.prerelease,
		semver2 = excluded.semver2, listed = excluded.listed, published = excluded.published,
		size = excluded.size, sha512 = excluded.sha512, sha1 = excluded.sha1,
		sha256 = excluded.sha256, extension = excluded.extension, blob_key = excluded.blob_key,
		file_mtime = excluded.file_mtime, title = excluded.title,
		description = excluded.description, authors = excluded.authors, tags = excluded.tags,
		manifest = excluded.manifest`

// FileColumns is the select list ScanFile reads.
const FileColumns = `blob_key, size, file_mtime`

// ScanFile reads one row selected with FileColumns.
func ScanFile(s Scanner) (index.FileRow, error) {
	var (
		f     index.FileRow
		mtime sql.NullInt64
	)
	if err := s.Scan(&f.BlobKey, &f.Size, &mtime); err != nil {
		return index.FileRow{}, err
	}
	f.ModTime = fromNanos(mtime)
	return f, nil
}

// LastDownloadSet is the SET clause AddDownloads adds to the count: the
// later of the stored time and the argument (unix nanoseconds, 0 for none),
// NULL while there is none. max is SQLite's two-argument scalar function;
// greatest is PostgreSQL's.
func LastDownloadSet(max, arg string) string {
	return `last_download = NULLIF(` + max + `(COALESCE(last_download, 0), ` + arg + `), 0)`
}

// Nanos is t as unix nanoseconds, 0 for the zero time.
func Nanos(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

// Times are stored as unix nanoseconds, NULL for the zero time.
func toNanos(t time.Time) sql.NullInt64 {
	if t.IsZero() {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: t.UnixNano(), Valid: true}
}

func fromNanos(n sql.NullInt64) time.Time {
	if !n.Valid {
		return time.Time{}
	}
	return time.Unix(0, n.Int64).UTC()
}

func nullString(s string) sql.NullString {
	return sql.NullString{String: s, Valid: s != ""}
}
