package index

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"iter"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/mattn/go-sqlite3"

	"github.com/feedserver/feedserver/nuget"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// Catalog is the package catalogue in one SQLite file.
//
// Writes go through a pool of exactly one connection, so SQLite never sees two
// writers from this process and never answers SQLITE_BUSY to us; reads use their
// own pool and run concurrently with the writer thanks to WAL.
type Catalog struct {
	w *sql.DB // the single writer connection
	r *sql.DB // readers

	// Prepared statements of the hot paths (push, lookup, versions): go-sqlite3
	// otherwise parses the SQL text on every call. The writer's are prepared
	// when the catalogue opens: its one connection is held by the transaction
	// that would need them.
	ws, rs stmtCache

	// Put hands its rows to one goroutine that commits them in batches.
	puts       chan putReq
	closed     chan struct{} // closed by Close
	writerDone chan struct{} // closed when that goroutine has stopped
	closeOnce  sync.Once
}

// The writer's statements on the push path. A new version of a known id
// takes the casing of the id's existing rows (the subquery), so one id never
// shows two spellings.
const (
	sqlInsertRow = `INSERT INTO packages (
		space, kind, id, id_lower, version, version_lower, version_original, version_full,
		prerelease, semver2, listed, published, size, sha512, sha1, sha256, extension,
		blob_key, file_mtime, downloads, title, description, authors, tags, manifest
	) VALUES (?1, ?2, COALESCE((SELECT id FROM packages
			WHERE space = ?1 AND kind = ?2 AND id_lower = ?4 ORDER BY version_lower LIMIT 1), ?3),
		?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20,
		?21, ?22, ?23, ?24, ?25)`
	// sqlPutRow replaces every column of an existing row but downloads: the
	// count belongs to the identity, not to the file.
	sqlPutRow = sqlInsertRow + `
	ON CONFLICT (space, kind, id_lower, version_lower) DO UPDATE SET
		id = excluded.id, version = excluded.version, version_original = excluded.version_original,
		version_full = excluded.version_full, prerelease = excluded.prerelease,
		semver2 = excluded.semver2, listed = excluded.listed, published = excluded.published,
		size = excluded.size, sha512 = excluded.sha512, sha1 = excluded.sha1,
		sha256 = excluded.sha256, extension = excluded.extension, blob_key = excluded.blob_key,
		file_mtime = excluded.file_mtime, title = excluded.title,
		description = excluded.description, authors = excluded.authors, tags = excluded.tags,
		manifest = excluded.manifest`
)

// stmtCache prepares each query text once per pool.
type stmtCache struct {
	db *sql.DB
	mu sync.Mutex
	m  map[string]*sql.Stmt
}

func (s *stmtCache) get(ctx context.Context, query string) (*sql.Stmt, error) {
	s.mu.Lock()
	st, ok := s.m[query]
	s.mu.Unlock()
	if ok {
		return st, nil
	}
	// Prepare without the lock: it may wait for a busy pool's connection.
	st, err := s.db.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if first, ok := s.m[query]; ok {
		st.Close() // another caller prepared it meanwhile
		return first, nil
	}
	if s.m == nil {
		s.m = make(map[string]*sql.Stmt)
	}
	s.m[query] = st
	return st, nil
}

func (s *stmtCache) close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var errs []error
	for _, st := range s.m {
		errs = append(errs, st.Close())
	}
	s.m = nil
	return errors.Join(errs...)
}

// inTx returns the statement for query, prepared beforehand, bound to tx.
func (s *stmtCache) inTx(ctx context.Context, tx *sql.Tx, query string) (*sql.Stmt, error) {
	s.mu.Lock()
	st, ok := s.m[query]
	s.mu.Unlock()
	if !ok {
		return nil, fmt.Errorf("statement not prepared: %.40s", query) // a bug here, not bad input
	}
	return tx.StmtContext(ctx, st), nil
}

// filesPage is how many rows Files reads per query; paging keeps read
// transactions short so WAL checkpoints are never held back by a long walk.
const filesPage = 1000

