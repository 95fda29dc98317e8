package feed

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
	"time"

	"github.com/feedserver/feedserver/feed/internal/spool"
	"github.com/feedserver/feedserver/index"
	"github.com/feedserver/feedserver/nuget"
	"github.com/feedserver/feedserver/storage"
)

// Overwrite says what a push does when the version already exists.
type Overwrite int

const (
	FailIfExists      Overwrite = iota // 409 in every protocol
	OverwriteExisting                  // replace; needs the administer permission
	IgnoreIfExists                     // keep the existing package and report it
)

// PushRequest is one upload.
type PushRequest struct {
	Space    string // "" is DefaultSpace
	Protocol string // metrics label: "nuget", "octopus", ...
	// FileName is the uploaded file's name. A .nupkg (or no name) is read by its
	// nuspec; any other archive is identified by its name, Octopus' way.
	FileName   string
	Body       io.Reader
	Overwrite  Overwrite
	CanReplace bool // the caller may replace existing packages (BuiltInFeedAdminister)
}

// PushStatus is what a successful push did.
type PushStatus int

const (
	Created  PushStatus = iota // a new package version
	Replaced                   // an existing version was overwritten
	Ignored                    // it existed and IgnoreIfExists kept it
)

// PushResult is the stored (or kept) package.
type PushResult struct {
	Entry  index.Entry
	Status PushStatus
}

// ExistsError reports a push of a version the feed already has.
type ExistsError struct{ Entry index.Entry }

func (e *ExistsError) Error() string {
	return fmt.Sprintf("a package with id %q and version %q already exists", e.Entry.ID, e.Entry.Version.Original())
}

// Is makes errors.Is(err, ErrExists) true.
func (e *ExistsError) Is(target error) bool { return target == ErrExists }

// identity is what a pushed file turned out to be.
type identity struct {
	kind      index.Kind
	id        nuget.ID
	version   nuget.Version
	manifest  *nuget.Manifest
	extension string
	fileName  string // raw archives only
}

// Push stores one package: spool while hashing, identify, apply the overwrite
// rule, then commit the file, the catalogue row and the search document, in
// that order, so a crash leaves nothing or a complete file the re-index finds.
func (f *Feed) Push(ctx context.Context, req PushRequest) (res PushResult, err error) {
	protocol := req.Protocol
	if protocol == "" {
		protocol = "unknown"
	}
	defer func() { f.metrics.push(protocol, res, err) }()

	space := CanonicalSpace(req.Space)
	if !ValidSpace(space) {
		return PushResult{}, fmt.Errorf("%w: %q is not a space id (Spaces-1, Spaces-2, ...)", ErrInvalid, req.Space)
	}
	sp, err := f.spool.Spool(ctx, req.Body, protocol, packageHashes(kindByName(req.FileName)))
	if err != nil {
		return PushResult{}, err
	}
	defer sp.Discard()
	if sp.Size == 0 {
		return PushResult{}, fmt.Errorf("%w: the upload is empty", ErrInvalid)
	}

	ident, err := identify(sp, req.FileName)
	if err != nil {
		return PushResult{}, err
	}
	if err := ident.id.CheckStorable(); err != nil {
		return PushResult{}, err
	}
	key := packageKey(space, ident.kind, ident.id, ident.version, ident.fileName)
	if err := storage.ValidKey(key); err != nil {
		return PushResult{}, fmt.Errorf("%w: the package cannot be stored under the name %q", ErrInvalid, path.Base(key))
	}

	unlock := f.locks.Lock(lockKey(space, ident.kind, ident.id, ident.version))
	defer unlock()

	existing, found, err := f.existing(ctx, space, ident, key)
	if err != nil {
		return PushResult{}, err
	}
	status := Created
	if found {
		switch {
		case req.Overwrite == IgnoreIfExists:
			return PushResult{Entry: existing, Status: Ignored}, nil
		case req.Overwrite == FailIfExists:
			return PushResult{}, &ExistsError{Entry: existing}
		case !req.CanReplace:
			return PushResult{}, fmt.Errorf("%w: replacing %s %s needs the BuiltInFeedAdminister permission", ErrForbidden, existing.ID, existing.Version.Original())
		}
		status = Replaced
	}

	// A new version's file is committed create-only: of several pushes of
	// one version, in this process or in others sharing the store, the
	// store lets exactly one in, and the others never touch its bytes. Only
	// a push that may replace writes over what is there.
	createOnly := !found && !(req.Overwrite == OverwriteExisting && req.CanReplace)
	info, err := f.commitFile(ctx, key, sp, createOnly)
	if errors.Is(err, storage.ErrExists) {
		winner, err := f.winner(ctx, space, ident, key)
		if err != nil {
			return PushResult{}, err
		}
		if req.Overwrite == IgnoreIfExists {
			return PushResult{Entry: winner, Status: Ignored}, nil
		}
		return PushResult{}, &ExistsError{Entry: winner}
	}
	if err != nil {
		return PushResult{}, err
	}
	entry := index.Entry{
		Space: space, Kind: ident.kind, ID: ident.id, Version: ident.version, Manifest: ident.manifest,
		Extension: ident.extension, Listed: true, Published: time.Now().UTC(),
		Size: sp.Size, SHA512: sp.SHA512, SHA1: sp.SHA1, SHA256: sp.SHA256,
		BlobKey: key, ModTime: info.ModTime,
	}
	if found {
		// The first push's casing of the id stays, as nuget.org keeps it.
		entry.ID = existing.ID
		entry.Downloads = existing.Downloads
	}
	if status, err = f.catalogue(ctx, &entry, found, createOnly, req, status); err != nil {
		return PushResult{}, err
	}
	if status == Ignored {
		return PushResult{Entry: entry, Status: Ignored}, nil
	}
	if status == Replaced && ident.kind == index.KindNuGet {
		// The replaced file's PDBs describe DLLs that are gone; NuGet.exe
		// pushes the new .snupkg right after the .nupkg.
		f.removeSymbols(context.WithoutCancel(ctx), space, entry)
	}
	if found && existing.BlobKey != key {
		// A raw archive re-pushed under another spelling of its version ("1.0.0.0" for "1.0.0").
		if err := f.store.Delete(ctx, existing.BlobKey); err != nil {
			f.log.Warn("delete replaced file", "key", existing.BlobKey, "err", err)
		}
	}
	f.changed(space, ident.kind, ident.id.Lower())
	f.queueSearch(searchID{space, ident.kind, ident.id.Lower()})
	return PushResult{Entry: entry, Status: status}, nil
}

