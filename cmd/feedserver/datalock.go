package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// lockFileName is the file in the data folder whose lock marks the process
// that owns the folder: the server, `feedserver reindex` or `feedserver
// retention`. The lock is an flock(2), so the kernel drops it when the
// process ends, however it ends; the file stays, and its text (the holder's
// pid, command and start) is only read to name the holder in a refusal.
// The key, space and owner sub-commands do not take it: they touch only
// keys.db, which SQLite shares with the running server.
const lockFileName = "feedserver.lock"

// dataInUseError is a data folder some other process holds.
type dataInUseError struct {
	folder, lockFile string
	holder           string // what the lock file says, "" when it says nothing
}

func (e *dataInUseError) Error() string {
	holder := "another process"
	if e.holder != "" {
		holder = "another feedserver (" + e.holder + ")"
	}
	return fmt.Sprintf("a feedserver is running on the data folder %s: it is held by %s, which locks %s; stop it first, or give this one another -data folder",
		e.folder, holder, e.lockFile)
}

// lockDataFolder makes this process the one owner of the data folder, or
// fails at once, naming the folder and its holder, when another process is.
// Closing the returned file gives the folder up.
func lockDataFolder(folder, command string) (*os.File, error) {
	path := filepath.Join(folder, lockFileName)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock the data folder: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, &dataInUseError{folder: folder, lockFile: path, holder: readHolder(path)}
		}
		return nil, fmt.Errorf("lock the data folder: %w", err)
	}
	text := fmt.Sprintf("pid %d, `feedserver %s`, started %s\n", os.Getpid(), command, time.Now().UTC().Format(time.RFC3339))
	err = f.Truncate(0)
	if err == nil {
		_, err = f.WriteAt([]byte(text), 0)
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("lock the data folder: %w", err)
	}
	return f, nil
}

// readHolder is the first line of a held lock file, bounded: it is ours,
// but a refusal must not print whatever a folder holds.
func readHolder(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	var buf [200]byte
	n, _ := f.Read(buf[:])
	line, _, _ := strings.Cut(string(buf[:n]), "\n")
	return strings.TrimSpace(strings.ToValidUTF8(line, "?"))
}