// OpenCatalog opens (creating if needed) the catalogue at path and applies
// pending migrations.
func OpenCatalog(ctx context.Context, path string) (*Catalog, error) {
	params := url.Values{}
	params.Set("_journal_mode", "WAL")
	params.Set("_foreign_keys", "on")
	params.Set("_busy_timeout", "10000")
	params.Set("_synchronous", "NORMAL")
	// BEGIN IMMEDIATE takes the write lock up front: no lock upgrade, no deadlock.
	params.Set("_txlock", "immediate")
	dsn := "file:" + path + "?" + params.Encode()

	w, err := sql.Open("sqlite3", dsn)
	if err != nil {
		return nil, fmt.Errorf("index: open catalogue %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)

	params.Set("_query_only", "true")
	params.Set("_txlock", "deferred")
	r, err := sql.Open("sqlite3", "file:"+path+"?"+params.Encode())
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("index: open catalogue %s: %w", path, err)
	}
	r.SetMaxOpenConns(8)
	r.SetMaxIdleConns(8)

	c := &Catalog{
		w: w, r: r, ws: stmtCache{db: w}, rs: stmtCache{db: r},
		puts: make(chan putReq), closed: make(chan struct{}), writerDone: make(chan struct{}),
	}
	go c.writePuts()
	if err := c.migrate(ctx); err != nil {
		c.Close()
		return nil, err
	}
	for _, q := range []string{sqlInsertRow, sqlPutRow} {
		if _, err := c.ws.get(ctx, q); err != nil {
			c.Close()
			return nil, fmt.Errorf("index: prepare statements: %w", err)
		}
	}
	return c, nil
}

// Close stops the Put writer, then closes both pools. The rows the writer
// has taken are committed first; a Put still waiting fails.
func (c *Catalog) Close() error {
	c.closeOnce.Do(func() { close(c.closed) })
	<-c.writerDone
	return errors.Join(c.rs.close(), c.ws.close(), c.r.Close(), c.w.Close())
}

// migrate applies every embedded migration not yet recorded in schema_migrations,
// in file-name order, each in its own transaction.
func (c *Catalog) migrate(ctx context.Context) error {
	const create = `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		name       TEXT    NOT NULL,
		applied_at BIGINT  NOT NULL
	)`
	if _, err := c.w.ExecContext(ctx, create); err != nil {
		return fmt.Errorf("index: create schema_migrations: %w", err)
	}
	names, err := fs.Glob(migrationFS, "migrations/*.sql")
	if err != nil {
		return fmt.Errorf("index: list migrations: %w", err)
	}
	sort.Strings(names)
	for _, name := range names {
		base := strings.TrimPrefix(name, "migrations/")
		num, _, ok := strings.Cut(base, "_")
		version, err := strconv.Atoi(num)
		if !ok || err != nil {
			return fmt.Errorf("index: migration %s: name must start with a number and '_'", base)
		}
		body, err := migrationFS.ReadFile(name)
		if err != nil {
			return fmt.Errorf("index: read migration %s: %w", base, err)
		}
		if err := c.applyMigration(ctx, version, base, string(body)); err != nil {
			return err
		}
	}
	return nil
}

func (c *Catalog) applyMigration(ctx context.Context, version int, name, body string) error {
	tx, err := c.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("index: migration %s: %w", name, err)
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE version = ?`, version).Scan(&n); err != nil {
		return fmt.Errorf("index: migration %s: %w", name, err)
	}
	if n > 0 {
		return nil
	}
	if _, err := tx.ExecContext(ctx, body); err != nil {
		return fmt.Errorf("index: migration %s: %w", name, err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
		version, name, time.Now().UnixNano()); err != nil {
		return fmt.Errorf("index: migration %s: %w", name, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("index: migration %s: %w", name, err)
	}
	return nil
}

// columns is the select list scanEntry reads, in order.
const columns = `space, kind, id, version_original, version_full, listed, published, size,
	sha512, sha1, sha256, extension, blob_key, file_mtime, downloads, manifest`

type scanner interface{ Scan(dest ...any) error }

func scanEntry(s scanner) (Entry, error) {
	var (
		e                   Entry
		kind, id, orig, ful string
		published, mtime    sql.NullInt64
		blobKey, manifest   sql.NullString
	)
	err := s.Scan(&e.Space, &kind, &id, &orig, &ful, &e.Listed, &published, &e.Size,
		&e.SHA512, &e.SHA1, &e.SHA256, &e.Extension, &blobKey, &mtime, &e.Downloads, &manifest)
	if err != nil {
		return Entry{}, err
	}
	e.Kind = Kind(kind)
	e.ID = nuget.ID(id)
	v, err := parseVersion(orig)
	if err != nil {
		// The original text was valid when stored; fall back to the normalised form.
		if v, err = parseVersion(ful); err != nil {
			return Entry{}, fmt.Errorf("index: stored version %q of %s: %w", orig, id, err)
		}
	}
	e.Version = v
	e.Published = fromNanos(published)
	e.ModTime = fromNanos(mtime)
	e.BlobKey = blobKey.String
	if manifest.Valid {
		m, err := decodeManifest([]byte(manifest.String))
		if err != nil {
			return Entry{}, fmt.Errorf("index: stored manifest of %s %s: %w", id, orig, err)
		}
		e.Manifest = m
	}
	return e, nil
}

// parseVersion is nuget.ParseVersion, falling back to the lenient parse of
// Octopus file names (numeric prerelease labels with leading zeros, as in
// MyApp.2016.09.01-beta.0001.zip), which raw archives are catalogued with.
func parseVersion(s string) (nuget.Version, error) {
	v, err := nuget.ParseVersion(s)
	if err == nil {
		return v, nil
	}
	a, aerr := nuget.ParseArchiveName("v." + strings.TrimSpace(s) + ".zip")
	if aerr != nil {
		return nuget.Version{}, err
	}
	return a.Version, nil
}

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

// identity is the lowercased key of one row.
type identity struct {
	space   string
	kind    Kind
	id      string // lower
	version string // lower, normalised
}

func identityOf(e Entry) identity {
	return identity{e.Space, e.Kind, e.ID.Lower(), e.Version.Lower()}
}

// lookup turns caller input into an identity; ok is false when the version does
// not parse, which callers report as ErrNotFound.
func lookup(space string, kind Kind, id, version string) (identity, bool) {
	v, err := parseVersion(version)
	if err != nil {
		return identity{}, false
	}
	return identity{space, kind, nuget.ID(id).Lower(), v.Lower()}, true
}

func (k identity) String() string {
	return fmt.Sprintf("%s/%s/%s/%s", k.space, k.kind, k.id, k.version)
}

func validEntry(e Entry) error {
	switch {
	case e.Space == "":
		return fmt.Errorf("index: entry without space: %w", nuget.ErrInvalidPackage)
	case e.Kind == "":
		return fmt.Errorf("index: entry without kind: %w", nuget.ErrInvalidPackage)
	case e.ID == "":
		return fmt.Errorf("index: entry without id: %w", nuget.ErrInvalidPackage)
	case e.Version.IsZero():
		return fmt.Errorf("index: entry %s without version: %w", e.ID, nuget.ErrInvalidPackage)
	}
	return nil
}

// Insert adds a row; it fails with ErrExists when the identity (or the blob key)
// is already catalogued. A new version of a known id keeps the id's casing from
// its first push, so one id never shows two spellings.
func (c *Catalog) Insert(ctx context.Context, e Entry) error {
	if err := validEntry(e); err != nil {
		return err
	}
	tx, err := c.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("index: insert %s: %w", identityOf(e), err)
	}
	defer tx.Rollback()
	if err := c.writeRow(ctx, tx, sqlInsertRow, e); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("index: insert %s: %w", identityOf(e), err)
	}
	return nil
}

// Put inserts or replaces a row. A replaced row takes every value from e except
// Downloads: the count belongs to the identity, not to the file, so a re-push
// does not reset it (nor can a caller inflate it through Put).
//
// Concurrent Puts are committed together: one goroutine owns the writer
// connection for them and writes whatever has queued up in one transaction.
// Once queued, a Put is committed even if ctx ends, and Put waits for it, so
// the caller always learns whether the row exists.
func (c *Catalog) Put(ctx context.Context, e Entry) error {
	if err := validEntry(e); err != nil {
		return err
	}
	req := putReq{e: e, done: make(chan error, 1)}
	select {
	case c.puts <- req:
	case <-ctx.Done():
		return fmt.Errorf("index: put %s: %w", identityOf(e), ctx.Err())
	case <-c.closed:
		return fmt.Errorf("index: put %s: %w", identityOf(e), errClosed)
	}
	return <-req.done
}

// errClosed is a Put after Close.
var errClosed = errors.New("the catalogue is closed")

// keyed is the context for a lookup by key, which takes microseconds (or a
// few milliseconds for an id with thousands of versions). Without a Done
// channel, database/sql starts no goroutine per query to watch for
// cancellation; with one, waking that goroutine cost a push more than the
// lookup did. A caller whose context is already done gets its error and no
// lookup.
func keyed(ctx context.Context) (context.Context, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return context.WithoutCancel(ctx), nil
}

// maxPutBatch bounds one group commit, so a burst of pushes still commits in
// steps of a few milliseconds.
const maxPutBatch = 64

// putReq is one Put waiting for the batch writer.
type putReq struct {
	e    Entry
	done chan error // buffered: the writer never waits for the caller
}

// writePuts is the goroutine that commits Puts. Pushes from 8 clients used
// to queue for the writer connection, each paying for its own transaction;
// now whoever queues while one transaction commits shares the next one.
func (c *Catalog) writePuts() {
	defer close(c.writerDone)
	ctx := context.Background() // callers wait for the outcome, so a write is never abandoned
	for {
		var batch []putReq
		select {
		case r := <-c.puts:
			batch = append(batch, r)
		case <-c.closed:
			return
		}
	drain:
		for len(batch) < maxPutBatch {
			select {
			case r := <-c.puts:
				batch = append(batch, r)
			default:
				break drain
			}
		}
		if len(batch) > 1 {
			if err := c.putRows(ctx, batch); err == nil {
				for _, r := range batch {
					r.done <- nil
				}
				continue
			}
			// One bad row must not fail the others: each gets its own
			// transaction and hears its own outcome.
		}
		for _, r := range batch {
			r.done <- c.putRows(ctx, []putReq{r})
		}
	}
}

// putRows writes the rows of batch in one transaction.
func (c *Catalog) putRows(ctx context.Context, batch []putReq) error {
	k := identityOf(batch[0].e)
	tx, err := c.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("index: put %s: %w", k, err)
	}
	defer tx.Rollback()
	for _, r := range batch {
		if err := c.putRow(ctx, tx, r.e); err != nil {
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		return diskFull(fmt.Errorf("index: put %s: %w", k, err))
	}
	return nil
}

// putRow inserts or replaces e's row inside tx, in one statement: a lookup of
// the old row's downloads and a delete before the insert cost a push three
// more statements, and database/sql a goroutine for each query in a
// transaction.
func (c *Catalog) putRow(ctx context.Context, tx *sql.Tx, e Entry) error {
	return diskFull(c.writeRow(ctx, tx, sqlPutRow, e))
}

// diskFull makes SQLite's "database or disk is full" an out-of-space error
// that errors.Is(err, syscall.ENOSPC) recognises, so a push that fails on it
// answers 507 like a push whose file did not fit.
func diskFull(err error) error {
	var se sqlite3.Error
	if errors.As(err, &se) && se.Code == sqlite3.ErrFull {
		return fmt.Errorf("%w (%w)", err, syscall.ENOSPC)
	}
	return err
}

// writeRow runs query (sqlInsertRow or sqlPutRow) with e's columns inside tx.
func (c *Catalog) writeRow(ctx context.Context, tx *sql.Tx, query string, e Entry) error {
	k := identityOf(e)
	var (
		manifest                    sql.NullString
		title, description, authors string
		tags                        string
		semver2                     = e.Version.IsSemVer2()
	)
	if e.Manifest != nil {
		b, err := encodeManifest(e.Manifest)
		if err != nil {
			return fmt.Errorf("index: encode manifest of %s: %w", k, err)
		}
		manifest = sql.NullString{String: string(b), Valid: true}
		title, description = e.Manifest.Title, e.Manifest.Description
		authors, tags = strings.Join(e.Manifest.Authors, ", "), strings.Join(e.Manifest.Tags, " ")
		semver2 = semver2 || e.Manifest.IsSemVer2()
	}
	st, err := c.ws.inTx(ctx, tx, query)
	if err != nil {
		return fmt.Errorf("index: insert %s: %w", k, err)
	}
	_, err = st.ExecContext(ctx,
		e.Space, string(e.Kind), string(e.ID), k.id, e.Version.String(), k.version,
		e.Version.Original(), e.Version.Full(),
		e.Version.IsPrerelease(), semver2, e.Listed, toNanos(e.Published), e.Size,
		e.SHA512, e.SHA1, e.SHA256, e.Extension,
		nullString(e.BlobKey), toNanos(e.ModTime), e.Downloads, title, description, authors, tags, manifest)
	if isUniqueViolation(err) {
		return fmt.Errorf("index: insert %s (blob %q): %w", k, e.BlobKey, ErrExists)
	}
	if err != nil {
		return fmt.Errorf("index: insert %s: %w", k, err)
	}
	return nil
}

func isUniqueViolation(err error) bool {
	var se sqlite3.Error
	return errors.As(err, &se) &&
		(se.ExtendedCode == sqlite3.ErrConstraintUnique || se.ExtendedCode == sqlite3.ErrConstraintPrimaryKey)
}

// Get returns one row; id and version are matched case-insensitively on their
// normalised forms, and a version that does not parse is simply not found.
func (c *Catalog) Get(ctx context.Context, space string, kind Kind, id string, version string) (Entry, error) {
	k, ok := lookup(space, kind, id, version)
	if !ok {
		return Entry{}, fmt.Errorf("index: %s %s %s %q: %w", space, kind, id, version, ErrNotFound)
	}
	ctx, err := keyed(ctx)
	if err != nil {
		return Entry{}, fmt.Errorf("index: get %s: %w", k, err)
	}
	st, err := c.rs.get(ctx, `SELECT `+columns+` FROM packages
		WHERE space = ? AND kind = ? AND id_lower = ? AND version_lower = ?`)
	if err != nil {
		return Entry{}, fmt.Errorf("index: get %s: %w", k, err)
	}
	e, err := scanEntry(st.QueryRowContext(ctx, k.space, string(k.kind), k.id, k.version))
	if errors.Is(err, sql.ErrNoRows) {
		return Entry{}, fmt.Errorf("index: %s: %w", k, ErrNotFound)
	}
	if err != nil {
		return Entry{}, fmt.Errorf("index: get %s: %w", k, err)
	}
	return e, nil
}

// Versions returns every version of one id, ascending by NuGet's ordering,
// unlisted ones included; an unknown id gives an empty slice.
func (c *Catalog) Versions(ctx context.Context, space string, kind Kind, id string) ([]Entry, error) {
	lower := nuget.ID(id).Lower()
	ctx, err := keyed(ctx)
	if err != nil {
		return nil, fmt.Errorf("index: versions of %s/%s/%s: %w", space, kind, lower, err)
	}
	st, err := c.rs.get(ctx, `SELECT `+columns+` FROM packages
		WHERE space = ? AND kind = ? AND id_lower = ?`)
	if err != nil {
		return nil, fmt.Errorf("index: versions of %s/%s/%s: %w", space, kind, lower, err)
	}
	rows, err := st.QueryContext(ctx, space, string(kind), lower)
	if err != nil {
		return nil, fmt.Errorf("index: versions of %s/%s/%s: %w", space, kind, lower, err)
	}
	defer rows.Close()
	out := []Entry{}
	for rows.Next() {
		e, err := scanEntry(rows)
		if err != nil {
			return nil, fmt.Errorf("index: versions of %s/%s/%s: %w", space, kind, lower, err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("index: versions of %s/%s/%s: %w", space, kind, lower, err)
	}
	slices.SortFunc(out, func(a, b Entry) int { return nuget.CompareVersions(a.Version, b.Version) })
	return out, nil
}

// exec runs one identity-addressed write and reports ErrNotFound when no row matched.
func (c *Catalog) exec(ctx context.Context, what string, k identity, ok bool, query string, args ...any) error {
	if !ok {
		return fmt.Errorf("index: %s %s: %w", what, k, ErrNotFound)
	}
	args = append(args, k.space, string(k.kind), k.id, k.version)
	res, err := c.w.ExecContext(ctx, query+` WHERE space = ? AND kind = ? AND id_lower = ? AND version_lower = ?`, args...)
	if err != nil {
		return fmt.Errorf("index: %s %s: %w", what, k, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("index: %s %s: %w", what, k, err)
	}
	if n == 0 {
		return fmt.Errorf("index: %s %s: %w", what, k, ErrNotFound)
	}
	return nil
}

// Delete removes one row.
func (c *Catalog) Delete(ctx context.Context, space string, kind Kind, id, version string) error {
	k, ok := lookup(space, kind, id, version)
	return c.exec(ctx, "delete", k, ok, `DELETE FROM packages`)
}

// SetListed lists or unlists one version.
func (c *Catalog) SetListed(ctx context.Context, space string, kind Kind, id, version string, listed bool) error {
	k, ok := lookup(space, kind, id, version)
	return c.exec(ctx, "set listed", k, ok, `UPDATE packages SET listed = ?`, listed)
}

// AddDownloads adds n downloads to one version. It is a single UPDATE on the
// writer connection; feed batches counts so a download costs no write.
func (c *Catalog) AddDownloads(ctx context.Context, space string, kind Kind, id, version string, n int64) error {
	k, ok := lookup(space, kind, id, version)
	return c.exec(ctx, "add downloads", k, ok, `UPDATE packages SET downloads = downloads + ?`, n)
}

// Files yields the file columns of every row with a blob key, ordered by blob
// key in byte order (SQLite's BINARY collation; PostgreSQL needs COLLATE "C"),
// for a merge-join with the storage listing. It reads in short pages, so the
// caller may write to the catalogue while iterating.
func (c *Catalog) Files(ctx context.Context) iter.Seq2[FileRow, error] {
	return func(yield func(FileRow, error) bool) {
		after := ""
		for {
			page, err := c.filesAfter(ctx, after)
			if err != nil {
				yield(FileRow{}, err)
				return
			}
			for _, f := range page {
				if !yield(f, nil) {
					return
				}
			}
			if len(page) < filesPage {
				return
			}
			after = page[len(page)-1].BlobKey
		}
	}
}

func (c *Catalog) filesAfter(ctx context.Context, after string) ([]FileRow, error) {
	rows, err := c.r.QueryContext(ctx, `SELECT blob_key, size, file_mtime FROM packages
		WHERE blob_key IS NOT NULL AND blob_key > ? ORDER BY blob_key LIMIT ?`, after, filesPage)
	if err != nil {
		return nil, fmt.Errorf("index: files: %w", err)
	}
	defer rows.Close()
	var page []FileRow
	for rows.Next() {
		var (
			f     FileRow
			mtime sql.NullInt64
		)
		if err := rows.Scan(&f.BlobKey, &f.Size, &mtime); err != nil {
			return nil, fmt.Errorf("index: files: %w", err)
		}
		f.ModTime = fromNanos(mtime)
		page = append(page, f)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("index: files: %w", err)
	}
	return page, nil
}

// EntryByBlobKey returns the row whose file is key.
func (c *Catalog) EntryByBlobKey(ctx context.Context, key string) (Entry, error) {
	ctx, err := keyed(ctx)
	if err != nil {
		return Entry{}, fmt.Errorf("index: blob %q: %w", key, err)
	}
	e, err := scanEntry(c.r.QueryRowContext(ctx, `SELECT `+columns+` FROM packages WHERE blob_key = ?`, key))
	if errors.Is(err, sql.ErrNoRows) {
		return Entry{}, fmt.Errorf("index: blob %q: %w", key, ErrNotFound)
	}
	if err != nil {
		return Entry{}, fmt.Errorf("index: blob %q: %w", key, err)
	}
	return e, nil
}

// DeleteByBlobKey removes the row whose file is key and returns it, so the
// caller can update the search document of its id.
func (c *Catalog) DeleteByBlobKey(ctx context.Context, key string) (Entry, error) {
	tx, err := c.w.BeginTx(ctx, nil)
	if err != nil {
		return Entry{}, fmt.Errorf("index: delete blob %q: %w", key, err)
	}
	defer tx.Rollback()
	e, err := scanEntry(tx.QueryRowContext(ctx, `SELECT `+columns+` FROM packages WHERE blob_key = ?`, key))
	if errors.Is(err, sql.ErrNoRows) {
		return Entry{}, fmt.Errorf("index: delete blob %q: %w", key, ErrNotFound)
	}
	if err != nil {
		return Entry{}, fmt.Errorf("index: delete blob %q: %w", key, err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM packages WHERE blob_key = ?`, key); err != nil {
		return Entry{}, fmt.Errorf("index: delete blob %q: %w", key, err)
	}
	if err := tx.Commit(); err != nil {
		return Entry{}, fmt.Errorf("index: delete blob %q: %w", key, err)
	}
	return e, nil
}

