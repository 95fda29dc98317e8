package main

import (
	"bytes"
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/feedserver/feedserver/auth"
)

// runCmd runs a key sub-command against the data folder dir.
func runCmd(t *testing.T, dir string, cmd func(context.Context, []string, func(string) string, *bytes.Buffer, *bytes.Buffer) error, args ...string) (string, error) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	err := cmd(t.Context(), append(args, "--data", dir), envOf(nil), &stdout, &stderr)
	return stdout.String(), err
}

func apikey(ctx context.Context, args []string, getenv func(string) string, stdout, stderr *bytes.Buffer) error {
	return apikeyCmd(ctx, args, getenv, stdout, stderr)
}

func modeOf(t *testing.T, path string) fs.FileMode {
	t.Helper()
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return info.Mode().Perm()
}

func TestKeyDatabaseIsPrivate(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "keys.db")
	if _, err := runCmd(t, dir, apikey, "create", "--name", "first", "--role", "reader"); err != nil {
		t.Fatal(err)
	}
	if m := modeOf(t, db); m != 0o600 {
		t.Errorf("new keys.db has mode %v, want 0600", m)
	}

	// A database an older version made readable by everyone is tightened.
	if err := os.Chmod(db, 0o644); err != nil {
		t.Fatal(err)
	}
	a, err := keysApp(t.Context(), "apikey", []string{"--data", dir}, envOf(nil), &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.close()
	if m := modeOf(t, db); m != 0o600 {
		t.Errorf("existing keys.db left with mode %v, want 0600", m)
	}
	// While it is open and written, SQLite's -wal and -shm files exist: they
	// take the database's mode.
	if _, _, err := a.keys.Create(t.Context(), auth.KeySpec{Name: "second", Role: auth.RoleReader}); err != nil {
		t.Fatal(err)
	}
	for _, suffix := range []string{"-wal", "-shm"} {
		if m := modeOf(t, db+suffix); m != 0o600 {
			t.Errorf("keys.db%s has mode %v, want 0600", suffix, m)
		}
	}
}

func TestAPIKeyCreateChecksScope(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		args []string
		says string
	}{
		{[]string{"--space", "../../etc"}, `"../../etc" is not a space id`},
		{[]string{"--space", "Spaces-9"}, "the space Spaces-9 does not exist"},
		{[]string{"--space", "Default"}, `"Default" is not a space id`},
		{[]string{"--owner", "../../etc"}, `"../../etc" contains ".."`},
		{[]string{"--owner", "a/b"}, "may contain only letters, digits"},
		{[]string{"--space", "Spaces-1", "--owner", ""}, "the owner is empty"},
	}
	for _, tt := range tests {
		out, err := runCmd(t, dir, apikey, append([]string{"create", "--name", "scoped", "--role", "administrator"}, tt.args...)...)
		if err == nil || !strings.Contains(err.Error(), tt.says) {
			t.Errorf("apikey create %v = %q, %v; want an error saying %q", tt.args, out, err, tt.says)
		}
	}
	// Nothing was stored, and a valid scope is accepted in its canonical form.
	list, err := runCmd(t, dir, apikey, "list")
	if err != nil || strings.Contains(list, "scoped") {
		t.Fatalf("apikey list after refusals = %q, %v; want no key named scoped", list, err)
	}
	if _, err := runCmd(t, dir, apikey, "create", "--name", "scoped", "--role", "reader", "--space", "spaces-01", "--owner", "Alpha"); err != nil {
		t.Fatal(err)
	}
	list, err = runCmd(t, dir, apikey, "list")
	if err != nil || !strings.Contains(list, "Spaces-1") || !strings.Contains(list, "alpha") {
		t.Errorf("apikey list = %q, %v; want the key limited to Spaces-1 and alpha", list, err)
	}
}
