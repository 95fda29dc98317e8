package auth

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
	"unicode"
)

// DefaultSpaceID is the space every server has; Octopus clients that know
// nothing of spaces (octopackjs without spaceId, /api/packages/raw) land there.
const DefaultSpaceID = "Spaces-1"

// defaultSpaceName is Octopus' name for its default space.
const defaultSpaceName = "Default"

const maxSpaceNameLength = 100

// maxCreateTries bounds Create's retries after losing a race for a number.
const maxCreateTries = 10

// The spaces live beside the keys, in the auth_ tables, so deleting the
// catalogue to rebuild it never loses them. Same portable SQL as keys.go.
const (
	createSpacesTable = `CREATE TABLE IF NOT EXISTS auth_spaces (
		number      BIGINT       NOT NULL PRIMARY KEY,
		name        VARCHAR(100) NOT NULL,
		name_lower  VARCHAR(100) NOT NULL UNIQUE,
		description TEXT         NOT NULL,
		created     BIGINT       NOT NULL
	)`
	createSettingsTable = `CREATE TABLE IF NOT EXISTS auth_settings (
		name  VARCHAR(100) NOT NULL PRIMARY KEY,
		value TEXT         NOT NULL
	)`
)

// Space is one Octopus space: packages of two spaces never mix.
type Space struct {
	ID          string // "Spaces-N"
	Name        string // unique, case-insensitively
	Description string
	Created     time.Time
}

// IsDefault reports whether s is the default space (Spaces-1).
func (s Space) IsDefault() bool { return strings.EqualFold(s.ID, DefaultSpaceID) }

// Spaces stores the spaces of the server in the auth_ tables of a SQL
// database. Spaces are never deleted, so a found space is cached for good; a
// miss asks the database again (`feedserver space create` runs in another
// process). It is safe for concurrent use.
type Spaces struct {
	db  *DB
	now func() time.Time

	mu    sync.Mutex
	cache map[string]Space // by lowercased id
}

// NewSpaces returns the space store over db, creating its tables and the
// default space "Default" (Spaces-1) if missing.
func NewSpaces(ctx context.Context, db *DB) (*Spaces, error) {
	if err := db.transact(ctx, nil, createSpacesTable, createSettingsTable); err != nil {
		return nil, fmt.Errorf("auth: creating space tables: %w", err)
	}
	s := &Spaces{db: db, now: time.Now, cache: make(map[string]Space)}
	// INSERT ... SELECT ... WHERE NOT EXISTS: two processes starting at once
	// cannot both add it (and the primary key would refuse the second).
	_, err := db.exec(ctx, `INSERT INTO auth_spaces (number, name, name_lower, description, created)
		SELECT 1, ?, ?, '', ? WHERE NOT EXISTS (SELECT 1 FROM auth_spaces WHERE number = 1)`,
		defaultSpaceName, strings.ToLower(defaultSpaceName), s.now().UTC().UnixMilli())
	if err != nil && !isConstraintError(err) {
		return nil, fmt.Errorf("auth: creating the default space: %w", err)
	}
	return s, nil
}

// Create adds a space with the next free id. It fails with ErrExists when a
// space of that name (any case) exists.
func (s *Spaces) Create(ctx context.Context, name string) (Space, error) {
	name = strings.TrimSpace(name)
	switch {
	case name == "":
		return Space{}, errors.New("auth: a space needs a name")
	case len(name) > maxSpaceNameLength:
		return Space{}, fmt.Errorf("auth: space name longer than %d bytes", maxSpaceNameLength)
	case strings.IndexFunc(name, unicode.IsControl) >= 0:
		return Space{}, errors.New("auth: a space name must not contain control characters")
	}
	if _, err := s.ByName(ctx, name); err == nil {
		return Space{}, fmt.Errorf("auth: space %q: %w", name, ErrExists)
	} else if !errors.Is(err, ErrNotFound) {
		return Space{}, err
	}
	// The next number is taken inside the INSERT and the UNIQUE name refuses
	// a racing duplicate. Two creators may still compute the same number
	// (PostgreSQL runs them at once; SQLite's single writer does not): the
	// loser's primary key conflict, with its name still free, tries again.
	for try := 1; ; try++ {
		_, err := s.db.exec(ctx, `INSERT INTO auth_spaces (number, name, name_lower, description, created)
		SELECT COALESCE(MAX(number), 0) + 1, ?, ?, '', ? FROM auth_spaces`,
			name, strings.ToLower(name), s.now().UTC().UnixMilli())
		if err == nil {
			break
		}
		if !isConstraintError(err) {
			return Space{}, fmt.Errorf("auth: creating space: %w", err)
		}
		if _, lookErr := s.ByName(ctx, name); lookErr == nil || try == maxCreateTries {
			return Space{}, fmt.Errorf("auth: space %q: %w", name, ErrExists)
		}
	}
	return s.ByName(ctx, name)
}

// List returns every space, by id number.
func (s *Spaces) List(ctx context.Context) ([]Space, error) {
	rows, err := s.db.query(ctx, `SELECT number, name, description, created FROM auth_spaces ORDER BY number`)
	if err != nil {
		return nil, fmt.Errorf("auth: listing spaces: %w", err)
	}
	defer rows.Close()
	var out []Space
	for rows.Next() {
		sp, err := scanSpace(rows)
		if err != nil {
			return nil, fmt.Errorf("auth: listing spaces: %w", err)
		}
		out = append(out, sp)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("auth: listing spaces: %w", err)
	}
	s.remember(out...)
	return out, nil
}