// packageHashes is what the catalogue keeps for a package of kind.
func packageHashes(kind index.Kind) spool.Hashes {
	if kind == index.KindNuGet || kind == index.KindCached {
		return spool.SHA512 | spool.SHA1
	}
	return spool.SHA1
}

// catalogue writes a pushed version's row and returns the push's status. A
// replaced version's row is Put. A new version's is inserted, so the
// database decides whether it is new, across processes too (the in-process
// lock only spares this process the race): when another process catalogued
// the version after our look-up, the insert fails with index.ErrExists and
// the request's Overwrite applies to the winner's row, as if our look-up had
// found it: an ExistsError, Ignored (and *entry becomes the winner's row),
// or Replaced. The one exception is a row for our own file: when our
// create-only commit stored the file, a re-index in another process may have
// catalogued it before our insert (it walks the store and finds a file
// without a row), and that row, same key and same hashes, is our push's row.
// On any other failure the file of a new version is removed: the client
// hears of a failure, so nothing may stay stored (a full disk can fail the
// catalogue after the file got in).
func (f *Feed) catalogue(ctx context.Context, entry *index.Entry, found, createOnly bool, req PushRequest, status PushStatus) (PushStatus, error) {
	var err error
	if found {
		err = f.catalog.Put(ctx, *entry)
	} else {
		err = f.catalog.Insert(ctx, *entry)
	}
	if err == nil {
		return status, nil
	}
	if !found && errors.Is(err, index.ErrExists) {
		winner, gerr := f.catalog.Get(ctx, entry.Space, entry.Kind, entry.ID.Lower(), entry.Version.String())
		switch {
		case gerr != nil:
			// The winning row is gone again (deleted meanwhile): still a conflict.
			return status, &ExistsError{Entry: *entry}
		case createOnly && sameFile(winner, *entry):
			*entry = winner
			return status, nil
		case req.Overwrite == IgnoreIfExists:
			*entry = winner
			return Ignored, nil
		case req.Overwrite == OverwriteExisting && req.CanReplace:
			entry.ID, entry.Downloads = winner.ID, winner.Downloads
			if err := f.catalog.Put(ctx, *entry); err != nil {
				return status, fmt.Errorf("catalogue %s %s: %w", entry.ID, entry.Version, err)
			}
			return Replaced, nil
		}
		return status, &ExistsError{Entry: winner}
	}
	if !found {
		if derr := f.store.Delete(context.WithoutCancel(ctx), entry.BlobKey); derr != nil {
			f.log.Error("remove a pushed file whose catalogue row failed", "key", entry.BlobKey, "err", derr)
		}
	}
	return status, fmt.Errorf("catalogue %s %s: %w", entry.ID, entry.Version, err)
}

// sameFile reports whether two rows describe one stored file: the same key,
// size and hashes.
func sameFile(a, b index.Entry) bool {
	return a.BlobKey == b.BlobKey && a.Size == b.Size && a.SHA1 == b.SHA1 && a.SHA512 == b.SHA512
}

func lockKey(space string, kind index.Kind, id nuget.ID, v nuget.Version) string {
	return SpaceDir(space) + "/" + string(kind) + "/" + id.Lower() + "/" + v.Lower()
}

