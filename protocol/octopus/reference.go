package octopus

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/feedserver/feedserver/feed"
	"github.com/feedserver/feedserver/index"
	"github.com/feedserver/feedserver/nuget"
)

// Bounds of what a request may name, checked before any work that grows with
// it (issue 17: a 8,001-character reference once kept a CPU busy for seconds).
const (
	// maxReference bounds a package reference "{id}.{version}" (after any
	// "packages-" prefix). No stored package has a longer one: an id is at
	// most 100 characters (nuget.MaxIDLength) and a .nupkg's version at most
	// 64, and a raw archive's whole file name is one 255-byte segment of the
	// package directory.
	maxReference = 256
	// maxReferences bounds the references of one request (packageIds= of
	// release notes, ids= of a bulk delete); each costs a few catalogue
	// look-ups, or a delete.
	maxReferences = 1000
	// maxFilter bounds a filter, term or tag: all of them are matched against
	// ids and versions, which are shorter.
	maxFilter = 256
)

// resourcePrefix starts an Octopus package resource id ("packages-A.1.0.0").
const resourcePrefix = "packages-"

// reference is one reading of a package reference: an id and a version.
type reference struct{ id, version string }

// parseReference reads a package resource id: "packages-{id}.{version}"
// (docs scripts) or "{id}.{version}" (Octopus.Client GetPackage). The split
// is ambiguous ("A.1.2.3" is A 1.2.3 or A.1 2.3), so it returns every
// reading, shortest id first as Octopus' file-name rule reads it, and the
// reference without its prefix. A reference longer than any stored
// package's is refused before anything else.
func parseReference(ref string) ([]reference, string, error) {
	if len(ref) > len(resourcePrefix) && strings.EqualFold(ref[:len(resourcePrefix)], resourcePrefix) {
		ref = ref[len(resourcePrefix):]
	}
	if len(ref) > maxReference {
		return nil, "", fmt.Errorf("%w: a package reference ({id}.{version}) is at most %d characters; this one has %d",
			errBadRequest, maxReference, len(ref))
	}
	return splitReference(ref), ref, nil
}

// splitReference lists the readings of "{id}.{version}" in time linear in
// len(ref), whatever its length: a split at a '.' is a reading when what
// precedes it could be a stored id (NuGet's id syntax, ASCII, at most 100
// characters, nuget.Findable) and what follows starts with a digit and holds
// only a version's characters, in at most nuget.MaxVersionText bytes. One
// backward pass finds where the version characters start, one forward pass
// over at most 100 bytes walks the id syntax; each reading is then a slice of
// ref, never a copy.
func splitReference(ref string) []reference {
	// versionFrom: the first index from which every byte is a version byte.
	versionFrom := len(ref)
	for versionFrom > 0 && isVersionByte(ref[versionFrom-1]) {
		versionFrom--
	}
	var out []reference
	word := false // the id so far ends in a word character
	for i := 0; i < len(ref) && i <= nuget.MaxIDLength; i++ {
		c := ref[i]
		switch {
		case isIDWordByte(c):
			word = true
			continue
		case c == '-' && word:
			word = false
			continue
		case c != '.' || !word:
			return out // not an id character, or two separators: no longer id can be valid
		}
		// ref[:i] is a valid id and ref[i] is '.'.
		v := ref[i+1:]
		if i+1 >= versionFrom && len(v) > 0 && len(v) <= nuget.MaxVersionText && v[0] >= '0' && v[0] <= '9' {
			out = append(out, reference{id: ref[:i], version: v})
		}
		word = false
	}
	return out
}

// isIDWordByte is an ASCII word character of NuGet's id syntax; ids outside
// ASCII are never stored (nuget.ID.CheckStorable).
func isIDWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_'
}

// isVersionByte is a byte a NuGet or Octopus version may hold.
func isVersionByte(c byte) bool {
	return isIDWordByte(c) && c != '_' || c == '.' || c == '-' || c == '+'
}

// findPackage resolves a package reference (parseReference) to the stored
// version it names, trying each reading NuGet before raw. It stops when the
// request ends.
func (h *Handler) findPackage(ctx context.Context, space, ref string) (index.Entry, error) {
	readings, ref, err := parseReference(ref)
	if err != nil {
		return index.Entry{}, err
	}
	for _, rd := range readings {
		if err := ctx.Err(); err != nil {
			return index.Entry{}, err
		}
		e, err := h.findVersion(ctx, space, rd.id, rd.version)
		if err == nil {
			return e, nil
		}
		if !errors.Is(err, feed.ErrNotFound) {
			return index.Entry{}, err
		}
	}
	return index.Entry{}, fmt.Errorf("%w: package %s in %s", feed.ErrNotFound, ref, space)
}

// checkReferences refuses a list of references (packageIds=, ids=) longer
// than maxReferences, before any of them is looked up.
func checkReferences(name string, refs []string) error {
	if len(refs) > maxReferences {
		return fmt.Errorf("%w: the %s parameter lists %d packages; the limit is %d per request", errBadRequest, name, len(refs), maxReferences)
	}
	return nil
}

// checkFilter refuses a filter-like parameter longer than maxFilter.
func checkFilter(name, v string) error {
	if len(v) > maxFilter {
		return fmt.Errorf("%w: the %s parameter is at most %d characters", errBadRequest, name, maxFilter)
	}
	return nil
}
