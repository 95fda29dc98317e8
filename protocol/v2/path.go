package v2

import (
	"fmt"
	"net/url"
	"strings"
)

// Resources of the feed, as named in $metadata.
const (
	resMetadata         = "$metadata"
	resPackages         = "Packages"
	resFindPackagesByID = "FindPackagesById"
	resSearch           = "Search"
	resGetUpdates       = "GetUpdates"
)

// odataPath is the part of a v2 URL after the feed's base: a resource, the
// arguments in its parentheses, and an optional /$count or /$value.
type odataPath struct {
	Resource string            // one of the res* constants
	Parens   bool              // "Packages()" rather than "Packages"
	Args     map[string]string // Packages(Id='x',Version='1.0') → id, version (keys lowercased)
	Count    bool              // "/$count": a plain-text integer
	Value    bool              // "/$value" or "/Download": the package file
}

// parsePath parses the escaped path below the feed base (no leading slash):
// "Packages", "Packages()", "Packages()/$count", "Packages(Id='x',Version='1.0')",
// "FindPackagesById()", "Search()/$count", "$metadata". Names match
// case-insensitively; literals are OData strings (” escapes a quote).
func parsePath(escaped string) (odataPath, error) {
	var p odataPath
	raw, err := url.PathUnescape(escaped)
	if err != nil {
		return p, fmt.Errorf("%w: path %q: %v", errQuery, escaped, err)
	}
	raw = strings.TrimSuffix(raw, "/") // "Packages()/" from hand-written URLs
	if len(raw) > maxExprLen {
		return p, fmt.Errorf("%w: path longer than %d bytes", errQuery, maxExprLen)
	}
	if strings.EqualFold(raw, resMetadata) {
		p.Resource = resMetadata
		return p, nil
	}
	name, rest := raw, ""
	if i := strings.IndexAny(raw, "(/"); i >= 0 {
		name, rest = raw[:i], raw[i:]
	}
	for _, r := range []string{resPackages, resFindPackagesByID, resSearch, resGetUpdates} {
		if strings.EqualFold(name, r) {
			p.Resource = r
		}
	}
	if p.Resource == "" {
		return p, fmt.Errorf("%w: unknown resource %q", errNotFound, name)
	}
	if strings.HasPrefix(rest, "(") {
		end := closingParen(rest)
		if end < 0 {
			return p, fmt.Errorf("%w: missing ')' in %q", errQuery, raw)
		}
		p.Parens = true
		args, err := parseArgs(rest[1:end])
		if err != nil {
			return p, err
		}
		p.Args = args
		rest = rest[end+1:]
	}
	switch {
	case rest == "":
	case strings.EqualFold(rest, "/$count"):
		p.Count = true
	case strings.EqualFold(rest, "/$value"), strings.EqualFold(rest, "/Download"): // NuGet.Server's download link
		p.Value = true
	default:
		return p, fmt.Errorf("%w: unknown path segment %q", errNotFound, rest)
	}
	if p.Value && (p.Resource != resPackages || len(p.Args) == 0) {
		return p, fmt.Errorf("%w: %s has no file", errNotFound, raw)
	}
	if len(p.Args) > 0 && p.Resource == resPackages {
		if _, ok := p.Args["id"]; !ok {
			return p, fmt.Errorf("%w: Packages(...) needs Id", errQuery)
		}
		if _, ok := p.Args["version"]; !ok {
			return p, fmt.Errorf("%w: Packages(...) needs Version", errQuery)
		}
		if p.Count {
			return p, fmt.Errorf("%w: $count of a single package", errQuery)
		}
	}
	return p, nil
}

// closingParen is the index of the ')' that closes the '(' at s[0], skipping
// string literals; -1 when there is none.
func closingParen(s string) int {
	quoted := false
	for i := 1; i < len(s); i++ {
		switch {
		case s[i] == '\'':
			quoted = !quoted
		case !quoted && s[i] == ')':
			return i
		}
	}
	return -1
}

// parseArgs parses "Id='x',Version='1.0'" (keys lowercased). A bare value
// "'x','1.0'" is positional Id, Version, as WCF Data Services also accepts.
func parseArgs(s string) (map[string]string, error) {
	args := map[string]string{}
	s = strings.TrimSpace(s)
	if s == "" {
		return args, nil
	}
	positional := []string{"id", "version"}
	for i := 0; s != ""; i++ {
		key := ""
		if s[0] != '\'' {
			eq := strings.IndexByte(s, '=')
			if eq <= 0 {
				return nil, fmt.Errorf("%w: argument %q is not name='value'", errQuery, s)
			}
			key = strings.ToLower(strings.TrimSpace(s[:eq]))
			s = strings.TrimSpace(s[eq+1:])
		} else if i < len(positional) {
			key = positional[i]
		} else {
			return nil, fmt.Errorf("%w: too many arguments", errQuery)
		}
		if s == "" || s[0] != '\'' {
			return nil, fmt.Errorf("%w: argument %s needs a quoted value", errQuery, key)
		}
		v, n, err := readString(s)
		if err != nil {
			return nil, err
		}
		if _, dup := args[key]; dup {
			return nil, fmt.Errorf("%w: argument %s given twice", errQuery, key)
		}
		args[key] = v
		s = strings.TrimSpace(s[n:])
		if s == "" {
			break
		}
		if s[0] != ',' {
			return nil, fmt.Errorf("%w: expected ',' between arguments, got %q", errQuery, s)
		}
		s = strings.TrimSpace(s[1:])
		if s == "" {
			return nil, fmt.Errorf("%w: trailing ','", errQuery)
		}
	}
	return args, nil
}

// literal reads a function parameter from the query string: an OData string
// literal ('x', quotes doubled inside) or, leniently, the bare text (some
// scripts send id=x).
func literal(s string) string {
	s = strings.TrimSpace(s)
	if len(s) >= 2 && s[0] == '\'' {
		if v, n, err := readString(s); err == nil && n == len(s) {
			return v
		}
	}
	return s
}
