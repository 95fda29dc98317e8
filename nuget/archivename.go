package nuget

import (
	"regexp"
	"strings"
)

// ArchiveName is an Octopus-style file name split into its parts.
type ArchiveName struct {
	ID        ID
	Version   Version // Original() keeps the text of the file name
	Extension string  // with the leading dot, in the case used by the file (".tar.gz")
}

// archiveExtensions are the file kinds the Octopus built-in feed accepts
// (Octopus docs, Calamari's extractors), longest first so ".tar.gz" wins
// over ".tar"-like prefixes when stripping.
var archiveExtensions = []string{
	".tar.bz2", ".tar.gz", ".tar.bz", ".nupkg", ".tar.Z",
	".tgz", ".tbz", ".zip", ".jar", ".war", ".ear", ".rar", ".tar",
}

// archiveNameRE is Octopus' PackageIdentity pattern (copied by OctopusClients,
// go-octopusdeploy and Calamari). The id is lazy: it takes the shortest prefix
// that leaves a 1–4 part version, so Acme.Web.1.2.3.4.5 gives id Acme.Web.1.
// \w and \d are spelled as .NET's Unicode classes; Go's RE2 gives the same
// submatches a backtracking engine would for lazy quantifiers.
var archiveNameRE = regexp.MustCompile(
	`^(?P<id>[\p{L}\p{Mn}\p{Nd}\p{Pc}]+(?:[_.-][\p{L}\p{Mn}\p{Nd}\p{Pc}]+)*?)\.` +
		`(?P<version>\p{Nd}+(?:\.\p{Nd}+){0,3}(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?)$`)

const archiveNameHint = "name it <PackageId>.<Version><extension>, for example MyApp.Web.1.0.0.zip"

// ParseArchiveName splits an Octopus-style file name into id, version and
// extension: the base name (after the last '/' or '\'), a known extension
// stripped case-insensitively, then the id/version pattern above. The version
// is parsed leniently, as Octopus' SemVerFactory does (numeric prerelease
// labels may have leading zeros: MyApp.2016.09.01-beta.0001.zip), and its
// Original() keeps the file's text.
//
// For a .nupkg the nuspec, not the file name, is the truth; callers read it.
func ParseArchiveName(name string) (ArchiveName, error) {
	base := name
	if i := strings.LastIndexAny(base, `/\`); i >= 0 {
		base = base[i+1:]
	}
	ext := knownExtension(base)
	if ext == "" {
		return ArchiveName{}, invalidf("the file name %q does not end in a supported extension (%s): %s",
			shorten(base), strings.Join(archiveExtensions, " "), archiveNameHint)
	}
	stem := base[:len(base)-len(ext)]
	m := archiveNameRE.FindStringSubmatch(stem)
	if m == nil {
		return ArchiveName{}, invalidf("cannot tell the package id and version from the file name %q: %s", shorten(base), archiveNameHint)
	}
	id, err := ParseID(m[1])
	if err != nil {
		return ArchiveName{}, err
	}
	v, err := parseVersion(m[2], true)
	if err != nil {
		return ArchiveName{}, &FieldError{Field: "version in the file name " + shorten(base), Value: m[2], Err: err}
	}
	return ArchiveName{ID: id, Version: v, Extension: ext}, nil
}

// knownExtension returns the file's own spelling of its known extension, or "".
func knownExtension(base string) string {
	for _, ext := range archiveExtensions {
		if len(base) > len(ext) && strings.EqualFold(base[len(base)-len(ext):], ext) {
			return base[len(base)-len(ext):]
		}
	}
	return ""
}

// IsKnownArchiveExtension reports whether ext (with its leading dot, any case,
// e.g. ".tar.gz") is a package kind the Octopus built-in feed accepts.
func IsKnownArchiveExtension(ext string) bool {
	for _, e := range archiveExtensions {
		if strings.EqualFold(e, ext) {
			return true
		}
	}
	return false
}
