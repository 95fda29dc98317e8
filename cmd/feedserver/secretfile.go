package main

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
)

// secretMode is the mode of files that hold secrets: the key database holds
// only digests of keys, but with them anyone can tell which keys exist, see
// every key's scope, and (with write access) add a key of their own.
const secretMode = 0o600

// prepareSecretDB makes the SQLite database at path and its -wal and -shm
// companions readable by the server's user alone. A new database is created
// empty with secretMode before SQLite opens it, and SQLite then gives its
// -wal and -shm files the database file's mode (its unix VFS copies it). An
// existing one made by an older version with 0644 is tightened, and the log
// says so.
func prepareSecretDB(path string, log *slog.Logger) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, secretMode)
	if err != nil {
		return fmt.Errorf("create %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("create %s: %w", path, err)
	}
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		info, err := os.Stat(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return fmt.Errorf("check %s: %w", p, err)
		}
		if info.Mode().Perm()&^secretMode == 0 {
			continue
		}
		if err := os.Chmod(p, secretMode); err != nil {
			return fmt.Errorf("make %s readable by its owner only: %w", p, err)
		}
		log.Warn("made the key database readable by its owner only", "file", p, "was", info.Mode().Perm().String())
	}
	return nil
}
