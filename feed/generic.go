package feed

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/feedserver/feedserver/index"
	"github.com/feedserver/feedserver/storage"
)

// Generic packages (Gitea's generic registry): files under owner / package
// name / version / file name. Each file's bytes are stored once per content,
// as a blob addressed by SHA-256; each file is a small JSON reference next to
// its siblings, which is what the re-index reads back. See doc.go for the layout.

// The storage prefixes of generic packages.
const (
	genericBlobPrefix  = "generic/blobs/sha256/"
	genericOwnerPrefix = "generic/owners/"
	genericRefSuffix   = ".ref.json"
)

// Limits of generic names, in bytes. Versions are bounded by their stored
// (escaped) form, which must fit one 255-byte path segment.
const (
	MaxGenericNameLength     = 200
	MaxGenericFileNameLength = 200
	maxRefSize               = 64 << 10 // a reference file is a few hundred bytes
)

// GenericPut is one file upload to the generic registry.
type GenericPut struct {
	Owner    string // lowercase, already checked against the owner store by the caller
	Name     string
	Version  string
	FileName string
	Body     io.Reader
	Protocol string // metrics label; "" is "generic"
}

// GenericFile describes one stored file of a generic package.
type GenericFile struct {
	Owner    string
	Name     string // as first pushed
	Version  string // as pushed with this file
	FileName string // as pushed
	SHA256   string // lowercase hex
	Size     int64
	Created  time.Time
}

// GenericVersion is one version of a generic package and its files, oldest first.
type GenericVersion struct {
	Version string // the spelling of its first file's push
	Created time.Time
	Files   []GenericFile
}

// GenericExistsError reports a PUT of a file name that the version already has.
type GenericExistsError struct{ File GenericFile }

func (e *GenericExistsError) Error() string {
	return fmt.Sprintf("a file named %q already exists in version %q of package %q (file names are unique per version, ignoring case); delete it first",
		e.File.FileName, e.File.Version, e.File.Name)
}

// Is makes errors.Is(err, ErrExists) true.
func (e *GenericExistsError) Is(target error) bool { return target == ErrExists }

// InvalidGenericError says which part of a generic file's identity is
// refused and why; the protocol shows it in its 400.
type InvalidGenericError struct {
	Part   string // "owner", "package name", "version" or "file name"
	Value  string
	Reason string
}

func (e *InvalidGenericError) Error() string {
	v := e.Value
	if len(v) > 100 {
		v = v[:100] + "..."
	}
	return fmt.Sprintf("invalid %s %q: %s", e.Part, v, e.Reason)
}

// Is makes errors.Is(err, ErrInvalid) true.
func (e *InvalidGenericError) Is(target error) bool { return target == ErrInvalid }

// genericNameRe is Gitea's package name rule (`\A[-_+.\w]+\z`; \w is ASCII),
// which is also the rule for file names.
var genericNameRe = regexp.MustCompile(`^[A-Za-z0-9._+-]+$`)

