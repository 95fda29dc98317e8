package feed

import (
	"archive/zip"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"

	"github.com/feedserver/feedserver/index"
	"github.com/feedserver/feedserver/nuget"
	"github.com/feedserver/feedserver/storage"
)

// Symbol packages (.snupkg) and the PDBs a symbol server hands out
// (docs/protocol/nuget.md §12). A symbol package belongs to one NuGet
// package version: it is stored beside the package's folder, at
//
//	{space}/symbols/{lower id}/{lower id}.{lower version}.snupkg
//
// and the catalogue keeps one row per PDB inside it (index.SymbolFile), the
// lookup from a Simple Symbol Query Protocol key to the file and its zip
// entry. It is pushed after its .nupkg and replaced by the next push of a
// symbol package for the version; replacing the .nupkg removes it (its PDBs
// describe DLLs that are gone), and deleting the version, by hand or by
// retention, deletes it too. The re-index catalogues the PDBs of a symbol
// package whose version has none catalogued (a rebuilt catalogue) and
// leaves a symbol package whose version is gone where it is.

// symbolsProtocol is the metrics label of symbol package pushes.
const symbolsProtocol = "nuget-symbols"

// symbolsKey is the storage key of the symbol package of one version.
func symbolsKey(space string, id nuget.ID, v nuget.Version) string {
	return path.Join(SpaceDir(space), "symbols", id.Lower(), id.Lower()+"."+v.Lower()+".snupkg")
}

// PushSymbols stores the symbol package in body for the NuGet package
// version it names, which must exist in space (else ErrNotFound, as
// nuget.org answers 404). The package is checked by nuget.ReadSymbolPackage;
// a refused one (ErrInvalid) leaves nothing stored. The result's Entry is
// the .nupkg's.
//
// When the version has a symbol package already, one with the same PDBs
// (keys and checksums) is Ignored: NuGet.exe 5.8 pushes the .snupkg again
// after a duplicate .nupkg with -SkipDuplicate (NuGet/Home#9647). Other PDBs
// replace the old ones only when canReplace (the administer permission, as
// for replacing a .nupkg); else an ExistsError: PDBs of another build than
// the stored DLLs' would make debuggers refuse them, and nothing here checks
// them against the DLLs.
func (f *Feed) PushSymbols(ctx context.Context, space string, body io.Reader, canReplace bool) (res PushResult, err error) {
	defer func() { f.metrics.push(symbolsProtocol, res, err) }()
	space = CanonicalSpace(space)
	if !ValidSpace(space) {
		return PushResult{}, fmt.Errorf("%w: %q is not a space id (Spaces-1, Spaces-2, ...)", ErrInvalid, space)
	}
	sp, err := f.spool.Spool(ctx, body, symbolsProtocol, 0)
	if err != nil {
		return PushResult{}, err
	}
	defer sp.Discard()
	if sp.Size == 0 {
		return PushResult{}, fmt.Errorf("%w: the upload is empty", ErrInvalid)
	}
	pkg, err := nuget.ReadSymbolPackage(sp.Staged, sp.Size, nuget.SymbolLimits{})
	if err != nil {
		return PushResult{}, err
	}
	id, v := pkg.Manifest.ID, pkg.Manifest.Version
	if err := id.CheckStorable(); err != nil {
		return PushResult{}, err
	}
	key := symbolsKey(space, id, v)
	if err := storage.ValidKey(key); err != nil {
		return PushResult{}, fmt.Errorf("%w: the symbol package cannot be stored under the name %q", ErrInvalid, path.Base(key))
	}

	// The package's own lock: a push, replace or delete of the .nupkg waits.
	unlock := f.locks.Lock(lockKey(space, index.KindNuGet, id, v))
	defer unlock()
	e, err := f.catalog.Get(ctx, space, index.KindNuGet, id.Lower(), v.String())
	if errors.Is(err, index.ErrNotFound) {
		return PushResult{}, fmt.Errorf("%w: there is no package %s %s in %s to add symbols to; push the .nupkg first", ErrNotFound, id, v.Original(), space)
	}
	if err != nil {
		return PushResult{}, fmt.Errorf("look up %s %s: %w", id, v, err)
	}
	before, err := f.catalog.Symbols(ctx, space, id.Lower(), v.String())
	if err != nil {
		return PushResult{}, fmt.Errorf("look up the symbols of %s %s: %w", id, v, err)
	}
	rows := symbolRows(pkg, key)
	if len(before) > 0 {
		switch {
		case samePDBs(before, rows):
			return PushResult{Entry: e, Status: Ignored}, nil
		case !canReplace:
			return PushResult{}, fmt.Errorf("%w: %s %s has other symbols already; replacing them needs the BuiltInFeedAdminister permission (or delete and push the package again)",
				ErrExists, e.ID, e.Version.Original())
		}
	}
	if _, err := sp.Staged.Commit(ctx, key, storage.CommitOptions{}); err != nil {
		return PushResult{}, fmt.Errorf("store %s: %w", key, err)
	}
	if err := f.catalog.PutSymbols(ctx, space, id.Lower(), v.String(), rows); err != nil {
		// The client hears of a failure: nothing may stay, not even the
		// symbol package this one replaced (its file is overwritten).
		f.removeSymbols(context.WithoutCancel(ctx), space, e)
		return PushResult{}, fmt.Errorf("catalogue the symbols of %s %s: %w", id, v, err)
	}
	f.changed(space, index.KindNuGet, id.Lower())
	status := Created
	if len(before) > 0 {
		status = Replaced
	}
	return PushResult{Entry: e, Status: status}, nil
}

