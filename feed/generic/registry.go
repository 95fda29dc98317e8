package generic

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"log/slog"
	"strings"
	"time"

	"github.com/feedserver/feedserver/feed/internal/fault"
	"github.com/feedserver/feedserver/feed/internal/keylock"
	"github.com/feedserver/feedserver/feed/internal/spool"
	"github.com/feedserver/feedserver/index"
	"github.com/feedserver/feedserver/storage"
)

// maxRefSize bounds what is read as a reference file (a few hundred bytes).
const maxRefSize = 64 << 10

// Options configures a Registry. feed.New fills it from the feed's own, so
// that pushes of every kind share one spool and one set of metrics.
type Options struct {
	Logger *slog.Logger
	// Spooler stages uploads; nil stages them in the registry's store with no
	// size limit and counts the bytes nowhere.
	Spooler *spool.Spooler
	// Pushed, when set, learns the outcome of every Put (feedserver_pushes_total).
	Pushed func(protocol string, err error)
	// Deleted, when set, is called for every version that goes (feedserver_deletes_total).
	Deleted func()
}

// Registry is the generic package registry. It is safe for concurrent use.
type Registry struct {
	store   storage.Store
	catalog index.Catalog
	spool   *spool.Spooler
	opts    Options
	log     *slog.Logger
	locks   keylock.Locks // versions, blobs and the re-index
}

// New returns a Registry over a blob store and a catalogue.
func New(store storage.Store, catalog index.Catalog, opts Options) *Registry {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Spooler == nil {
		opts.Spooler = spool.New(store, spool.Options{})
	}
	if opts.Pushed == nil {
		opts.Pushed = func(string, error) {}
	}
	if opts.Deleted == nil {
		opts.Deleted = func() {}
	}
	return &Registry{store: store, catalog: catalog, spool: opts.Spooler, opts: opts, log: opts.Logger}
}

// Upload is one file upload.
type Upload struct {
	Owner    string // lowercase; EnsureOwner has let the uploader use it
	Name     string
	Version  string
	FileName string
	Body     io.Reader
	Protocol string // metrics label; "" is "generic"
}

// File describes one stored file of a package.
type File struct {
	Owner    string
	Name     string // as first pushed
	Version  string // as pushed with this file
	FileName string // as pushed
	SHA256   string // lowercase hex
	Size     int64
	Created  time.Time
}

// Version is one version of a package and its files, oldest first.
type Version struct {
	Version string // the spelling of its first file's push
	Created time.Time
	Files   []File
}

// Updated is when the version last got a file: its age for retention.
func (v Version) Updated() time.Time {
	t := v.Created
	for _, f := range v.Files {
		if f.Created.After(t) {
			t = f.Created
		}
	}
	return t
}

// ExistsError reports a Put of a file name that the version already has.
type ExistsError struct{ File File }

func (e *ExistsError) Error() string {
	return fmt.Sprintf("a file named %q already exists in version %q of package %q (file names are unique per version, ignoring case); delete it first",
		e.File.FileName, e.File.Version, e.File.Name)
}

// Is makes errors.Is(err, feed.ErrExists) true.
func (e *ExistsError) Is(target error) bool { return target == fault.ErrExists }

// ref is the JSON file that records one file on disk: the truth the
// catalogue's generic_files rows are rebuilt from.
type ref struct {
	Owner    string    `json:"owner"`
	Name     string    `json:"name"`
	Version  string    `json:"version"`
	FileName string    `json:"fileName"`
	SHA256   string    `json:"sha256"`
	Size     int64     `json:"size"`
	Created  time.Time `json:"created"`
}

func (r ref) file() File { return File(r) }

func (r ref) row(refKey string) index.GenericFile {
	return index.GenericFile{Owner: r.Owner, Name: r.Name, Version: r.Version, FileName: r.FileName,
		SHA256: r.SHA256, Size: r.Size, Created: r.Created, RefKey: refKey}
}

