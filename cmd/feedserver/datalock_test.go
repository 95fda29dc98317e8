package main

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestDataFolderHasOneOwner is issue 17 row 10: while one process holds the
// data folder, a server or a sub-command that would open it too refuses at
// once, naming the folder, the holder and its lock file; the key
// sub-commands still work; once the holder is gone the folder is free.
func TestDataFolderHasOneOwner(t *testing.T) {
	ctx := context.Background()
	data := t.TempDir()
	cfg, _, err := loadConfig("feedserver", []string{"-data", data}, envOf(nil), &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	held, err := open(ctx, cfg, slog.New(slog.DiscardHandler), "serve")
	if err != nil {
		t.Fatal(err)
	}
	lockFile := filepath.Join(data, lockFileName)
	for _, args := range [][]string{
		{"-data", data, "-listen", "127.0.0.1:0"},
		{"reindex", "-data", data},
		{"retention", "-data", data, "-retention-keep-releases", "1"},
	} {
		start := time.Now()
		var stdout, stderr bytes.Buffer
		err := run(ctx, args, envOf(nil), &stdout, &stderr)
		if err == nil {
			t.Fatalf("%v on a held folder succeeded", args)
		}
		msg := err.Error()
		for _, want := range []string{data, lockFile, fmt.Sprintf("pid %d", os.Getpid()), "`feedserver serve`"} {
			if !strings.Contains(msg, want) {
				t.Errorf("%v: %q does not name %q", args, msg, want)
			}
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("%v took %s to refuse", args, d)
		}
	}
	var stdout bytes.Buffer
	if err := run(ctx, []string{"space", "list", "-data", data}, envOf(nil), &stdout, &bytes.Buffer{}); err != nil {
		t.Errorf("space list beside a running server: %v", err)
	}
	if fi, err := os.Stat(lockFile); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("lock file: %v, %v", fi, err)
	}
	held.close()
	var stderr bytes.Buffer
	if err := run(ctx, []string{"reindex", "-data", data}, envOf(nil), &stdout, &stderr); err != nil {
		t.Errorf("reindex once the folder is free: %v\n%s", err, stderr.String())
	}
}
