package auth

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
)

// ErrInvalidOwner is returned (wrapped) for an owner name outside the grammar
// of ValidOwnerName.
var ErrInvalidOwner = errors.New("invalid owner name")

// MaxOwnerLength bounds an owner name, as Gitea bounds user names.
const MaxOwnerLength = 64

// ownerRe is the owner grammar on the lowercased name: letters and digits at
// both ends, dots, hyphens and underscores inside.
var ownerRe = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9._-]*[a-z0-9])?$`)

const createOwnersTable = `CREATE TABLE IF NOT EXISTS auth_owners (
	name    VARCHAR(64) NOT NULL PRIMARY KEY,
	created BIGINT      NOT NULL
)`

// NormalizeOwner returns the stored form of an owner name (trimmed,
// lowercase) or an error wrapping ErrInvalidOwner that says what is wrong.
func NormalizeOwner(name string) (string, error) {
	lower := strings.ToLower(name)
	switch {
	case name == "":
		return "", fmt.Errorf("%w: the owner is empty", ErrInvalidOwner)
	case strings.TrimSpace(name) != name:
		return "", fmt.Errorf("%w: %q has leading or trailing whitespace", ErrInvalidOwner, name)
	case len(name) > MaxOwnerLength:
		return "", fmt.Errorf("%w: the owner is longer than %d characters", ErrInvalidOwner, MaxOwnerLength)
	case strings.Contains(name, ".."):
		return "", fmt.Errorf("%w: %q contains \"..\"", ErrInvalidOwner, name)
	case !ownerRe.MatchString(lower):
		return "", fmt.Errorf("%w: %q may contain only letters, digits, dots, hyphens and underscores, and must start and end with a letter or digit", ErrInvalidOwner, name)
	}
	return lower, nil
}

// OwnerInfo describes a stored owner.
type OwnerInfo struct {
	Name    string
	Created time.Time
}

// Owners stores the generic-registry namespaces (table auth_owners) in the
// key database, so deleting the catalogue never loses them. It is safe for
// concurrent use.
type Owners struct {
	db  *DB
	now func() time.Time
}

// NewOwners returns the owner store over db, creating its table if missing.
func NewOwners(ctx context.Context, db *DB) (*Owners, error) {
	if err := db.transact(ctx, nil, createOwnersTable); err != nil {
		return nil, fmt.Errorf("auth: creating owners table: %w", err)
	}
	return &Owners{db: db, now: time.Now}, nil
}

// Create stores a new owner and returns its stored (lowercase) name. An
// existing owner is ErrExists; a bad name ErrInvalidOwner.
func (o *Owners) Create(ctx context.Context, name string) (string, error) {
	lower, err := NormalizeOwner(name)
	if err != nil {
		return "", err
	}
	// The check gives the clear error; the primary key settles concurrent creates.
	exists, err := o.Exists(ctx, lower)
	if err != nil {
		return "", err
	}
	if exists {
		return "", fmt.Errorf("auth: owner %q: %w", lower, ErrExists)
	}
	if _, err := o.db.exec(ctx, `INSERT INTO auth_owners (name, created) VALUES (?, ?)`,
		lower, o.now().UTC().UnixMilli()); err != nil {
		if again, _ := o.Exists(ctx, lower); again {
			return "", fmt.Errorf("auth: owner %q: %w", lower, ErrExists)
		}
		return "", fmt.Errorf("auth: creating owner %q: %w", lower, err)
	}
	return lower, nil
}

// Exists reports whether the owner is stored (case-insensitive). A name
// outside the grammar simply does not exist.
func (o *Owners) Exists(ctx context.Context, name string) (bool, error) {
	lower, err := NormalizeOwner(name)
	if err != nil {
		return false, nil
	}
	var n int
	if err := o.db.queryRow(ctx, `SELECT COUNT(*) FROM auth_owners WHERE name = ?`, lower).Scan(&n); err != nil {
		return false, fmt.Errorf("auth: looking up owner %q: %w", lower, err)
	}
	return n > 0, nil
}

// List returns every owner, by name.
func (o *Owners) List(ctx context.Context) ([]OwnerInfo, error) {
	rows, err := o.db.query(ctx, `SELECT name, created FROM auth_owners ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("auth: listing owners: %w", err)
	}
	defer rows.Close()
	var out []OwnerInfo
	for rows.Next() {
		var (
			info    OwnerInfo
			created int64
		)
		if err := rows.Scan(&info.Name, &created); err != nil {
			return nil, fmt.Errorf("auth: listing owners: %w", err)
		}
		info.Created = time.UnixMilli(created).UTC()
		out = append(out, info)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("auth: listing owners: %w", err)
	}
	return out, nil
}
