package generic

import (
	"encoding/hex"
	"fmt"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/feedserver/feedserver/feed/internal/fault"
	"github.com/feedserver/feedserver/storage"
)

// The storage prefixes of the registry (doc.go describes the layout).
const (
	blobPrefix  = "generic/blobs/sha256/"
	ownerPrefix = "generic/owners/"
	refSuffix   = ".ref.json"
)

// Limits of names, in bytes. Versions are bounded by their stored (escaped)
// form, which must fit one 255-byte path segment.
const (
	MaxNameLength     = 200
	MaxFileNameLength = 200
)

// InvalidError says which part of a file's identity is refused and why; the
// protocol shows it in its 400.
type InvalidError struct {
	Part   string // "owner", "package name", "version" or "file name"
	Value  string
	Reason string
}

func (e *InvalidError) Error() string {
	v := e.Value
	if len(v) > 100 {
		v = v[:100] + "..."
	}
	return fmt.Sprintf("invalid %s %q: %s", e.Part, v, e.Reason)
}

// Is makes errors.Is(err, feed.ErrInvalid) true.
func (e *InvalidError) Is(target error) bool { return target == fault.ErrInvalid }

// nameRe is Gitea's package name rule (`\A[-_+.\w]+\z`; \w is ASCII),
// which is also the rule for file names.
var nameRe = regexp.MustCompile(`^[A-Za-z0-9._+-]+$`)

// ownerRe is what the registry accepts as an owner path segment; the owner
// grammar itself is auth.NormalizeOwner's.
var ownerRe = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,63}$`)

const charsRule = "it may contain only letters, digits, dots, hyphens, pluses and underscores"

// ValidateName checks a package name: Gitea's rule, no "..", and a
// one-character name must be a letter or a digit.
func ValidateName(name string) error {
	if reason := nameProblem(name, MaxNameLength); reason != "" {
		return &InvalidError{Part: "package name", Value: name, Reason: reason}
	}
	if len(name) == 1 && !isAlnum(name[0]) {
		return &InvalidError{Part: "package name", Value: name, Reason: "a one-character name must be a letter or a digit"}
	}
	return nil
}

// ValidateFileName checks a file name: the package name's characters, no
// "..", not ".".
func ValidateFileName(name string) error {
	if reason := nameProblem(name, MaxFileNameLength); reason != "" {
		return &InvalidError{Part: "file name", Value: name, Reason: reason}
	}
	if name == "." {
		return &InvalidError{Part: "file name", Value: name, Reason: `"." is not a file name`}
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
	case !nameRe.MatchString(name):
		return charsRule
	case len(name) > max:
		return fmt.Sprintf("it is longer than %d characters", max)
	}
	return ""
}

// ValidateVersion checks a version: Gitea's rule (free text, not empty, no
// leading or trailing whitespace; inner spaces are fine) plus what keeps it
// one safe path segment: no separators, no "..", no control characters.
func ValidateVersion(v string) error {
	fail := func(reason string) error { return &InvalidError{Part: "version", Value: v, Reason: reason} }
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

func validateOwner(owner string) error {
	if !ownerRe.MatchString(owner) || strings.Contains(owner, "..") {
		return &InvalidError{Part: "owner", Value: owner, Reason: "an owner is lowercase letters, digits, dots, hyphens and underscores"}
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

// fileID is a validated file (or version, when file is "") and its keys.
type fileID struct {
	owner, name, version, file string
	dir                        string // the version's folder: "generic/owners/{o}/{n}/{v}"
	refKey                     string // "" for a version
}

func newFileID(owner, name, version, file string) (fileID, error) {
	if err := validateOwner(owner); err != nil {
		return fileID{}, err
	}
	if err := ValidateName(name); err != nil {
		return fileID{}, err
	}
	if err := ValidateVersion(version); err != nil {
		return fileID{}, err
	}
	id := fileID{owner: owner, name: name, version: version, file: file}
	id.dir = ownerPrefix + encodeSegment(owner) + "/" + encodeSegment(strings.ToLower(name)) + "/" +
		encodeSegment(strings.ToLower(version))
	if file != "" {
		if err := ValidateFileName(file); err != nil {
			return fileID{}, err
		}
		id.refKey = id.dir + "/" + encodeSegment(strings.ToLower(file)) + refSuffix
	}
	key := id.dir
	if id.refKey != "" {
		key = id.refKey
	}
	if err := storage.ValidKey(key); err != nil {
		// Every part was checked above; this is the safety net for the key grammar.
		return fileID{}, &InvalidError{Part: "path", Value: name + "/" + version + "/" + file, Reason: "it cannot be stored: " + err.Error()}
	}
	return id, nil
}

// newFileIDOf is newFileID for a file, which must be named.
func newFileIDOf(owner, name, version, file string) (fileID, error) {
	id, err := newFileID(owner, name, version, file)
	if err == nil && id.refKey == "" {
		return fileID{}, &InvalidError{Part: "file name", Reason: "it is empty"}
	}
	return id, err
}

// lockKey serialises work on one version.
func (id fileID) lockKey() string { return id.dir }

// packageOf reads the owner and the lowercased package name from a
// reference key: generic/owners/{owner}/{name}/{version}/{file}.ref.json.
func packageOf(key string) (owner, name string, ok bool) {
	rest, found := strings.CutPrefix(key, ownerPrefix)
	parts := strings.Split(rest, "/")
	if !found || len(parts) != 4 {
		return "", "", false
	}
	owner, err1 := decodeSegment(parts[0])
	name, err2 := decodeSegment(parts[1])
	if err1 != nil || err2 != nil || owner == "" || name == "" {
		return "", "", false
	}
	return owner, name, true
}

func blobKey(sha string) string { return blobPrefix + sha[:2] + "/" + sha }

func blobLock(sha string) string { return "generic/blob-lock/" + sha }

const reindexLock = "generic/reindex-lock"

var sha256Re = regexp.MustCompile(`^[0-9a-f]{64}$`)