// readRef reads and checks the reference file at key.
func (r *Registry) readRef(ctx context.Context, key string) (ref, error) {
	b, err := r.store.Open(ctx, key)
	if errors.Is(err, storage.ErrNotFound) {
		return ref{}, fmt.Errorf("%w: %s", fault.ErrNotFound, key)
	}
	if err != nil {
		return ref{}, fmt.Errorf("open %s: %w", key, err)
	}
	defer b.Close()
	data, err := io.ReadAll(io.LimitReader(b, maxRefSize+1))
	if err != nil {
		return ref{}, fmt.Errorf("read %s: %w", key, err)
	}
	if len(data) > maxRefSize {
		return ref{}, fmt.Errorf("read %s: larger than %d bytes, not a reference file", key, maxRefSize)
	}
	var rf ref
	if err := json.Unmarshal(data, &rf); err != nil {
		return ref{}, fmt.Errorf("read %s: %w", key, err)
	}
	if !sha256Re.MatchString(rf.SHA256) || rf.Size < 0 {
		return ref{}, fmt.Errorf("read %s: no valid sha256 and size", key)
	}
	return rf, nil
}

// Put stores one file: it streams the body to a stage in the store while
// hashing it, then, under the version's lock, refuses a name the version
// already has (409), installs the blob unless that content is already
// stored, writes the reference file and the catalogue row. A crash leaves
// at worst an unreferenced blob, which the re-index sweeps.
func (r *Registry) Put(ctx context.Context, req Upload) (_ File, err error) {
	protocol := req.Protocol
	if protocol == "" {
		protocol = "generic"
	}
	defer func() { r.opts.Pushed(protocol, err) }()

	id, err := newFileIDOf(req.Owner, req.Name, req.Version, req.FileName)
	if err != nil {
		return File{}, err
	}
	up, err := r.spool.Spool(ctx, req.Body, protocol, spool.SHA256)
	if err != nil {
		return File{}, err
	}
	defer up.Discard()

	unlock := r.locks.Lock(id.lockKey())
	defer unlock()
	if _, err := r.store.Stat(ctx, id.refKey); err == nil {
		existing := File{Owner: id.owner, Name: id.name, Version: id.version, FileName: id.file}
		if rf, err := r.readRef(ctx, id.refKey); err == nil {
			existing = rf.file()
		}
		return File{}, &ExistsError{File: existing}
	} else if !errors.Is(err, storage.ErrNotFound) {
		return File{}, fmt.Errorf("look up %s: %w", id.refKey, err)
	}
	name, err := r.packageName(ctx, id)
	if err != nil {
		return File{}, err
	}

	unlockBlob := r.locks.Lock(blobLock(up.SHA256))
	defer unlockBlob()
	blob := blobKey(up.SHA256)
	if _, err := r.store.Stat(ctx, blob); errors.Is(err, storage.ErrNotFound) {
		// Create-only: a blob is never rewritten, and a store shared by
		// several processes decides a race for one content here.
		_, err := up.Staged.Commit(ctx, blob, storage.CommitOptions{CreateOnly: true})
		if err != nil && !errors.Is(err, storage.ErrExists) {
			return File{}, fmt.Errorf("store %s: %w", blob, err)
		}
	} else if err != nil {
		return File{}, fmt.Errorf("look up blob %s: %w", blob, err)
	}
	rf := ref{Owner: id.owner, Name: name, Version: id.version, FileName: id.file,
		SHA256: up.SHA256, Size: up.Size, Created: time.Now().UTC()}
	data, err := json.MarshalIndent(rf, "", "  ")
	if err != nil {
		return File{}, fmt.Errorf("encode %s: %w", id.refKey, err)
	}
	if _, err := r.store.Put(ctx, id.refKey, bytes.NewReader(append(data, '\n'))); err != nil {
		return File{}, fmt.Errorf("store %s: %w", id.refKey, err)
	}
	if err := r.catalog.PutGenericFile(ctx, rf.row(id.refKey)); err != nil {
		// Undo the reference so disk and catalogue agree; the blob goes at the next sweep.
		if derr := r.store.Delete(ctx, id.refKey); derr != nil {
			r.log.Error("generic: remove reference after a catalogue failure", "key", id.refKey, "err", derr)
		}
		return File{}, fmt.Errorf("catalogue %s: %w", id.refKey, err)
	}
	return rf.file(), nil
}

