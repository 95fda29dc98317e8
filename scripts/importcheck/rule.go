package main

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// The four fields of a rule, as written in a package comment.
const (
	keyMayImport    = "may import:"
	keyMustNot      = "must not:"
	keyNeverReaches = "never reaches:"
	keyImportedBy   = "imported by:"
)

var keys = []string{keyMayImport, keyMustNot, keyNeverReaches, keyImportedBy}

// rule is what a package's doc.go allows. Each list holds patterns: "std"
// (the standard library, in may import only), "tests" (in imported by only:
// the package's own _test.go files and other packages' tests, which are
// never checked), a package path, or a path ending in "/..." for that
// package and every package below it. A feedserver package is written
// relative to the module ("feed", "protocol/httpx"); anything else is
// written in full ("net/http", "github.com/gorilla/mux").
type rule struct {
	file         string // where the rule was read, for messages
	mayImport    []string
	mustNot      []string
	neverReaches []string
	importedBy   []string
}

// readRule reads the rule of the package in dir from its doc.go.
func readRule(dir string) (rule, error) {
	file := filepath.Join(dir, "doc.go")
	src, err := os.ReadFile(file)
	if err != nil {
		return rule{}, fmt.Errorf("no doc.go (every package has one, with its import rule): %w", err)
	}
	f, err := parser.ParseFile(token.NewFileSet(), file, src, parser.ParseComments|parser.PackageClauseOnly)
	if err != nil {
		return rule{}, err
	}
	r, err := parseRule(commentText(f.Doc))
	r.file = file
	return r, err
}

func commentText(g *ast.CommentGroup) string {
	if g == nil {
		return ""
	}
	return g.Text()
}

// section is the heading of the part of a package comment that holds the
// rule.
const section = "# Imports"

// parseRule finds the rule's lines in the "# Imports" section of a package
// comment (prose may come before them):
//
//	may import:    std, nuget, storage,
//	               github.com/beevik/etree
//	must not:      net/http/..., os/..., syscall, unsafe
//	never reaches: net/http
//	imported by:   tests, protocol/protocoltest
//
// A field is a comma-separated list; an indented line that starts with no
// key continues the field above it. "may import" is required (a package with
// only the standard library says "may import: std"), the others are optional.
func parseRule(doc string) (rule, error) {
	var r rule
	seen := map[string]bool{}
	inSection, sections := false, 0
	var field *[]string // the field an indented line continues
	for line := range strings.SplitSeq(doc, "\n") {
		text := strings.TrimSpace(line)
		if strings.HasPrefix(line, "# ") {
			inSection = line == section
			if inSection {
				sections++
			}
			field = nil
			continue
		}
		if !inSection {
			continue
		}
		key := ""
		for _, k := range keys {
			if strings.HasPrefix(text, k) {
				key = k
			}
		}
		switch {
		case key != "":
			if seen[key] {
				return r, fmt.Errorf("%q appears twice", key)
			}
			seen[key] = true
			field = map[string]*[]string{
				keyMayImport:    &r.mayImport,
				keyMustNot:      &r.mustNot,
				keyNeverReaches: &r.neverReaches,
				keyImportedBy:   &r.importedBy,
			}[key]
			text = strings.TrimPrefix(text, key)
		case field != nil && text != "" && line != text:
			// An indented continuation line.
		default:
			field = nil
			continue
		}
		for item := range strings.SplitSeq(text, ",") {
			if item = strings.TrimSpace(item); item != "" {
				if strings.ContainsAny(item, " \t") {
					return r, fmt.Errorf("%q is not a package path (separate paths with commas)", item)
				}
				*field = append(*field, item)
			}
		}
	}
	switch {
	case sections == 0:
		return r, fmt.Errorf("no import rule: the package comment needs a section %q with a line %q (see scripts/importcheck/doc.go)", section, "may import: std, …")
	case sections > 1:
		return r, fmt.Errorf("%q appears twice", section)
	case !seen[keyMayImport]:
		return r, fmt.Errorf("the %q section has no line %q (see scripts/importcheck/doc.go)", section, "may import: std, …")
	}
	if slices.Contains(r.mustNot, "std") || slices.Contains(r.neverReaches, "std") || slices.Contains(r.importedBy, "std") {
		return r, fmt.Errorf(`"std" belongs in %q only`, keyMayImport)
	}
	if slices.Contains(r.mayImport, "tests") || slices.Contains(r.mustNot, "tests") || slices.Contains(r.neverReaches, "tests") {
		return r, fmt.Errorf(`"tests" belongs in %q only`, keyImportedBy)
	}
	return r, nil
}

// match reports whether pattern names the package: "std" any standard
// package, "p/..." p and everything below it, anything else exactly p. name
// is the package's path as rules write it (module-relative for ours).
func match(pattern, name string, standard bool) bool {
	if pattern == "std" {
		return standard
	}
	if p, ok := strings.CutSuffix(pattern, "/..."); ok {
		return name == p || strings.HasPrefix(name, p+"/")
	}
	return name == pattern
}

func matchAny(patterns []string, name string, standard bool) bool {
	for _, p := range patterns {
		if match(p, name, standard) {
			return true
		}
	}
	return false
}

// list is a field as the doc.go writes it, for messages.
func list(key string, patterns []string) string {
	return fmt.Sprintf("%q", key+" "+strings.Join(patterns, ", "))
}