// PackageIDs pages through the distinct lowercased ids of one space and kind,
// in byte order, starting after the given id ("" for the first page).
func (c *Catalog) PackageIDs(ctx context.Context, space string, kind Kind, after string, limit int) ([]string, error) {
	if limit <= 0 {
		limit = 500
	}
	rows, err := c.r.QueryContext(ctx, `SELECT DISTINCT id_lower FROM packages
		WHERE space = ? AND kind = ? AND id_lower > ? ORDER BY id_lower LIMIT ?`,
		space, string(kind), strings.ToLower(after), limit)
	if err != nil {
		return nil, fmt.Errorf("index: package ids: %w", err)
	}
	defer rows.Close()
	ids := []string{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("index: package ids: %w", err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("index: package ids: %w", err)
	}
	return ids, nil
}

// Counts returns the number of distinct ids (per space and kind) and of rows.
func (c *Catalog) Counts(ctx context.Context) (ids, versions int64, err error) {
	err = c.r.QueryRowContext(ctx, `SELECT
		(SELECT COUNT(*) FROM (SELECT DISTINCT space, kind, id_lower FROM packages) AS d),
		(SELECT COUNT(*) FROM packages)`).Scan(&ids, &versions)
	if err != nil {
		return 0, 0, fmt.Errorf("index: counts: %w", err)
	}
	return ids, versions, nil
}

// spaceKind is one (space, kind) pair present in the catalogue.
type spaceKind struct {
	space string
	kind  Kind
}

func (c *Catalog) spaceKinds(ctx context.Context) ([]spaceKind, error) {
	rows, err := c.r.QueryContext(ctx, `SELECT DISTINCT space, kind FROM packages ORDER BY space, kind`)
	if err != nil {
		return nil, fmt.Errorf("index: spaces: %w", err)
	}
	defer rows.Close()
	var out []spaceKind
	for rows.Next() {
		var sk spaceKind
		var kind string
		if err := rows.Scan(&sk.space, &kind); err != nil {
			return nil, fmt.Errorf("index: spaces: %w", err)
		}
		sk.kind = Kind(kind)
		out = append(out, sk)
	}
	return out, rows.Err()
}

// hasListed reports whether an id has at least one listed version.
func (c *Catalog) hasListed(ctx context.Context, space string, kind Kind, idLower string) (bool, error) {
	var n int
	err := c.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM packages
		WHERE space = ? AND kind = ? AND id_lower = ? AND listed = ?`, space, string(kind), idLower, true).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("index: listed %s/%s/%s: %w", space, kind, idLower, err)
	}
	return n > 0, nil
}
