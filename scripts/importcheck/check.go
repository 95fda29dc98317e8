package main

import (
	"fmt"
	"go/parser"
	"go/token"
	"slices"
	"strconv"
)

// pkg is one package of the build graph, named as rules write it.
type pkg struct {
	name     string   // module-relative for ours ("feed"), else the import path
	path     string   // the full import path
	ours     bool     // a package of this module, which has a rule
	standard bool     // in the standard library
	imports  []string // names of the packages its non-test files import
	files    []string // its non-test Go files, to point at an import
	rule     rule
	noRule   bool // its doc.go has no readable rule: reported once, not checked
}

// graph is every package of the build, ours and their dependencies, by name.
type graph map[string]*pkg

// check returns one message per broken rule, ours in name order. std is
// the standard library's package paths, to tell a mistyped path in a rule
// from one that nothing happens to import.
func check(g graph, std map[string]bool) []string {
	var names []string
	for name, p := range g {
		if p.ours && !p.noRule {
			names = append(names, name)
		}
	}
	slices.Sort(names)

	var problems []string
	for _, name := range names {
		p := g[name]
		problems = append(problems, unknownPatterns(g, std, p)...)
		for _, imp := range p.imports {
			q := g[imp]
			if q == nil {
				continue // "C" and the like: not a package of the graph
			}
			switch {
			case matchAny(p.rule.mustNot, q.name, q.standard):
				problems = append(problems, fmt.Sprintf("%s: %s imports %s, which %s forbids: %s",
					where(p, q), p.name, q.name, p.rule.file, list(keyMustNot, p.rule.mustNot)))
			case !matchAny(p.rule.mayImport, q.name, q.standard):
				problems = append(problems, fmt.Sprintf("%s: %s imports %s, which %s does not allow: %s",
					where(p, q), p.name, q.name, p.rule.file, list(keyMayImport, p.rule.mayImport)))
			}
			if q.ours && !q.noRule && q.rule.importedBy != nil && !matchAny(q.rule.importedBy, p.name, false) {
				problems = append(problems, fmt.Sprintf("%s: %s imports %s, which %s does not allow: %s",
					where(p, q), p.name, q.name, q.rule.file, list(keyImportedBy, q.rule.importedBy)))
			}
		}
		for _, pattern := range p.rule.neverReaches {
			if chain := reach(g, p, pattern); chain != nil {
				problems = append(problems, fmt.Sprintf("%s reaches %s (%s), which %s forbids: %s",
					p.name, chain[len(chain)-1], joinChain(chain), p.rule.file, list(keyNeverReaches, p.rule.neverReaches)))
			}
		}
	}
	return problems
}

// unknownPatterns names the patterns of p's rule that match no package: a
// typo, or a package that moved or went, which leaves the rule saying
// nothing.
func unknownPatterns(g graph, std map[string]bool, p *pkg) []string {
	var problems []string
	for _, f := range []struct {
		key      string
		patterns []string
	}{{keyMayImport, p.rule.mayImport}, {keyMustNot, p.rule.mustNot}, {keyNeverReaches, p.rule.neverReaches}, {keyImportedBy, p.rule.importedBy}} {
		for _, pattern := range f.patterns {
			if pattern == "std" || pattern == "tests" || known(g, std, pattern) {
				continue
			}
			problems = append(problems, fmt.Sprintf("%s: %q in %q names no package of this module, its dependencies or the standard library",
				p.rule.file, pattern, f.key))
		}
	}
	return problems
}

func known(g graph, std map[string]bool, pattern string) bool {
	for name, q := range g {
		if match(pattern, name, q.standard) {
			return true
		}
	}
	for path := range std {
		if match(pattern, path, true) {
			return true
		}
	}
	return false
}

// reach returns the shortest import chain from p to a package pattern
// matches, or nil.
func reach(g graph, p *pkg, pattern string) []string {
	from := map[string]string{p.name: ""}
	queue := []string{p.name}
	for len(queue) > 0 {
		name := queue[0]
		queue = queue[1:]
		for _, imp := range g[name].imports {
			q := g[imp]
			if q == nil {
				continue
			}
			if _, seen := from[imp]; seen {
				continue
			}
			from[imp] = name
			if match(pattern, imp, q.standard) {
				var chain []string
				for n := imp; n != ""; n = from[n] {
					chain = append(chain, n)
				}
				slices.Reverse(chain)
				return chain
			}
			queue = append(queue, imp)
		}
	}
	return nil
}

func joinChain(chain []string) string {
	s := chain[0]
	for _, n := range chain[1:] {
		s += " → " + n
	}
	return s
}

// where points at the line of p's files that imports q, or at p when no
// file can be read.
func where(p, q *pkg) string {
	fset := token.NewFileSet()
	for _, file := range p.files {
		f, err := parser.ParseFile(fset, file, nil, parser.ImportsOnly)
		if err != nil {
			continue
		}
		for _, spec := range f.Imports {
			if path, _ := strconv.Unquote(spec.Path.Value); path == q.path {
				pos := fset.Position(spec.Pos())
				return fmt.Sprintf("%s:%d", pos.Filename, pos.Line)
			}
		}
	}
	return p.name
}
