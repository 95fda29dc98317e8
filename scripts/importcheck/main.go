package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

func main() {
	problems, checked, err := run()
	if err != nil {
		fmt.Fprintln(os.Stderr, "importcheck:", err)
		os.Exit(2)
	}
	for _, p := range problems {
		fmt.Println(p)
	}
	if len(problems) > 0 {
		fmt.Printf("import rules: %d broken (%d packages checked; each package's rule is in its doc.go)\n", len(problems), checked)
		os.Exit(1)
	}
	fmt.Printf("import rules: ok (%d packages)\n", checked)
}

// listed is what go list -json says of a package.
type listed struct {
	ImportPath string
	Dir        string
	Standard   bool
	DepOnly    bool
	Imports    []string
	GoFiles    []string
	CgoFiles   []string
	Module     *struct{ Path string }
	Error      *struct{ Err string }
}

// run loads the build graph of ./... (non-test files only) and each of our
// packages' rule, and checks them.
func run() (problems []string, checked int, err error) {
	cwd, err := os.Getwd()
	if err != nil {
		return nil, 0, err
	}
	out, err := goList("-e", "-deps", "-json=ImportPath,Dir,Standard,DepOnly,Imports,GoFiles,CgoFiles,Module,Error", "./...")
	if err != nil {
		return nil, 0, err
	}
	var all []listed
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var l listed
		if err := dec.Decode(&l); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return nil, 0, fmt.Errorf("go list output: %w", err)
		}
		if l.Error != nil {
			return nil, 0, fmt.Errorf("go list: %s: %s", l.ImportPath, l.Error.Err)
		}
		all = append(all, l)
	}
	module := ""
	for _, l := range all {
		if !l.DepOnly && l.Module != nil {
			module = l.Module.Path
			break
		}
	}
	if module == "" {
		return nil, 0, errors.New("go list ./... named no package of a module: run it at the module's root")
	}
	stdOut, err := goList("std")
	if err != nil {
		return nil, 0, err
	}
	std := map[string]bool{}
	for _, p := range strings.Fields(string(stdOut)) {
		std[p] = true
	}

	// Our packages go by their module-relative path, as rules write them.
	name := func(path string) string {
		if rel, ok := strings.CutPrefix(path, module+"/"); ok {
			return rel
		}
		return path
	}
	g := graph{}
	for _, l := range all {
		p := &pkg{name: name(l.ImportPath), path: l.ImportPath, standard: l.Standard,
			ours: l.Module != nil && l.Module.Path == module}
		for _, imp := range l.Imports {
			p.imports = append(p.imports, name(imp))
		}
		if p.ours {
			for _, f := range append(l.GoFiles, l.CgoFiles...) {
				p.files = append(p.files, relTo(cwd, filepath.Join(l.Dir, f)))
			}
			if p.rule, err = readRule(relTo(cwd, l.Dir)); err != nil {
				problems = append(problems, fmt.Sprintf("%s: %v", filepath.Join(relTo(cwd, l.Dir), "doc.go"), err))
				p.noRule = true
			}
			checked++
		}
		if other, dup := g[p.name]; dup {
			return nil, 0, fmt.Errorf("%s and %s have the same name in rules", other.path, p.path)
		}
		g[p.name] = p
	}
	return append(problems, check(g, std)...), checked, nil
}

func goList(args ...string) ([]byte, error) {
	cmd := exec.Command("go", append([]string{"list"}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go list %s: %w\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return out, nil
}

func relTo(base, path string) string {
	if rel, err := filepath.Rel(base, path); err == nil && !strings.HasPrefix(rel, "..") {
		return rel
	}
	return path
}
