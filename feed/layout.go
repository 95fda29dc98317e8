package feed

import (
	"fmt"
	"path"
	"strings"

	"github.com/feedserver/feedserver/auth"
	"github.com/feedserver/feedserver/index"
	"github.com/feedserver/feedserver/nuget"
)

// DefaultSpace is the space every server has; Octopus clients that know
// nothing of spaces land here.
const DefaultSpace = "Spaces-1"

// CanonicalSpace spells a space id as Octopus does ("spaces-2" and
// "Spaces-02" → "Spaces-2", auth.ParseSpaceID); "" is the default space.
// Text that is not a space id comes back as it is: a read then finds
// nothing, and a push refuses it (ValidSpace).
func CanonicalSpace(space string) string {
	if space == "" {
		return DefaultSpace
	}
	if id, _, ok := auth.ParseSpaceID(space); ok {
		return id
	}
	return space
}

// ValidSpace reports whether space is a space id in its canonical spelling,
// the only form a package is stored under.
func ValidSpace(space string) bool {
	id, _, ok := auth.ParseSpaceID(space)
	return ok && id == space
}

// SpaceDir is the directory segment of a space id.
func SpaceDir(space string) string { return strings.ToLower(space) }

// SpaceFromDir turns a directory segment back into the space id. Only the
// lowercased canonical id is a space's folder: "spaces-01" is not one.
func SpaceFromDir(dir string) (string, bool) {
	id, _, ok := auth.ParseSpaceID(dir)
	if !ok || SpaceDir(id) != dir {
		return "", false
	}
	return id, true
}

// packageKey is the canonical storage key of one package version. Versions
// sit side by side in their id's folder: a folder per version cost a push a
// directory to make and two more metadata writes to make durable.
func packageKey(space string, kind index.Kind, id nuget.ID, v nuget.Version, fileName string) string {
	dir := path.Join(SpaceDir(space), string(kind), id.Lower())
	if kind == index.KindNuGet || kind == index.KindCached {
		return path.Join(dir, id.Lower()+"."+v.Lower()+".nupkg")
	}
	return path.Join(dir, fileName)
}

// earlierPackageKey is where the layout before versions shared their id's
// folder kept a package: {space}/{kind}/{lower id}/{lower version}/{file}.
// Files found there are served and stay there.
func earlierPackageKey(space string, kind index.Kind, id nuget.ID, v nuget.Version, fileName string) string {
	key := packageKey(space, kind, id, v, fileName)
	return path.Join(path.Dir(key), v.Lower(), path.Base(key))
}

// keyInfo is what a storage key says about its file before it is opened.
type keyInfo struct {
	space string
	kind  index.Kind
	group string // "{space dir}/{kind}/{lower id}": versions of one id are contiguous in key order
}

// parseKey classifies a key of the package directory. ok is false for keys
// that are not packages of a space (generic packages, foreign files).
func parseKey(key string) (keyInfo, bool) {
	parts := strings.Split(key, "/")
	if len(parts) < 3 {
		return keyInfo{}, false
	}
	space, ok := SpaceFromDir(parts[0])
	if !ok {
		return keyInfo{}, false
	}
	kind := index.Kind(parts[1])
	if kind != index.KindNuGet && kind != index.KindRaw && kind != index.KindCached {
		return keyInfo{}, false
	}
	// {space}/{kind}/{id}/{file}, or {space}/{kind}/{id}/{version}/{file}
	// (earlierPackageKey).
	group := key // a hand-dropped file: its own group, the canonical key is learnt later
	if len(parts) == 4 || len(parts) == 5 {
		group = strings.Join(parts[:3], "/")
	}
	return keyInfo{space: space, kind: kind, group: group}, true
}

// rawFileName is the stored name of a raw archive: the id and version as pushed.
func rawFileName(a nuget.ArchiveName) string {
	return fmt.Sprintf("%s.%s%s", a.ID, a.Version.Original(), a.Extension)
}
