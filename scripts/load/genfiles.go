package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// genFilesMain is `load genfiles`: it writes packages straight into a data
// folder's package directory, the way pushes would have stored them, so a
// re-index can be measured over 100,000 packages without 100,000 pushes.
func genFilesMain(args []string) error {
	fs := flag.NewFlagSet("load genfiles", flag.ContinueOnError)
	var (
		data    = fs.String("data", "", "the server's data folder (packages go to DATA/packages)")
		n       = fs.Int("n", 10000, "how many packages")
		shape   = fs.String("shape", "versions", "versions: -ids ids with n/ids versions each; ids: n ids with one version")
		ids     = fs.Int("ids", 20, "ids for -shape versions")
		prefix  = fs.String("prefix", "Gen", "id prefix (ids are PREFIX.P<k>)")
		workers = fs.Int("workers", 4, "parallel writers")
	)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *data == "" {
		return errors.New("genfiles: -data is required")
	}
	start := time.Now()
	if err := genFiles(filepath.Join(*data, "packages"), *n, *shape, *ids, *prefix, *workers); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "genfiles: %d packages (%s) in %s under %s\n", *n, *shape, time.Since(start).Round(time.Millisecond), *data)
	return nil
}

// genName is the id and version of the i-th generated package.
func genName(i int, shape string, ids int, prefix string) (id, version string) {
	if shape == "ids" {
		return fmt.Sprintf("%s.P%d", prefix, i), "1.0.0"
	}
	return fmt.Sprintf("%s.P%d", prefix, i%ids), fmt.Sprintf("1.%d.%d", i/ids/1000, i/ids%1000)
}

// genFiles writes n small packages under root (a package directory) at the
// keys feedserver stores pushes under: spaces-1/nuget/{id}/{id}.{version}.nupkg,
// lower case (feed/layout.go; this tool must not import it).
func genFiles(root string, n int, shape string, ids int, prefix string, workers int) error {
	if shape != "ids" && shape != "versions" {
		return fmt.Errorf("genfiles: -shape %q is neither ids nor versions", shape)
	}
	if ids < 1 || workers < 1 {
		return errors.New("genfiles: -ids and -workers must be at least 1")
	}
	var (
		next    atomic.Int64
		wg      sync.WaitGroup
		errOnce sync.Once
		first   error
	)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				id, version := genName(i, shape, ids, prefix)
				lid, lv := strings.ToLower(id), strings.ToLower(version)
				dir := filepath.Join(root, "spaces-1", "nuget", lid)
				err := os.MkdirAll(dir, 0o755)
				if err == nil {
					err = os.WriteFile(filepath.Join(dir, lid+"."+lv+".nupkg"), smallNupkg(id, version), 0o644)
				}
				if err != nil {
					errOnce.Do(func() { first = err })
					next.Store(int64(n))
					return
				}
			}
		}()
	}
	wg.Wait()
	return first
}
