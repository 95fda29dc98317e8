package generictest

import (
	"bytes"
	"context"
	"database/sql"
	"io"
	"path/filepath"
	"strings"
	"testing"

	_ "github.com/mattn/go-sqlite3" // the owner store's database

	"github.com/feedserver/feedserver/auth"
	"github.com/feedserver/feedserver/feed/generic"
	"github.com/feedserver/feedserver/storage"
)

// Put uploads body as owner/name/version/file.
func Put(tb testing.TB, r *generic.Registry, owner, name, version, file string, body []byte) (generic.File, error) {
	tb.Helper()
	return r.Put(context.Background(), generic.Upload{
		Owner: owner, Name: name, Version: version, FileName: file, Body: bytes.NewReader(body),
	})
}

// MustPut is Put that fails the test on an error.
func MustPut(tb testing.TB, r *generic.Registry, owner, name, version, file string, body []byte) generic.File {
	tb.Helper()
	g, err := Put(tb, r, owner, name, version, file, body)
	if err != nil {
		tb.Fatalf("put %s/%s/%s/%s: %v", owner, name, version, file, err)
	}
	return g
}

// Read opens a file and reads it whole.
func Read(tb testing.TB, r *generic.Registry, owner, name, version, file string) ([]byte, generic.File, error) {
	tb.Helper()
	b, g, err := r.Open(context.Background(), owner, name, version, file)
	if err != nil {
		return nil, g, err
	}
	defer b.Close()
	data, err := io.ReadAll(b)
	if err != nil {
		tb.Fatal(err)
	}
	return data, g, nil
}

// KeysUnder lists the stored keys that start with prefix.
func KeysUnder(tb testing.TB, s storage.Store, prefix string) []string {
	tb.Helper()
	var out []string
	for info, err := range s.List(context.Background(), "") {
		if err != nil {
			tb.Fatal(err)
		}
		if strings.HasPrefix(info.Key, prefix) {
			out = append(out, info.Key)
		}
	}
	return out
}

// Owners returns an owner store of its own, on a temporary database, that
// holds the owners named; it closes with the test.
func Owners(tb testing.TB, names ...string) *auth.Owners {
	tb.Helper()
	db, err := sql.Open("sqlite3", "file:"+filepath.Join(tb.TempDir(), "owners.db")+"?_journal_mode=WAL&_busy_timeout=10000")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	owners, err := auth.NewOwners(context.Background(), auth.SQLite(db))
	if err != nil {
		tb.Fatal(err)
	}
	for _, name := range names {
		if _, err := owners.Create(context.Background(), name); err != nil {
			tb.Fatal(err)
		}
	}
	return owners
}