// samePDBs reports whether two symbol packages hold the same PDBs: the
// same keys with the same checksums and sizes (stored rows come ordered by
// key; rows in zip order).
func samePDBs(stored, pushed []index.SymbolFile) bool {
	if len(stored) != len(pushed) {
		return false
	}
	byKey := make(map[string]index.SymbolFile, len(stored))
	for _, s := range stored {
		byKey[s.Key] = s
	}
	for _, p := range pushed {
		s, ok := byKey[strings.ToLower(p.Key)]
		if !ok || s.SHA256 != p.SHA256 || s.Size != p.Size {
			return false
		}
	}
	return true
}

// removeSymbols deletes the symbol package of a version, file then rows (a
// row whose file is gone answers 404, as no row would); the caller holds
// the version's lock. Failures are logged: the package itself is what the
// caller changes, and a failure here must not undo that.
func (f *Feed) removeSymbols(ctx context.Context, space string, e index.Entry) {
	key := symbolsKey(space, e.ID, e.Version)
	if err := f.store.Delete(ctx, key); err != nil && !errors.Is(err, storage.ErrNotFound) {
		f.log.Error("delete a symbol package", "key", key, "err", err)
	}
	if err := f.catalog.DeleteSymbols(ctx, space, e.ID.Lower(), e.Version.String()); err != nil {
		f.log.Error("uncatalogue a symbol package", "key", key, "err", err)
	}
}

// Symbols returns the PDBs of a version's symbol package, ordered by key;
// none when it has no symbol package.
func (f *Feed) Symbols(ctx context.Context, space, id, version string) ([]index.SymbolFile, error) {
	if err := checkLookup(id, version); err != nil {
		return nil, err
	}
	return f.catalog.Symbols(ctx, CanonicalSpace(space), id, version)
}

// SymbolPDB is an open PDB of a stored symbol package.
type SymbolPDB struct {
	io.ReadCloser
	File index.SymbolFile
}

// maxSymbolKey bounds an SSQP key: two file names and 40 hex digits.
const maxSymbolKey = 1024