// packageName is the spelling the package was first pushed with, so one
// package never shows two spellings; the caller holds the version lock.
func (r *Registry) packageName(ctx context.Context, id fileID) (string, error) {
	rows, err := r.catalog.GenericFiles(ctx, id.owner, id.name)
	if err != nil {
		return "", err
	}
	if len(rows) > 0 {
		return rows[0].Name, nil
	}
	return id.name, nil
}

// Open opens a stored file. It reads the reference file on disk, not the
// catalogue, so it answers correctly while a re-index runs.
func (r *Registry) Open(ctx context.Context, owner, name, version, fileName string) (storage.Blob, File, error) {
	id, err := newFileIDOf(owner, name, version, fileName)
	if err != nil {
		return nil, File{}, err
	}
	rf, err := r.readRef(ctx, id.refKey)
	if err != nil {
		return nil, File{}, err
	}
	b, err := r.store.Open(ctx, blobKey(rf.SHA256))
	if errors.Is(err, storage.ErrNotFound) {
		r.log.Error("generic: the content of a file is missing", "ref", id.refKey, "sha256", rf.SHA256)
		return nil, File{}, fmt.Errorf("%w: the content of %s is missing", fault.ErrNotFound, fileName)
	}
	if err != nil {
		return nil, File{}, fmt.Errorf("open blob %s: %w", rf.SHA256, err)
	}
	return b, rf.file(), nil
}

// DeleteFile deletes one file; a version whose last file goes is gone too
// (a version is its files). The blob goes when no other file uses it.
func (r *Registry) DeleteFile(ctx context.Context, owner, name, version, fileName string) (File, error) {
	id, err := newFileIDOf(owner, name, version, fileName)
	if err != nil {
		return File{}, err
	}
	unlock := r.locks.Lock(id.lockKey())
	rf, err := r.deleteRef(ctx, id.refKey)
	lastFile := false
	if err == nil {
		lastFile = r.versionEmpty(ctx, id)
	}
	unlock()
	if err != nil {
		return File{}, err
	}
	if lastFile {
		r.opts.Deleted()
	}
	r.collectBlob(ctx, rf.SHA256)
	return rf.file(), nil
}

// DeleteVersion deletes every file of a version.
func (r *Registry) DeleteVersion(ctx context.Context, owner, name, version string) ([]File, error) {
	id, err := newFileID(owner, name, version, "")
	if err != nil {
		return nil, err
	}
	unlock := r.locks.Lock(id.lockKey())
	var (
		keys    []string
		deleted []File
		errs    []error
	)
	// Listed first, deleted after: a delete prunes folders the walk would still read.
	for info, err := range r.store.List(ctx, id.dir+"/") {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if strings.HasSuffix(info.Key, refSuffix) {
			keys = append(keys, info.Key)
		}
	}
	for _, key := range keys {
		rf, err := r.deleteRef(ctx, key)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		deleted = append(deleted, rf.file())
	}
	unlock()
	for _, d := range deleted {
		r.collectBlob(ctx, d.SHA256)
	}
	if err := errors.Join(errs...); err != nil {
		return deleted, fmt.Errorf("delete version %s of %s: %w", version, name, err)
	}
	if len(deleted) == 0 {
		return nil, fmt.Errorf("%w: version %s of package %s", fault.ErrNotFound, version, name)
	}
	r.opts.Deleted()
	return deleted, nil
}

// deleteRef removes a reference file, then its catalogue row: a crash in
// between leaves a row the re-index drops, never a file it would bring back.
// The caller holds the version lock.
func (r *Registry) deleteRef(ctx context.Context, key string) (ref, error) {
	rf, err := r.readRef(ctx, key)
	if err != nil {
		return ref{}, err
	}
	if err := r.store.Delete(ctx, key); err != nil {
		return ref{}, fmt.Errorf("delete %s: %w", key, err)
	}
	if err := r.catalog.DeleteGenericFile(ctx, key); err != nil && !errors.Is(err, index.ErrNotFound) {
		r.log.Error("generic: uncatalogue a deleted file; the re-index will", "key", key, "err", err)
	}
	return rf, nil
}

