package auth

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Restoring what another key database holds, as it is there: `feedserver
// migrate` reads the source's stores (Keys.Records, Spaces.List,
// Spaces.Settings, Owners.List) and restores each record into the target's.
// Every Restore is safe to run again: a record already there and identical
// is left alone (added is false), one that differs is refused with
// ErrExists and a message saying what differs, so a second run after an
// interruption finishes the first and never overwrites something else.

// Restore stores rec under its id and digest, so the key it was made from
// authenticates against this database too. A revocation recorded in rec
// but not here is carried over (the source revoked the key since an
// earlier run); last_used is taken when this database has none.
func (k *Keys) Restore(ctx context.Context, rec KeyRecord) (added bool, err error) {
	spacesJSON, err := json.Marshal(nonNil(rec.Spaces))
	if err != nil {
		return false, fmt.Errorf("auth: restoring key %s: %w", rec.ID, err)
	}
	ownersJSON, err := json.Marshal(nonNil(rec.Owners))
	if err != nil {
		return false, fmt.Errorf("auth: restoring key %s: %w", rec.ID, err)
	}
	existing, err := k.Records(ctx)
	if err != nil {
		return false, err
	}
	for _, have := range existing {
		switch {
		case have.ID == rec.ID:
			if diff := keyDifference(have, rec); diff != "" {
				return false, fmt.Errorf("auth: key %s is stored here with a different %s: %w", rec.ID, diff, ErrExists)
			}
			if rec.RevokedAt != nil && have.RevokedAt == nil {
				if _, err := k.db.exec(ctx, `UPDATE auth_keys SET revoked_at = ? WHERE id = ?`, rec.RevokedAt.UnixMilli(), rec.ID); err != nil {
					return false, fmt.Errorf("auth: restoring key %s: %w", rec.ID, err)
				}
			}
			return false, nil
		case have.Digest == rec.Digest:
			return false, fmt.Errorf("auth: key %s is stored here as %s: %w", rec.ID, have.ID, ErrExists)
		}
	}
	_, err = k.db.exec(ctx, `INSERT INTO auth_keys
		(id, name, digest, role, spaces, owners, created, expires, revoked_at, last_used)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		rec.ID, rec.Name, rec.Digest, string(rec.Role), string(spacesJSON), string(ownersJSON),
		rec.Created.UnixMilli(), millisOrNull(rec.Expires), millisOrNull(rec.RevokedAt), millisOrNull(rec.LastUsed))
	if err != nil {
		return false, fmt.Errorf("auth: restoring key %s: %w", rec.ID, err)
	}
	return true, nil
}

// keyDifference names the first field in which two records of one key id
// differ, or "" when they describe the same key. Revocation and last use
// are not compared: they change while a key lives.
func keyDifference(have, want KeyRecord) string {
	switch {
	case have.Digest != want.Digest:
		return "digest (another key under the same id)"
	case have.Name != want.Name:
		return fmt.Sprintf("name (%q here, %q in the source)", have.Name, want.Name)
	case have.Role != want.Role:
		return fmt.Sprintf("role (%s here, %s in the source)", have.Role, want.Role)
	case !slices.Equal(have.Spaces, want.Spaces):
		return "space list"
	case !slices.Equal(have.Owners, want.Owners):
		return "owner list"
	case !have.Created.Equal(want.Created):
		return "creation time"
	case !equalTimes(have.Expires, want.Expires):
		return "expiry"
	}
	return ""
}

func equalTimes(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Equal(*b)
}

// Restore stores sp under its id. The default space, which every database
// makes for itself, takes sp's description and creation time.
func (s *Spaces) Restore(ctx context.Context, sp Space) (added bool, err error) {
	n, ok := spaceNumber(sp.ID)
	if !ok {
		return false, fmt.Errorf("auth: restoring space: %q is not a space id", sp.ID)
	}
	have, err := s.Get(ctx, sp.ID)
	switch {
	case err == nil:
		if have.Name != sp.Name {
			return false, fmt.Errorf("auth: space %s is named %q here, %q in the source: %w", sp.ID, have.Name, sp.Name, ErrExists)
		}
		if have.Description != sp.Description || !have.Created.Equal(sp.Created) {
			if _, err := s.db.exec(ctx, `UPDATE auth_spaces SET description = ?, created = ? WHERE number = ?`,
				sp.Description, sp.Created.UnixMilli(), n); err != nil {
				return false, fmt.Errorf("auth: restoring space %s: %w", sp.ID, err)
			}
			s.forget(sp.ID)
		}
		return false, nil
	case !errors.Is(err, ErrNotFound):
		return false, err
	}
	if other, err := s.ByName(ctx, sp.Name); err == nil {
		return false, fmt.Errorf("auth: the name %q of space %s belongs to %s here: %w", sp.Name, sp.ID, other.ID, ErrExists)
	}
	_, err = s.db.exec(ctx, `INSERT INTO auth_spaces (number, name, name_lower, description, created) VALUES (?, ?, ?, ?, ?)`,
		n, sp.Name, strings.ToLower(sp.Name), sp.Description, sp.Created.UnixMilli())
	if err != nil {
		return false, fmt.Errorf("auth: restoring space %s: %w", sp.ID, err)
	}
	return true, nil
}

// forget drops a space from the cache after Restore changed it.
func (s *Spaces) forget(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.cache, strings.ToLower(id))
}

// Settings returns the server's stored settings (the installation id),
// by name, without making any.
func (s *Spaces) Settings(ctx context.Context) (map[string]string, error) {
	rows, err := s.db.query(ctx, `SELECT name, value FROM auth_settings ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("auth: reading settings: %w", err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var name, value string
		if err := rows.Scan(&name, &value); err != nil {
			return nil, fmt.Errorf("auth: reading settings: %w", err)
		}
		out[name] = value
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("auth: reading settings: %w", err)
	}
	return out, nil
}

// RestoreSetting stores one setting as Settings returned it, replacing this
// database's: the installation id follows the feed, so Octopus clients see
// the same server after a move.
func (s *Spaces) RestoreSetting(ctx context.Context, name, value string) (added bool, err error) {
	var have string
	err = s.db.queryRow(ctx, `SELECT value FROM auth_settings WHERE name = ?`, name).Scan(&have)
	switch {
	case err == nil && have == value:
		return false, nil
	case err == nil:
		_, err = s.db.exec(ctx, `UPDATE auth_settings SET value = ? WHERE name = ?`, value, name)
	case errors.Is(err, sql.ErrNoRows):
		_, err = s.db.exec(ctx, `INSERT INTO auth_settings (name, value) VALUES (?, ?)`, name, value)
	}
	if err != nil {
		return false, fmt.Errorf("auth: restoring setting %s: %w", name, err)
	}
	return true, nil
}

// Restore stores an owner as List returned it, keeping its creation time.
func (o *Owners) Restore(ctx context.Context, info OwnerInfo) (added bool, err error) {
	lower, err := NormalizeOwner(info.Name)
	if err != nil {
		return false, err
	}
	exists, err := o.Exists(ctx, lower)
	if err != nil || exists {
		return false, err
	}
	if _, err := o.db.exec(ctx, `INSERT INTO auth_owners (name, created) VALUES (?, ?)`, lower, info.Created.UnixMilli()); err != nil {
		return false, fmt.Errorf("auth: restoring owner %q: %w", lower, err)
	}
	return true, nil
}