// genericOwnerRe is what the feed accepts as an owner path segment; the owner
// grammar itself is auth.NormalizeOwner's.
var genericOwnerRe = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,63}$`)

const genericCharsRule = "it may contain only letters, digits, dots, hyphens, pluses and underscores"

// ValidateGenericName checks a package name: Gitea's rule, no "..", and a
// one-character name must be a letter or a digit.
func ValidateGenericName(name string) error {
	if reason := nameProblem(name, MaxGenericNameLength); reason != "" {
		return &InvalidGenericError{Part: "package name", Value: name, Reason: reason}
	}
	if len(name) == 1 && !isAlnum(name[0]) {
		return &InvalidGenericError{Part: "package name", Value: name, Reason: "a one-character name must be a letter or a digit"}
	}
	return nil
}

// ValidateGenericFileName checks a file name: the package name's characters,
// no "..", not ".".
func ValidateGenericFileName(name string) error {
	if reason := nameProblem(name, MaxGenericFileNameLength); reason != "" {
		return &InvalidGenericError{Part: "file name", Value: name, Reason: reason}
	}
	if name == "." {
		return &InvalidGenericError{Part: "file name", Value: name, Reason: `"." is not a file name`}
	}
	return nil
}

func nameProblem(name string, max int) string {
	switch {
	case name == "":
		return "it is empty"
	case strings.TrimSpace(name) != name:
		return "leading or trailing whitespace is not allowed"
	case strings.ContainsAny(name, `/\`):
		return "path separators are not allowed"
	case strings.Contains(name, ".."):
		return `".." is not allowed`
	case !genericNameRe.MatchString(name):
		return genericCharsRule
	case len(name) > max:
		return fmt.Sprintf("it is longer than %d characters", max)
	}
	return ""
}

// ValidateGenericVersion checks a version: Gitea's rule (free text, not empty,
// no leading or trailing whitespace; inner spaces are fine) plus what keeps it
// one safe path segment: no separators, no "..", no control characters.
func ValidateGenericVersion(v string) error {
	fail := func(reason string) error { return &InvalidGenericError{Part: "version", Value: v, Reason: reason} }
	switch {
	case v == "":
		return fail("it is empty")
	case !utf8.ValidString(v):
		return fail("it is not valid UTF-8")
	case strings.TrimSpace(v) != v:
		return fail("leading or trailing whitespace is not allowed")
	case strings.ContainsAny(v, `/\`):
		return fail("path separators are not allowed")
	case strings.Contains(v, ".."):
		return fail(`".." is not allowed`)
	case v == ".":
		// A path segment of its own: clients and proxies resolve it away,
		// so its download URL would name the package, not the version.
		return fail(`"." is not a version`)
	case strings.ContainsFunc(v, unicode.IsControl):
		return fail("control characters are not allowed")
	case len(encodeSegment(strings.ToLower(v))) > storage.MaxSegmentLen:
		return fail("it is too long")
	}
	return nil
}

func validateGenericOwner(owner string) error {
	if !genericOwnerRe.MatchString(owner) || strings.Contains(owner, "..") {
		return &InvalidGenericError{Part: "owner", Value: owner, Reason: "an owner is lowercase letters, digits, dots, hyphens and underscores"}
	}
	return nil
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// encodeSegment turns a lowercased name into one storage key segment,
// reversibly: bytes outside [a-z0-9_+-.] (and a leading '.') become 'Z' and
// two uppercase hex digits. Lowercased input never holds an uppercase letter,
// so a 'Z' is always an escape.
func encodeSegment(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '+' || c == '-' || c == '.' && i > 0 {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "Z%02X", c)
	}
	return b.String()
}

// decodeSegment reverses encodeSegment.
func decodeSegment(s string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != 'Z' {
			b.WriteByte(s[i])
			continue
		}
		if i+2 >= len(s) {
			return "", fmt.Errorf("segment %q: escape cut short", s)
		}
		d, err := hex.DecodeString(s[i+1 : i+3])
		if err != nil {
			return "", fmt.Errorf("segment %q: bad escape: %w", s, err)
		}
		b.WriteByte(d[0])
		i += 2
	}
	return b.String(), nil
}

// genericID is a validated file (or version, when file is "") and its keys.
type genericID struct {
	owner, name, version, file string
	dir                        string // the version's folder: "generic/owners/{o}/{n}/{v}"
	refKey                     string // "" for a version
}

func newGenericID(owner, name, version, file string) (genericID, error) {
	if err := validateGenericOwner(owner); err != nil {
		return genericID{}, err
	}
	if err := ValidateGenericName(name); err != nil {
		return genericID{}, err
	}
	if err := ValidateGenericVersion(version); err != nil {
		return genericID{}, err
	}
	id := genericID{owner: owner, name: name, version: version, file: file}
	id.dir = genericOwnerPrefix + encodeSegment(owner) + "/" + encodeSegment(strings.ToLower(name)) + "/" +
		encodeSegment(strings.ToLower(version))
	if file != "" {
		if err := ValidateGenericFileName(file); err != nil {
			return genericID{}, err
		}
		id.refKey = id.dir + "/" + encodeSegment(strings.ToLower(file)) + genericRefSuffix
	}
	key := id.dir
	if id.refKey != "" {
		key = id.refKey
	}
	if err := storage.ValidKey(key); err != nil {
		// Every part was checked above; this is the safety net for the key grammar.
		return genericID{}, &InvalidGenericError{Part: "path", Value: name + "/" + version + "/" + file, Reason: "it cannot be stored: " + err.Error()}
	}
	return id, nil
}

// lockKey serialises work on one version. Keys under "generic/" never meet
// the lock keys of spaces ("spaces-1/...").
func (id genericID) lockKey() string { return id.dir }

func genericBlobKey(sha string) string { return genericBlobPrefix + sha[:2] + "/" + sha }

func genericBlobLock(sha string) string { return "generic/blob-lock/" + sha }

const genericReindexLock = "generic/reindex-lock"

var sha256Re = regexp.MustCompile(`^[0-9a-f]{64}$`)

// genericRef is the JSON file that records one file on disk: the truth the
// catalogue's generic_files rows are rebuilt from.
type genericRef struct {
	Owner    string    `json:"owner"`
	Name     string    `json:"name"`
	Version  string    `json:"version"`
	FileName string    `json:"fileName"`
	SHA256   string    `json:"sha256"`
	Size     int64     `json:"size"`
	Created  time.Time `json:"created"`
}

func (r genericRef) file() GenericFile {
	return GenericFile{Owner: r.Owner, Name: r.Name, Version: r.Version, FileName: r.FileName,
		SHA256: r.SHA256, Size: r.Size, Created: r.Created}
}

func (r genericRef) row(refKey string) index.GenericFile {
	return index.GenericFile{Owner: r.Owner, Name: r.Name, Version: r.Version, FileName: r.FileName,
		SHA256: r.SHA256, Size: r.Size, Created: r.Created, RefKey: refKey}
}

// readRef reads and checks the reference file at key.
func (f *Feed) readRef(ctx context.Context, key string) (genericRef, error) {
	b, err := f.store.Open(ctx, key)
	if errors.Is(err, storage.ErrNotFound) {
		return genericRef{}, fmt.Errorf("%w: %s", ErrNotFound, key)
	}
	if err != nil {
		return genericRef{}, fmt.Errorf("open %s: %w", key, err)
	}
	defer b.Close()
	data, err := io.ReadAll(io.LimitReader(b, maxRefSize+1))
	if err != nil {
		return genericRef{}, fmt.Errorf("read %s: %w", key, err)
	}
	if len(data) > maxRefSize {
		return genericRef{}, fmt.Errorf("read %s: larger than %d bytes, not a reference file", key, maxRefSize)
	}
	var ref genericRef
	if err := json.Unmarshal(data, &ref); err != nil {
		return genericRef{}, fmt.Errorf("read %s: %w", key, err)
	}
	if !sha256Re.MatchString(ref.SHA256) || ref.Size < 0 {
		return genericRef{}, fmt.Errorf("read %s: no valid sha256 and size", key)
	}
	return ref, nil
}

// PutGenericFile stores one file: it streams the body to a temporary file
// while hashing it, then, under the version's lock, refuses a name the
// version already has (409), installs the blob unless that content is
// already stored, writes the reference file and the catalogue row. A crash
// leaves at worst an unreferenced blob, which the re-index sweeps.
func (f *Feed) PutGenericFile(ctx context.Context, req GenericPut) (_ GenericFile, err error) {
	protocol := req.Protocol
	if protocol == "" {
		protocol = "generic"
	}
	defer func() { f.metrics.pushes.WithLabelValues(protocol, outcome(PushResult{}, err)).Inc() }()

	id, err := newGenericID(req.Owner, req.Name, req.Version, req.FileName)
	if err != nil {
		return GenericFile{}, err
	}
	if id.refKey == "" {
		return GenericFile{}, &InvalidGenericError{Part: "file name", Reason: "it is empty"}
	}
	sp, err := f.spool(ctx, req.Body, protocol, hashSHA256)
	if err != nil {
		return GenericFile{}, err
	}
	defer sp.discard()

	unlock := f.locks.lock(id.lockKey())
	defer unlock()
	if _, err := f.store.Stat(ctx, id.refKey); err == nil {
		existing := GenericFile{Owner: id.owner, Name: id.name, Version: id.version, FileName: id.file}
		if ref, err := f.readRef(ctx, id.refKey); err == nil {
			existing = ref.file()
		}
		return GenericFile{}, &GenericExistsError{File: existing}
	} else if !errors.Is(err, storage.ErrNotFound) {
		return GenericFile{}, fmt.Errorf("look up %s: %w", id.refKey, err)
	}
	name, err := f.genericPackageName(ctx, id)
	if err != nil {
		return GenericFile{}, err
	}

	unlockBlob := f.locks.lock(genericBlobLock(sp.sha256))
	defer unlockBlob()
	blobKey := genericBlobKey(sp.sha256)
	if _, err := f.store.Stat(ctx, blobKey); errors.Is(err, storage.ErrNotFound) {
		// Create-only: a blob is never rewritten, and a store shared by
		// several processes decides a race for one content here.
		_, err := sp.staged.Commit(ctx, blobKey, storage.CommitOptions{CreateOnly: true})
		if err != nil && !errors.Is(err, storage.ErrExists) {
			return GenericFile{}, fmt.Errorf("store %s: %w", blobKey, err)
		}
	} else if err != nil {
		return GenericFile{}, fmt.Errorf("look up blob %s: %w", blobKey, err)
	}
	ref := genericRef{Owner: id.owner, Name: name, Version: id.version, FileName: id.file,
		SHA256: sp.sha256, Size: sp.size, Created: time.Now().UTC()}
	data, err := json.MarshalIndent(ref, "", "  ")
	if err != nil {
		return GenericFile{}, fmt.Errorf("encode %s: %w", id.refKey, err)
	}
	if _, err := f.store.Put(ctx, id.refKey, bytes.NewReader(append(data, '\n'))); err != nil {
		return GenericFile{}, fmt.Errorf("store %s: %w", id.refKey, err)
	}
	if err := f.catalog.PutGenericFile(ctx, ref.row(id.refKey)); err != nil {
		// Undo the reference so disk and catalogue agree; the blob goes at the next sweep.
		if derr := f.store.Delete(ctx, id.refKey); derr != nil {
			f.log.Error("generic: remove reference after a catalogue failure", "key", id.refKey, "err", derr)
		}
		return GenericFile{}, fmt.Errorf("catalogue %s: %w", id.refKey, err)
	}
	return ref.file(), nil
}

// genericPackageName is the spelling the package was first pushed with, so
// one package never shows two spellings; the caller holds the version lock.
func (f *Feed) genericPackageName(ctx context.Context, id genericID) (string, error) {
	rows, err := f.catalog.GenericFiles(ctx, id.owner, id.name)
	if err != nil {
		return "", err
	}
	if len(rows) > 0 {
		return rows[0].Name, nil
	}
	return id.name, nil
}

// GetGenericFile opens a stored file. It reads the reference file on disk,
// not the catalogue, so it answers correctly while a re-index runs.
func (f *Feed) GetGenericFile(ctx context.Context, owner, name, version, fileName string) (storage.Blob, GenericFile, error) {
	id, err := newGenericID(owner, name, version, fileName)
	if err != nil {
		return nil, GenericFile{}, err
	}
	if id.refKey == "" {
		return nil, GenericFile{}, &InvalidGenericError{Part: "file name", Reason: "it is empty"}
	}
	ref, err := f.readRef(ctx, id.refKey)
	if err != nil {
		return nil, GenericFile{}, err
	}
	b, err := f.store.Open(ctx, genericBlobKey(ref.SHA256))
	if errors.Is(err, storage.ErrNotFound) {
		f.log.Error("generic: the content of a file is missing", "ref", id.refKey, "sha256", ref.SHA256)
		return nil, GenericFile{}, fmt.Errorf("%w: the content of %s is missing", ErrNotFound, fileName)
	}
	if err != nil {
		return nil, GenericFile{}, fmt.Errorf("open blob %s: %w", ref.SHA256, err)
	}
	return b, ref.file(), nil
}

// DeleteGenericFile deletes one file; a version whose last file goes is gone
// too (a version is its files). The blob goes when no other file uses it.
func (f *Feed) DeleteGenericFile(ctx context.Context, owner, name, version, fileName string) (GenericFile, error) {
	id, err := newGenericID(owner, name, version, fileName)
	if err != nil {
		return GenericFile{}, err
	}
	if id.refKey == "" {
		return GenericFile{}, &InvalidGenericError{Part: "file name", Reason: "it is empty"}
	}
	unlock := f.locks.lock(id.lockKey())
	ref, err := f.deleteRef(ctx, id.refKey)
	lastFile := false
	if err == nil {
		lastFile = f.versionEmpty(ctx, id)
	}
	unlock()
	if err != nil {
		return GenericFile{}, err
	}
	if lastFile {
		f.metrics.deletes.Inc()
	}
	f.collectBlob(ctx, ref.SHA256)
	return ref.file(), nil
}

// DeleteGenericVersion deletes every file of a version.
func (f *Feed) DeleteGenericVersion(ctx context.Context, owner, name, version string) ([]GenericFile, error) {
	id, err := newGenericID(owner, name, version, "")
	if err != nil {
		return nil, err
	}
	unlock := f.locks.lock(id.lockKey())
	var (
		keys    []string
		deleted []GenericFile
		errs    []error
	)
	// Listed first, deleted after: a delete prunes folders the walk would still read.
	for info, err := range f.store.List(ctx, id.dir+"/") {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if strings.HasSuffix(info.Key, genericRefSuffix) {
			keys = append(keys, info.Key)
		}
	}
	for _, key := range keys {
		ref, err := f.deleteRef(ctx, key)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		deleted = append(deleted, ref.file())
	}
	unlock()
	for _, d := range deleted {
		f.collectBlob(ctx, d.SHA256)
	}
	if err := errors.Join(errs...); err != nil {
		return deleted, fmt.Errorf("delete version %s of %s: %w", version, name, err)
	}
	if len(deleted) == 0 {
		return nil, fmt.Errorf("%w: version %s of package %s", ErrNotFound, version, name)
	}
	f.metrics.deletes.Inc()
	return deleted, nil
}

// deleteRef removes a reference file, then its catalogue row: a crash in
// between leaves a row the re-index drops, never a file it would bring back.
// The caller holds the version lock.
func (f *Feed) deleteRef(ctx context.Context, key string) (genericRef, error) {
	ref, err := f.readRef(ctx, key)
	if err != nil {
		return genericRef{}, err
	}
	if err := f.store.Delete(ctx, key); err != nil {
		return genericRef{}, fmt.Errorf("delete %s: %w", key, err)
	}
	if err := f.catalog.DeleteGenericFile(ctx, key); err != nil && !errors.Is(err, index.ErrNotFound) {
		f.log.Error("generic: uncatalogue a deleted file; the re-index will", "key", key, "err", err)
	}
	return ref, nil
}

func (f *Feed) versionEmpty(ctx context.Context, id genericID) bool {
	for info, err := range f.store.List(ctx, id.dir+"/") {
		if err == nil && strings.HasSuffix(info.Key, genericRefSuffix) {
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
func (f *Feed) collectBlob(ctx context.Context, sha string) {
	if !sha256Re.MatchString(sha) {
		return
	}
	unlock := f.locks.lock(genericBlobLock(sha))
	defer unlock()
	indexed, err := f.catalog.GenericIndexed(ctx)
	if err != nil || !indexed {
		if err != nil {
			f.log.Warn("generic: blob collection skipped", "sha256", sha, "err", err)
		}
		return
	}
	n, err := f.catalog.GenericBlobRefs(ctx, sha)
	if err != nil {
		f.log.Warn("generic: blob collection skipped", "sha256", sha, "err", err)
		return
	}
	if n > 0 {
		return
	}
	if err := f.store.Delete(ctx, genericBlobKey(sha)); err != nil {
		f.log.Warn("generic: delete unreferenced blob", "sha256", sha, "err", err)
	}
}

// ListGeneric returns the versions of one package with their files, oldest
// version first; an unknown package is an empty slice.
func (f *Feed) ListGeneric(ctx context.Context, owner, name string) ([]GenericVersion, error) {
	if err := validateGenericOwner(owner); err != nil {
		return nil, err
	}
	if err := ValidateGenericName(name); err != nil {
		return nil, err
	}
	rows, err := f.catalog.GenericFiles(ctx, owner, name)
	if err != nil {
		return nil, fmt.Errorf("list %s/%s: %w", owner, name, err)
	}
	out := []GenericVersion{}
	at := map[string]int{}
	for _, r := range rows {
		if ValidateGenericVersion(r.Version) != nil || ValidateGenericFileName(r.FileName) != nil {
			// Stored before a rule refused it (version "."): its URL would be
			// refused, so no listing shows it.
			continue
		}
		file := GenericFile{Owner: r.Owner, Name: r.Name, Version: r.Version, FileName: r.FileName,
			SHA256: r.SHA256, Size: r.Size, Created: r.Created}
		lower := strings.ToLower(r.Version)
		i, ok := at[lower]
		if !ok {
			i = len(out)
			at[lower] = i
			out = append(out, GenericVersion{Version: r.Version, Created: r.Created})
		}
		out[i].Files = append(out[i].Files, file)
	}
	return out, nil
}

// GenericReindexStats counts what one generic re-index did.
type GenericReindexStats struct {
	Seen       int64 // reference files found
	Indexed    int64 // catalogued (new or refreshed)
	Removed    int64 // catalogue rows whose reference file is gone
	Failed     int64 // reference files that could not be used; logged and skipped
	BlobsSwept int64 // unreferenced blobs deleted
	Duration   time.Duration
}

// ReindexGeneric rebuilds the generic catalogue from the reference files on
// disk: every usable reference is (re)catalogued and rows whose file is gone
// are dropped. Then, unless a reference could not even be read (its blob is
// unknown, so no blob may be called unreferenced), the catalogue is marked
// complete, which enables blob collection on delete, and blobs no file refers
// to are deleted. A broken reference is logged and counted, never fatal.
// Reference files are a few hundred bytes, so they are simply all read.
func (f *Feed) ReindexGeneric(ctx context.Context) (GenericReindexStats, error) {
	unlock := f.locks.lock(genericReindexLock)
	defer unlock()
	start := time.Now()
	var st GenericReindexStats
	seen := map[string]bool{}
	protected := map[string]bool{} // blobs of references that were read but not catalogued
	unreadable := 0

	for info, err := range f.store.List(ctx, strings.TrimSuffix(genericOwnerPrefix, "/")) {
		if err != nil {
			st.Failed++
			unreadable++
			f.log.Error("generic re-index: cannot read part of the package directory", "err", err)
			continue
		}
		if ctx.Err() != nil {
			return st, ctx.Err()
		}
		if !strings.HasSuffix(info.Key, genericRefSuffix) {
			f.log.Warn("generic re-index: ignoring a file that is not a reference", "key", info.Key)
			continue
		}
		st.Seen++
		sha, err := f.reindexRef(ctx, info.Key)
		if err != nil {
			st.Failed++
			if sha == "" {
				unreadable++
			} else {
				protected[sha] = true
			}
			f.log.Error("generic re-index: skipping a reference file", "key", info.Key, "err", err)
			continue
		}
		seen[info.Key] = true
		st.Indexed++
	}

	var stale []string
	for key, err := range f.catalog.GenericRefKeys(ctx) {
		if err != nil {
			return st, fmt.Errorf("generic re-index: read catalogue: %w", err)
		}
		if !seen[key] {
			stale = append(stale, key)
		}
	}
	for _, key := range stale {
		// Under the version's lock: a put that raced the walk must not lose its row.
		unlockVersion := f.locks.lock(path.Dir(key))
		if _, err := f.store.Stat(ctx, key); errors.Is(err, storage.ErrNotFound) {
			if err := f.catalog.DeleteGenericFile(ctx, key); err == nil {
				st.Removed++
				f.log.Info("generic re-index: file gone, dropped from the catalogue", "key", key)
			}
		}
		unlockVersion()
	}

	if unreadable > 0 {
		f.log.Warn("generic re-index: some reference files could not be read; unreferenced blobs are kept until they are fixed or removed",
			"unreadable", unreadable)
		st.Duration = time.Since(start)
		return st, nil
	}
	if err := f.catalog.MarkGenericIndexed(ctx, time.Now()); err != nil {
		return st, err
	}
	for info, err := range f.store.List(ctx, strings.TrimSuffix(genericBlobPrefix, "/")) {
		if err != nil {
			f.log.Warn("generic re-index: cannot read part of the blob folder", "err", err)
			continue
		}
		sha := path.Base(info.Key)
		if !sha256Re.MatchString(sha) || info.Key != genericBlobKey(sha) || protected[sha] {
			continue
		}
		if f.sweepBlob(ctx, sha) {
			st.BlobsSwept++
		}
	}
	st.Duration = time.Since(start)
	return st, nil
}

// reindexRef catalogues one reference file if it is where its content says
// and its blob exists. sha is the blob it names, "" when it could not be read.
func (f *Feed) reindexRef(ctx context.Context, key string) (sha string, err error) {
	// Under the version's lock: a delete between reading and cataloguing must not be undone.
	unlock := f.locks.lock(path.Dir(key))
	defer unlock()
	ref, err := f.readRef(ctx, key)
	if err != nil {
		return "", err
	}
	id, err := newGenericID(ref.Owner, ref.Name, ref.Version, ref.FileName)
	if err != nil {
		return ref.SHA256, err
	}
	if id.refKey != key {
		return ref.SHA256, fmt.Errorf("it describes %s/%s/%s/%s, which belongs at %s", ref.Owner, ref.Name, ref.Version, ref.FileName, id.refKey)
	}
	info, err := f.store.Stat(ctx, genericBlobKey(ref.SHA256))
	if err != nil {
		return ref.SHA256, fmt.Errorf("its content (blob %s): %w", ref.SHA256, err)
	}
	if info.Size != ref.Size {
		return ref.SHA256, fmt.Errorf("its content (blob %s) is %d bytes, the reference says %d", ref.SHA256, info.Size, ref.Size)
	}
	if err := f.catalog.PutGenericFile(ctx, ref.row(key)); err != nil {
		return ref.SHA256, err
	}
	return ref.SHA256, nil
}

// sweepBlob deletes one blob if no catalogued file refers to it.
func (f *Feed) sweepBlob(ctx context.Context, sha string) bool {
	unlock := f.locks.lock(genericBlobLock(sha))
	defer unlock()
	n, err := f.catalog.GenericBlobRefs(ctx, sha)
	if err != nil || n > 0 {
		return false
	}
	if err := f.store.Delete(ctx, genericBlobKey(sha)); err != nil {
		f.log.Warn("generic re-index: delete unreferenced blob", "sha256", sha, "err", err)
		return false
	}
	f.log.Info("generic re-index: deleted an unreferenced blob", "sha256", sha)
	return true
}

// reindexGenericLogged runs ReindexGeneric for Reindex and logs its figures.
func (f *Feed) reindexGenericLogged(ctx context.Context) error {
	st, err := f.ReindexGeneric(ctx)
	if err != nil {
		f.log.Error("generic re-index failed", "err", err, "seen", st.Seen, "failed", st.Failed)
		return err
	}
	f.log.Info("generic re-index finished", "seen", st.Seen, "indexed", st.Indexed, "removed", st.Removed,
		"blobs_swept", st.BlobsSwept, "duration", st.Duration.Round(time.Millisecond).String())
	return nil
}