// OpenSymbol opens the PDB whose SSQP key (docs/protocol/nuget.md §12.3) is
// key in space, or fails with ErrNotFound. With checksums (the parsed
// SymbolChecksum header of a debugger's request) only a PDB whose checksum
// is one of them is served, else ErrNotFound: a symbol server says "not
// here", never "refused", for Microsoft.SymbolStore stops asking a server
// that refuses (§12.4). Without them any PDB with the key is served.
func (f *Feed) OpenSymbol(ctx context.Context, space, key string, checksums []nuget.SymbolChecksum, hasHeader bool) (*SymbolPDB, error) {
	space = CanonicalSpace(space)
	if len(key) > maxSymbolKey {
		return nil, fmt.Errorf("%w: no symbol file has a key that long", ErrNotFound)
	}
	rows, err := f.catalog.SymbolsByKey(ctx, space, strings.ToLower(key))
	if err != nil {
		return nil, err
	}
	for _, row := range rows {
		if hasHeader {
			ok, err := nuget.MatchSymbolChecksum(checksums, func(algorithm string) ([]byte, error) {
				return f.symbolChecksum(ctx, row, algorithm)
			})
			if err != nil {
				return nil, err
			}
			if !ok {
				continue
			}
		}
		pdb, err := f.openSymbolEntry(ctx, row)
		if errors.Is(err, ErrNotFound) {
			continue // its file went with a delete since the look-up
		}
		if err == nil {
			f.metrics.symbolRequests.WithLabelValues("served").Inc()
		}
		return pdb, err
	}
	if hasHeader && len(rows) > 0 {
		f.metrics.symbolRequests.WithLabelValues("checksum_mismatch").Inc()
	} else {
		f.metrics.symbolRequests.WithLabelValues("not_found").Inc()
	}
	return nil, fmt.Errorf("%w: no symbol file %s", ErrNotFound, key)
}

// symbolChecksum is the PDB checksum of row by algorithm: the SHA-256 one
// kept at the push, others computed from the stored file.
func (f *Feed) symbolChecksum(ctx context.Context, row index.SymbolFile, algorithm string) ([]byte, error) {
	if algorithm == "SHA256" {
		return hex.DecodeString(row.SHA256)
	}
	pdb, err := f.openSymbolEntry(ctx, row)
	if errors.Is(err, ErrNotFound) {
		return nil, nil // matches nothing
	}
	if err != nil {
		return nil, err
	}
	defer pdb.Close()
	return nuget.StreamPDBChecksum(pdb, row.Size, algorithm)
}

// openSymbolEntry opens row's PDB inside its symbol package.
func (f *Feed) openSymbolEntry(ctx context.Context, row index.SymbolFile) (*SymbolPDB, error) {
	b, err := f.store.Open(ctx, row.BlobKey)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, fmt.Errorf("%w: the symbol package %s is gone", ErrNotFound, row.BlobKey)
	}
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", row.BlobKey, err)
	}
	ra, ok := b.(io.ReaderAt)
	if !ok {
		b.Close()
		return nil, fmt.Errorf("read %s: the store cannot read at offsets", row.BlobKey)
	}
	zr, err := zip.NewReader(ra, b.Info().Size)
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		b.Close()
		return nil, fmt.Errorf("read %s: %w", row.BlobKey, err)
	}
	for _, zf := range zr.File {
		if zf.Name != row.Path {
			continue
		}
		rc, err := zf.Open()
		if err != nil {
			b.Close()
			return nil, fmt.Errorf("read %s in %s: %w", row.Path, row.BlobKey, err)
		}
		return &SymbolPDB{ReadCloser: closeBoth{rc, b}, File: row}, nil
	}
	b.Close()
	return nil, fmt.Errorf("%w: %s is not in %s", ErrNotFound, row.Path, row.BlobKey)
}

// closeBoth reads from the zip entry and closes it and the blob under it.
type closeBoth struct {
	io.ReadCloser
	blob io.Closer
}

