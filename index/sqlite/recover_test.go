package sqlite

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/feedserver/feedserver/nuget"
)

// setAsideTime names the set-aside file: catalog.db.corrupt-20261121T063000Z.
var setAsideTime = time.Date(2026, 11, 21, 6, 30, 0, 0, time.UTC)

// overwrite puts n bytes of 0xA5 over path at offset (within the file).
func overwrite(t *testing.T, path string, offset, n int64) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	copy(b[offset:min(offset+n, int64(len(b)))], bytes.Repeat([]byte{0xA5}, int(n)))
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// filledCatalog makes a closed catalogue file with enough rows to span many pages.
func filledCatalog(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "catalog.db")
	c, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 300 {
		e := small(fmt.Sprintf("Pkg%d", i))
		e.Manifest = &nuget.Manifest{ID: e.ID, Version: e.Version, Description: "The " + string(e.ID) + " package.", Authors: []string{"Contoso"}}
		if err := c.Put(context.Background(), e); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestOpenChecked(t *testing.T) {
	tests := []struct {
		name         string
		damage       func(t *testing.T, path string)
		wantSetAside bool
	}{
		{"sound", func(*testing.T, string) {}, false},
		{"garbage header", func(t *testing.T, p string) { overwrite(t, p, 0, 4096) }, true},
		{"garbage pages", func(t *testing.T, p string) {
			fi, _ := os.Stat(p)
			overwrite(t, p, fi.Size()/2, 8192)
		}, true},
		{"truncated to a few bytes", func(t *testing.T, p string) {
			if err := os.Truncate(p, 100); err != nil {
				t.Fatal(err)
			}
		}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filledCatalog(t)
			tt.damage(t, path)
			c, setAside, err := OpenChecked(context.Background(), path, setAsideTime)
			if err != nil {
				t.Fatalf("OpenChecked: %v", err)
			}
			defer c.Close()
			_, versions, err := c.Counts(context.Background())
			if err != nil {
				t.Fatalf("the opened catalogue does not answer: %v", err)
			}
			if !tt.wantSetAside {
				if setAside != "" || versions != 300 {
					t.Errorf("set aside %q, %d versions; want nothing moved, 300 versions", setAside, versions)
				}
				return
			}
			if want := path + ".corrupt-20261121T063000Z"; setAside != want {
				t.Errorf("set aside as %q, want %q", setAside, want)
			}
			if _, err := os.Stat(setAside); err != nil {
				t.Errorf("the corrupt file is not kept: %v", err)
			}
			if versions != 0 {
				t.Errorf("the new catalogue has %d versions, want 0", versions)
			}
			if err := c.Put(context.Background(), small("After")); err != nil {
				t.Errorf("the new catalogue takes no writes: %v", err)
			}
		})
	}
}

func TestOpenCheckedLeavesOtherErrors(t *testing.T) {
	// A folder that does not exist is not a corrupt file: fail, move nothing.
	path := filepath.Join(t.TempDir(), "missing", "catalog.db")
	if c, setAside, err := OpenChecked(context.Background(), path, setAsideTime); err == nil {
		c.Close()
		t.Fatalf("opened %s in a missing folder (set aside %q)", path, setAside)
	}
}