// Get returns the space with id ("Spaces-2", any case), or ErrNotFound.
func (s *Spaces) Get(ctx context.Context, id string) (Space, error) {
	id = strings.TrimSpace(id)
	s.mu.Lock()
	sp, ok := s.cache[strings.ToLower(id)]
	s.mu.Unlock()
	if ok {
		return sp, nil
	}
	n, ok := spaceNumber(id)
	if !ok {
		return Space{}, fmt.Errorf("auth: space %q: %w", id, ErrNotFound)
	}
	row := s.db.queryRow(ctx, `SELECT number, name, description, created FROM auth_spaces WHERE number = ?`, n)
	sp, err := scanSpace(row)
	if errors.Is(err, sql.ErrNoRows) {
		return Space{}, fmt.Errorf("auth: space %q: %w", id, ErrNotFound)
	}
	if err != nil {
		return Space{}, fmt.Errorf("auth: space %q: %w", id, err)
	}
	s.remember(sp)
	return sp, nil
}

// ByName returns the space named name (case-insensitive), or ErrNotFound.
func (s *Spaces) ByName(ctx context.Context, name string) (Space, error) {
	row := s.db.queryRow(ctx, `SELECT number, name, description, created FROM auth_spaces WHERE name_lower = ?`,
		strings.ToLower(strings.TrimSpace(name)))
	sp, err := scanSpace(row)
	if errors.Is(err, sql.ErrNoRows) {
		return Space{}, fmt.Errorf("auth: space named %q: %w", name, ErrNotFound)
	}
	if err != nil {
		return Space{}, fmt.Errorf("auth: space named %q: %w", name, err)
	}
	s.remember(sp)
	return sp, nil
}

// InstallationID is a GUID made on first use and kept in the database, so
// it is stable for one data folder (Octopus' root document carries it; the
// TypeScript api-client reads it).
func (s *Spaces) InstallationID(ctx context.Context) (string, error) {
	const name = "installation_id"
	var id string
	err := s.db.queryRow(ctx, `SELECT value FROM auth_settings WHERE name = ?`, name).Scan(&id)
	if err == nil {
		return id, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("auth: installation id: %w", err)
	}
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("auth: installation id: %w", err)
	}
	b[6] = b[6]&0x0f | 0x40 // version 4
	b[8] = b[8]&0x3f | 0x80 // RFC 4122 variant
	guid := fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
	// A concurrent first use may have stored one already: keep whichever won.
	if _, err := s.db.exec(ctx, `INSERT INTO auth_settings (name, value)
		SELECT ?, ? WHERE NOT EXISTS (SELECT 1 FROM auth_settings WHERE name = ?)`, name, guid, name); err != nil && !isConstraintError(err) {
		return "", fmt.Errorf("auth: installation id: %w", err)
	}
	if err := s.db.queryRow(ctx, `SELECT value FROM auth_settings WHERE name = ?`, name).Scan(&id); err != nil {
		return "", fmt.Errorf("auth: installation id: %w", err)
	}
	return id, nil
}

func (s *Spaces) remember(spaces ...Space) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, sp := range spaces {
		s.cache[strings.ToLower(sp.ID)] = sp
	}
}

// spacePrefix starts every space id.
const spacePrefix = "Spaces-"

// maxSpaceDigits bounds the digits of a space id, leading zeros included:
// 18 decimal digits always fit an int64, so the length check comes before
// any parsing.
const maxSpaceDigits = 18

// ParseSpaceID is the one reader of space ids, wherever one comes from (a
// URL, a key's restriction list, a data-folder name): "Spaces-" in any case,
// then the space's number in decimal. It returns the id as Octopus spells
// it and its number: "spaces-2" and "Spaces-02" are both "Spaces-2", the
// space of number 2, so no spelling can name a second space (or a second
// folder) for it. ok is false for anything else ("Spaces-0", "Spaces-+1",
// "Spaces-2 ", more than 18 digits).
func ParseSpaceID(s string) (id string, number int64, ok bool) {
	if len(s) <= len(spacePrefix) || len(s) > len(spacePrefix)+maxSpaceDigits ||
		!strings.EqualFold(s[:len(spacePrefix)], spacePrefix) {
		return "", 0, false
	}
	digits := s[len(spacePrefix):]
	for i := 0; i < len(digits); i++ {
		c := digits[i]
		if c < '0' || c > '9' {
			return "", 0, false
		}
		number = number*10 + int64(c-'0')
	}
	if number == 0 {
		return "", 0, false
	}
	if s[:len(spacePrefix)] == spacePrefix && digits[0] != '0' {
		return s, number, true // already canonical: every request passes here, so no new string
	}
	return canonicalSpaceID(number), number, true
}

// spaceNumber reads a space id (ParseSpaceID) as its number.
func spaceNumber(id string) (int64, bool) {
	_, n, ok := ParseSpaceID(id)
	return n, ok
}

func scanSpace(s scanner) (Space, error) {
	var number, created int64
	var sp Space
	if err := s.Scan(&number, &sp.Name, &sp.Description, &created); err != nil {
		return Space{}, err
	}
	sp.ID = canonicalSpaceID(number)
	sp.Created = time.UnixMilli(created).UTC()
	return sp, nil
}

type scanner interface{ Scan(dest ...any) error }

// isConstraintError recognises a UNIQUE or PRIMARY KEY violation without
// importing a driver: every SQL driver's message names the constraint.
func isConstraintError(err error) bool {
	msg := strings.ToLower(err.Error())
	return strings.Contains(msg, "unique") || strings.Contains(msg, "constraint") || strings.Contains(msg, "duplicate")
}