func (c closeBoth) Close() error {
	err := c.ReadCloser.Close()
	if berr := c.blob.Close(); err == nil {
		err = berr
	}
	return err
}

// symbolsFile is what a key under {space}/symbols/ says.
type symbolsFile struct {
	space, id, version string // the id and version lowercased, as in the key
}

// parseSymbolsKey reads {space}/symbols/{lower id}/{lower id}.{lower version}.snupkg.
func parseSymbolsKey(key string) (symbolsFile, bool) {
	parts := strings.Split(key, "/")
	if len(parts) != 4 || parts[1] != "symbols" {
		return symbolsFile{}, false
	}
	space, ok := SpaceFromDir(parts[0])
	if !ok {
		return symbolsFile{}, false
	}
	rest, ok := strings.CutPrefix(parts[3], parts[2]+".")
	if !ok {
		return symbolsFile{}, false
	}
	version, ok := strings.CutSuffix(rest, ".snupkg")
	if !ok || version == "" {
		return symbolsFile{}, false
	}
	return symbolsFile{space: space, id: parts[2], version: version}, true
}

// reindexSymbols catalogues the PDBs of the symbol packages at keys whose
// version exists and has none catalogued: after a rebuilt catalogue or a
// migration. A file it cannot read is logged and counted as failed.
func (f *Feed) reindexSymbols(ctx context.Context, keys []string, live *liveStats) {
	for _, key := range keys {
		if ctx.Err() != nil {
			return
		}
		if err := f.reindexSymbolFile(ctx, key); err != nil {
			live.failed.Add(1)
			f.metrics.reindexFailed.Inc()
			f.log.Error("re-index: skipping unreadable symbol package", "key", key, "err", err)
		}
	}
}

func (f *Feed) reindexSymbolFile(ctx context.Context, key string) error {
	sf, _ := parseSymbolsKey(key)
	e, err := f.catalog.Get(ctx, sf.space, index.KindNuGet, sf.id, sf.version)
	if errors.Is(err, index.ErrNotFound) {
		f.log.Warn("re-index: a symbol package without its package; leaving it", "key", key)
		return nil
	}
	if err != nil {
		return err
	}
	unlock := f.locks.Lock(lockKey(sf.space, index.KindNuGet, e.ID, e.Version))
	defer unlock()
	if rows, err := f.catalog.Symbols(ctx, sf.space, sf.id, sf.version); err != nil || len(rows) > 0 {
		return err
	}
	b, err := f.store.Open(ctx, key)
	if errors.Is(err, storage.ErrNotFound) {
		return nil // deleted with its version meanwhile
	}
	if err != nil {
		return err
	}
	defer b.Close()
	ra, ok := b.(io.ReaderAt)
	if !ok {
		return errors.New("the store cannot read at offsets")
	}
	pkg, err := nuget.ReadSymbolPackage(ra, b.Info().Size, nuget.SymbolLimits{})
	if err != nil {
		return err
	}
	if pkg.Manifest.ID.Lower() != e.ID.Lower() || !pkg.Manifest.Version.Equal(e.Version) {
		return fmt.Errorf("it holds the symbols of %s %s, not of %s %s", pkg.Manifest.ID, pkg.Manifest.Version, e.ID, e.Version)
	}
	return f.catalog.PutSymbols(ctx, sf.space, sf.id, sf.version, symbolRows(pkg, key))
}

// symbolRows are the catalogue rows of a symbol package stored at key.
func symbolRows(pkg *nuget.SymbolPackage, key string) []index.SymbolFile {
	rows := make([]index.SymbolFile, len(pkg.PDBs))
	for i, p := range pkg.PDBs {
		rows[i] = index.SymbolFile{Key: p.Key, Path: p.Path, BlobKey: key, Size: p.Size, SHA256: hex.EncodeToString(p.Checksum[:])}
	}
	return rows
}
