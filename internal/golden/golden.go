package golden

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

// update is the -update flag of every test binary that imports this package.
// A flag must be registered before the test binary parses its arguments, so
// it is a package variable, as the standard library's own golden tests do.
var update = flag.Bool("update", false, "rewrite the golden files under testdata")

// Check compares got with the file at path. With -update it first writes got
// there, making the folder if needed, and the comparison then passes.
func Check(t testing.TB, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (run go test with -update if the change is intended)\ngot:\n%s\nwant:\n%s", path, got, want)
	}
}