// baseName drops the directories Octopus clients send with either separator.
func baseName(fileName string) string {
	if i := strings.LastIndexAny(fileName, `/\`); i >= 0 {
		return fileName[i+1:]
	}
	return fileName
}

// kindByName is what identify will read an upload as: a .nupkg (or a file
// without a name) by its nuspec, any other archive by its name.
func kindByName(fileName string) index.Kind {
	base := baseName(fileName)
	if base == "" || strings.HasSuffix(strings.ToLower(base), ".nupkg") {
		return index.KindNuGet
	}
	return index.KindRaw
}

// identify reads the nuspec of a .nupkg, or the file name of any other archive.
func identify(sp *spool.Upload, fileName string) (identity, error) {
	base := baseName(fileName)
	if kindByName(base) == index.KindNuGet {
		pkg, err := nuget.ReadPackage(sp.Staged, sp.Size, nuget.Limits{})
		if err != nil {
			return identity{}, err
		}
		if err := pkg.Manifest.Validate(); err != nil {
			return identity{}, err
		}
		return identity{kind: index.KindNuGet, id: pkg.Manifest.ID, version: pkg.Manifest.Version, manifest: pkg.Manifest, extension: ".nupkg"}, nil
	}
	a, err := nuget.ParseArchiveName(base)
	if err != nil {
		return identity{}, err
	}
	return identity{kind: index.KindRaw, id: a.ID, version: a.Version, extension: a.Extension, fileName: rawFileName(a)}, nil
}

// existing finds the catalogued version, or, until a re-index has completed,
// a file already on disk that the catalogue does not know yet (at its key or
// where the earlier layout kept it).
func (f *Feed) existing(ctx context.Context, space string, ident identity, key string) (index.Entry, bool, error) {
	e, err := f.catalog.Get(ctx, space, ident.kind, ident.id.Lower(), ident.version.String())
	if err == nil {
		return e, true, nil
	}
	if !errors.Is(err, index.ErrNotFound) {
		return index.Entry{}, false, fmt.Errorf("look up %s %s: %w", ident.id, ident.version, err)
	}
	if f.catalogComplete() {
		return index.Entry{}, false, nil
	}
	earlier := earlierPackageKey(space, ident.kind, ident.id, ident.version, ident.fileName)
	// Until a re-index has finished, a file without a row still counts: it
	// may have been dropped in by hand. It is read, not catalogued: the file
	// may be another process's push that is about to insert its row, and
	// inserting one for it here made that push lose its own insert, so that
	// neither push answered 201. The re-index catalogues what is left.
	for _, k := range []string{key, earlier} {
		if _, err := f.store.Stat(ctx, k); err == nil {
			e, _, err := f.readFile(ctx, k)
			if err != nil {
				return index.Entry{}, false, fmt.Errorf("read %s found in the store: %w", k, err)
			}
			return e, true, nil
		}
	}
	return index.Entry{}, false, nil
}

// commitFile stores the upload under key: create-only (an error wrapping
// storage.ErrExists when key holds a file), or replacing what is there.
func (f *Feed) commitFile(ctx context.Context, key string, sp *spool.Upload, createOnly bool) (storage.Info, error) {
	info, err := sp.Staged.Commit(ctx, key, storage.CommitOptions{CreateOnly: createOnly})
	if err != nil {
		return storage.Info{}, fmt.Errorf("store %s: %w", key, err)
	}
	return info, nil
}

// winnerWait bounds how long a push that found its version's file already
// stored waits for that file's row: the push that stored it writes the row
// next, within a write's round trip, unless it died in between.
const winnerWait = 5 * time.Second

// winner is the row of the version whose file another push stored at key
// first. The caller holds the version's lock, so that push is in another
// process sharing the store, and may be writing the row now: the catalogue
// is asked again for a while (winnerWait). A file with no row after that
// (its push died, or it was put there by hand) is only read, as existing()
// reads one: cataloguing it here could still make a slow winner lose its
// own insert, and then no push would answer 201. A re-index catalogues it
// (on replicas the leader's collection, lead.go, asks for one); the store,
// not the push that lost, decides what the version is.
func (f *Feed) winner(ctx context.Context, space string, ident identity, key string) (index.Entry, error) {
	deadline := time.Now().Add(winnerWait)
	for pause := 5 * time.Millisecond; ; pause = min(2*pause, 250*time.Millisecond) {
		e, err := f.catalog.Get(ctx, space, ident.kind, ident.id.Lower(), ident.version.String())
		if err == nil {
			return e, nil
		}
		if !errors.Is(err, index.ErrNotFound) {
			return index.Entry{}, fmt.Errorf("look up %s %s: %w", ident.id, ident.version, err)
		}
		if time.Now().After(deadline) {
			break
		}
		select {
		case <-ctx.Done():
			return index.Entry{}, ctx.Err()
		case <-time.After(pause):
		}
	}
	e, _, err := f.readFile(ctx, key)
	if err != nil {
		return index.Entry{}, fmt.Errorf("read %s, stored before this push: %w", key, err)
	}
	return e, nil
}
