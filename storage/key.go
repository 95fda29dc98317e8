package storage

import (
	"fmt"
	"strings"
)

// Limits of the key grammar. They keep every key a valid path on common
// filesystems (255-byte names, comfortably short full paths).
const (
	MaxKeyLen     = 1024
	MaxSegmentLen = 255
)

// ValidKey reports whether key follows the key grammar, returning nil or an
// error wrapping ErrInvalidKey that says why:
//
//   - 1 to MaxKeyLen bytes, segments separated by '/';
//   - no leading or trailing slash, no empty segment;
//   - each segment 1 to MaxSegmentLen bytes of [A-Za-z0-9._+-];
//   - no segment starts with '.', which also rules out "." and "..":
//     drivers name their temporary files ".tmp-*", so a temporary file can
//     never collide with a key or be listed as one.
//
// Case is kept as given; callers lowercase case-insensitive segments themselves.
func ValidKey(key string) error {
	if reason := keyProblem(key); reason != "" {
		return fmt.Errorf("%w %s: %s", ErrInvalidKey, quoteKey(key), reason)
	}
	return nil
}

// ValidPrefix reports whether prefix may be passed to Store.List: either ""
// (everything) or a valid key, optionally followed by one '/'.
func ValidPrefix(prefix string) error {
	if prefix == "" {
		return nil
	}
	if reason := keyProblem(strings.TrimSuffix(prefix, "/")); reason != "" {
		return fmt.Errorf("%w prefix %s: %s", ErrInvalidKey, quoteKey(prefix), reason)
	}
	return nil
}

// HasPrefix reports whether key is listed under prefix. A prefix is a whole
// path: "a/b" matches "a/b" and "a/b/c" but never "a/bc"; "a/b/" matches only
// keys below "a/b"; "" matches every key.
func HasPrefix(key, prefix string) bool {
	switch {
	case prefix == "":
		return true
	case strings.HasSuffix(prefix, "/"):
		return strings.HasPrefix(key, prefix)
	default:
		return key == prefix || strings.HasPrefix(key, prefix+"/")
	}
}

// keyProblem returns why key is invalid, or "" when it is valid.
func keyProblem(key string) string {
	switch {
	case key == "":
		return "empty"
	case len(key) > MaxKeyLen:
		return fmt.Sprintf("longer than %d bytes", MaxKeyLen)
	case key[0] == '/':
		return "leading slash"
	case key[len(key)-1] == '/':
		return "trailing slash"
	}
	for i, seg := range strings.Split(key, "/") {
		switch {
		case seg == "":
			return "empty segment"
		case len(seg) > MaxSegmentLen:
			return fmt.Sprintf("segment %d longer than %d bytes", i+1, MaxSegmentLen)
		case seg[0] == '.':
			// Also rejects "." and "..".
			return fmt.Sprintf("segment %d starts with '.'", i+1)
		}
		for j := 0; j < len(seg); j++ {
			if !keyByte(seg[j]) {
				return fmt.Sprintf("segment %d has byte %q at offset %d", i+1, seg[j], j)
			}
		}
	}
	return ""
}

// keyByte reports whether c may appear in a key segment.
func keyByte(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	case c == '.', c == '_', c == '+', c == '-':
		return true
	}
	return false
}

// quoteKey quotes key for an error message, cut short so a hostile 1 MB key
// does not end up in the logs whole.
func quoteKey(key string) string {
	const max = 100
	if len(key) > max {
		return fmt.Sprintf("%q...", key[:max])
	}
	return fmt.Sprintf("%q", key)
}