func (r *Registry) versionEmpty(ctx context.Context, id fileID) bool {
	for info, err := range r.store.List(ctx, id.dir+"/") {
		if err == nil && strings.HasSuffix(info.Key, refSuffix) {
			return false
		}
	}
	return true
}

// collectBlob deletes a blob no file refers to any more. It holds the blob's
// lock, which a put of the same content holds from finding the blob to
// cataloguing its reference, so the two cannot cross. Reference counts come
// from the catalogue, so until a complete re-index has filled it (after the
// catalogue was deleted) nothing is collected: the re-index sweeps instead.
func (r *Registry) collectBlob(ctx context.Context, sha string) {
	if !sha256Re.MatchString(sha) {
		return
	}
	unlock := r.locks.Lock(blobLock(sha))
	defer unlock()
	indexed, err := r.catalog.GenericIndexed(ctx)
	if err != nil || !indexed {
		if err != nil {
			r.log.Warn("generic: blob collection skipped", "sha256", sha, "err", err)
		}
		return
	}
	n, err := r.catalog.GenericBlobRefs(ctx, sha)
	if err != nil {
		r.log.Warn("generic: blob collection skipped", "sha256", sha, "err", err)
		return
	}
	if n > 0 {
		return
	}
	if err := r.store.Delete(ctx, blobKey(sha)); err != nil {
		r.log.Warn("generic: delete unreferenced blob", "sha256", sha, "err", err)
	}
}

// Versions returns the versions of one package with their files, oldest
// version first; an unknown package is an empty slice.
func (r *Registry) Versions(ctx context.Context, owner, name string) ([]Version, error) {
	if err := validateOwner(owner); err != nil {
		return nil, err
	}
	if err := ValidateName(name); err != nil {
		return nil, err
	}
	rows, err := r.catalog.GenericFiles(ctx, owner, name)
	if err != nil {
		return nil, fmt.Errorf("list %s/%s: %w", owner, name, err)
	}
	out := []Version{}
	at := map[string]int{}
	for _, row := range rows {
		if ValidateVersion(row.Version) != nil || ValidateFileName(row.FileName) != nil {
			// Stored before a rule refused it (version "."): its URL would be
			// refused, so no listing shows it.
			continue
		}
		file := File{Owner: row.Owner, Name: row.Name, Version: row.Version, FileName: row.FileName,
			SHA256: row.SHA256, Size: row.Size, Created: row.Created}
		lower := strings.ToLower(row.Version)
		i, ok := at[lower]
		if !ok {
			i = len(out)
			at[lower] = i
			out = append(out, Version{Version: row.Version, Created: row.Created})
		}
		out[i].Files = append(out[i].Files, file)
	}
	return out, nil
}

// Packages lists packages for browsing (the web page), most recently
// updated first: owner "" is every owner, text "" every name, else names
// containing it. Total counts every match.
func (r *Registry) Packages(ctx context.Context, owner, text string, skip, take int) ([]index.GenericPackage, int, error) {
	ps, total, err := r.catalog.GenericPackages(ctx, owner, text, max(skip, 0), take)
	if err != nil {
		return nil, 0, fmt.Errorf("list generic packages: %w", err)
	}
	return ps, total, nil
}

// PackageRef names one package: its owner and its lowercased name.
type PackageRef struct{ Owner, Name string }

// AllPackages yields every package with a catalogued file, each once, in
// the catalogue's key order, after the walk has passed its last file: the
// caller may delete its files (retention does). A reference key it cannot
// read is logged and skipped.
func (r *Registry) AllPackages(ctx context.Context) iter.Seq2[PackageRef, error] {
	return func(yield func(PackageRef, error) bool) {
		var current PackageRef
		for key, err := range r.catalog.GenericRefKeys(ctx) {
			if err != nil {
				yield(PackageRef{}, err)
				return
			}
			owner, name, ok := packageOf(key)
			if !ok {
				r.log.Warn("generic: skipping a reference key it cannot read", "key", key)
				continue
			}
			// Keys come in byte order, so the files of one package are contiguous.
			p := PackageRef{owner, name}
			if p == current {
				continue
			}
			if current != (PackageRef{}) && !yield(current, nil) {
				return
			}
			current = p
		}
		if current != (PackageRef{}) {
			yield(current, nil)
		}
	}
}
