package auth

import (
	"context"
	"crypto/subtle"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
)

// schemaVersion is the version of the auth_ tables this code reads and writes.
const schemaVersion = 1

// The SQL below sticks to what SQLite and PostgreSQL share (VARCHAR, TEXT,
// BIGINT, IF NOT EXISTS, lower()); DB rebinds the "?" placeholders to $n for
// PostgreSQL (db.go). Times are Unix milliseconds (UTC) in BIGINT so no
// driver's time handling is involved.
const (
	createSchemaTable = `CREATE TABLE IF NOT EXISTS auth_schema (
		version INTEGER NOT NULL
	)`
	createKeysTable = `CREATE TABLE IF NOT EXISTS auth_keys (
		id         VARCHAR(64)  NOT NULL PRIMARY KEY,
		name       VARCHAR(200) NOT NULL,
		digest     VARCHAR(64)  NOT NULL UNIQUE,
		role       VARCHAR(32)  NOT NULL,
		spaces     TEXT         NOT NULL,
		owners     TEXT         NOT NULL,
		created    BIGINT       NOT NULL,
		expires    BIGINT,
		revoked_at BIGINT,
		last_used  BIGINT
	)`
)

const (
	idPrefix      = "apikeys-"
	idLength      = 12
	maxNameLength = 200

	// defaultCacheTTL bounds how long a key revoked by another process (or
	// expired) can keep working; Revoke in this process clears the cache at once.
	defaultCacheTTL = 10 * time.Second
	// maxCached bounds the cache; only valid keys enter it, so this is only hit
	// with very many keys in use, and then the cache simply starts over.
	maxCached = 1024
	// lastUsedEvery keeps last_used cheap: at most one write per key per minute.
	lastUsedEvery = time.Minute
)

// KeySpec describes a key to create.
type KeySpec struct {
	Name    string     // required; unique among active keys (case-insensitive)
	Role    Role       // required
	Spaces  []string   // empty: every space
	Owners  []string   // empty: every generic-registry owner
	Expires *time.Time // nil: never
	// Key imports a given key (e.g. FEEDSERVER_ADMIN_API_KEY) instead of
	// generating one; it must pass ValidKeyFormat.
	Key string
}

// String formats the spec without its key, so logging a spec cannot leak it.
func (s KeySpec) String() string {
	key := ""
	if s.Key != "" {
		key = " key=<redacted>"
	}
	return fmt.Sprintf("{name=%q role=%s spaces=%v owners=%v expires=%v%s}", s.Name, s.Role, s.Spaces, s.Owners, s.Expires, key)
}

// GoString does for %#v what String does for %v.
func (s KeySpec) GoString() string { return "auth.KeySpec" + s.String() }

// KeyInfo is what the store tells about a key; never the key itself.
type KeyInfo struct {
	ID        string // "apikeys-" + 12 characters of [a-z0-9]
	Name      string
	Role      Role
	Spaces    []string
	Owners    []string
	Created   time.Time
	Expires   *time.Time
	RevokedAt *time.Time
	LastUsed  *time.Time // updated at most once a minute
}

// Active reports whether the key can still authenticate at now.
func (k KeyInfo) Active(now time.Time) bool {
	return k.RevokedAt == nil && (k.Expires == nil || now.Before(*k.Expires))
}

// Keys stores API keys in the auth_ tables of a SQL database. It is safe for
// concurrent use.
type Keys struct {
	db     *DB
	spaces *Spaces // the spaces a key may be limited to, in the same database
	now    func() time.Time
	ttl    time.Duration // 0 disables the cache
	// equal compares digests: subtle.ConstantTimeCompare, held in a field
	// only so tests can observe it and interleave a Revoke with a lookup.
	equal func(x, y []byte) int

	mu    sync.Mutex
	cache map[string]cachedKey // by digest
	gen   uint64               // bumped by Revoke; a lookup that started before must not fill the cache
}

type cachedKey struct {
	principal Principal
	until     time.Time  // end of the cache entry's life
	expires   *time.Time // of the key itself
	id        string
}

// NewKeys returns a store over db, creating the auth_ tables if missing
// (the spaces' too: a key's space list must name spaces that exist). It
// refuses a database written by a newer schema version.
func NewKeys(ctx context.Context, db *DB) (*Keys, error) {
	err := db.transact(ctx, func(tx *sql.Tx) error {
		var version sql.NullInt64
		if err := tx.QueryRowContext(ctx, `SELECT MAX(version) FROM auth_schema`).Scan(&version); err != nil {
			return fmt.Errorf("reading schema version: %w", err)
		}
		switch {
		case !version.Valid:
			if _, err := tx.ExecContext(ctx, db.bind(`INSERT INTO auth_schema (version) VALUES (?)`), schemaVersion); err != nil {
				return fmt.Errorf("writing schema version: %w", err)
			}
		case version.Int64 > schemaVersion:
			return fmt.Errorf("database has schema version %d, this build knows %d", version.Int64, schemaVersion)
		}
		return nil
	}, createSchemaTable, createKeysTable)
	if err != nil {
		return nil, fmt.Errorf("auth: creating tables: %w", err)
	}
	spaces, err := NewSpaces(ctx, db)
	if err != nil {
		return nil, err
	}
	return &Keys{
		db:     db,
		spaces: spaces,
		now:    time.Now,
		ttl:    defaultCacheTTL,
		equal:  subtle.ConstantTimeCompare,
		cache:  make(map[string]cachedKey),
	}, nil
}

// Create stores a new key and returns it in clear, once; only its digest is
// kept. It fails with ErrExists if the key is already stored or an active key
// has the same name, and with ErrInvalidKey if spec.Key is not a valid key.
func (k *Keys) Create(ctx context.Context, spec KeySpec) (string, KeyInfo, error) {
	nk, err := k.newKey(ctx, spec)
	if err != nil {
		return "", KeyInfo{}, err
	}
	// These checks give clear errors; the UNIQUE digest column is what
	// guarantees a key is stored once, even under concurrent Creates.
	var existing string
	err = k.db.queryRow(ctx, `SELECT id FROM auth_keys WHERE digest = ?`, nk.digest).Scan(&existing)
	switch {
	case err == nil:
		return "", KeyInfo{}, fmt.Errorf("auth: this key is stored as %s: %w", existing, ErrExists)
	case !errors.Is(err, sql.ErrNoRows):
		return "", KeyInfo{}, fmt.Errorf("auth: creating key: %w", err)
	}
	err = k.db.queryRow(ctx, `SELECT id FROM auth_keys
		WHERE lower(name) = lower(?) AND revoked_at IS NULL AND (expires IS NULL OR expires > ?)`,
		nk.info.Name, nk.info.Created.UnixMilli()).Scan(&existing)
	switch {
	case err == nil:
		return "", KeyInfo{}, fmt.Errorf("auth: the name %q is taken by active key %s: %w", nk.info.Name, existing, ErrExists)
	case !errors.Is(err, sql.ErrNoRows):
		return "", KeyInfo{}, fmt.Errorf("auth: creating key: %w", err)
	}
	if _, err := k.db.exec(ctx, insertKey, nk.args()...); err != nil {
		return "", KeyInfo{}, fmt.Errorf("auth: creating key: %w", err)
	}
	return nk.key, nk.info, nil
}

// CreateFirst creates the first key of an empty key database, as Create
// does; created is false, and nothing is stored, when the database holds a
// key (revoked and expired ones count). The check and the insert are one
// transaction under the key database's lock, so of several servers sharing
// a PostgreSQL database that start at once exactly one creates it.
func (k *Keys) CreateFirst(ctx context.Context, spec KeySpec) (key string, info KeyInfo, created bool, err error) {
	nk, err := k.newKey(ctx, spec)
	if err != nil {
		return "", KeyInfo{}, false, err
	}
	err = k.db.transact(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM auth_keys`).Scan(&n); err != nil || n > 0 {
			return err
		}
		if _, err := tx.ExecContext(ctx, k.db.bind(insertKey), nk.args()...); err != nil {
			return err
		}
		created = true
		return nil
	})
	if err != nil {
		return "", KeyInfo{}, false, fmt.Errorf("auth: creating the first key: %w", err)
	}
	if !created {
		return "", KeyInfo{}, false, nil
	}
	return nk.key, nk.info, true, nil
}

// insertKey stores a key's row; newKey.args are its arguments.
const insertKey = `INSERT INTO auth_keys
		(id, name, digest, role, spaces, owners, created, expires, revoked_at, last_used)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL)`

// newKey is a key checked and made, ready to be stored.
type newKey struct {
	key, digest    string
	info           KeyInfo
	spaces, owners string // JSON arrays
}

func (nk newKey) args() []any {
	return []any{nk.info.ID, nk.info.Name, nk.digest, string(nk.info.Role), nk.spaces, nk.owners,
		nk.info.Created.UnixMilli(), millisOrNull(nk.info.Expires)}
}

// newKey checks spec and makes its key (the spec's or a generated one).
func (k *Keys) newKey(ctx context.Context, spec KeySpec) (newKey, error) {
	now := k.now().UTC().Truncate(time.Millisecond)
	name := strings.TrimSpace(spec.Name)
	var problem string
	switch {
	case name == "":
		problem = "a key needs a name"
	case len(name) > maxNameLength:
		problem = fmt.Sprintf("key name longer than %d bytes", maxNameLength)
	case strings.HasPrefix(strings.ToLower(name), idPrefix):
		// Revoke takes an id or a name; they must not be confused.
		problem = fmt.Sprintf("a key name must not start with %q", idPrefix)
	case strings.HasPrefix(strings.ToUpper(name), keyPrefix):
		// A key pasted as a name would be stored in clear.
		problem = fmt.Sprintf("a key name must not start with %q", keyPrefix)
	case !spec.Role.Valid():
		problem = fmt.Sprintf("unknown role %q", spec.Role)
	case spec.Expires != nil && !spec.Expires.After(now):
		problem = "key expiry is in the past"
	}
	if problem != "" {
		return newKey{}, fmt.Errorf("%w: %s", ErrInvalidSpec, problem)
	}
	spaces, err := k.checkSpaces(ctx, spec.Spaces)
	if err != nil {
		return newKey{}, err
	}
	owners, err := checkOwners(spec.Owners)
	if err != nil {
		return newKey{}, err
	}

	key := spec.Key
	if key == "" {
		if key, err = GenerateKey(); err != nil {
			return newKey{}, err
		}
	} else if !ValidKeyFormat(key) {
		return newKey{}, fmt.Errorf("%w: an imported key must be API- and at least %d characters of [A-Z0-9]", ErrInvalidKey, minKeyLength)
	}
	d := digest(key)

	random, err := randomString(lowerAlnum, idLength)
	if err != nil {
		return newKey{}, err
	}
	info := KeyInfo{
		ID:      idPrefix + random,
		Name:    name,
		Role:    spec.Role,
		Spaces:  spaces,
		Owners:  owners,
		Created: now,
	}
	if spec.Expires != nil {
		e := spec.Expires.UTC().Truncate(time.Millisecond)
		info.Expires = &e
	}

	spacesJSON, err := json.Marshal(nonNil(info.Spaces))
	if err != nil {
		return newKey{}, fmt.Errorf("auth: creating key: %w", err)
	}
	ownersJSON, err := json.Marshal(nonNil(info.Owners))
	if err != nil {
		return newKey{}, fmt.Errorf("auth: creating key: %w", err)
	}
	return newKey{key: key, digest: d, info: info, spaces: string(spacesJSON), owners: string(ownersJSON)}, nil
}

// List returns every stored key, revoked and expired ones included, oldest
// first. It never returns a key or its digest.
func (k *Keys) List(ctx context.Context) ([]KeyInfo, error) {
	recs, err := k.Records(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]KeyInfo, len(recs))
	for i, r := range recs {
		out[i] = r.KeyInfo
	}
	return out, nil
}

// KeyRecord is a key as the database stores it: its description and its
// SHA-256 digest, never the key. Records and Restore move keys to another
// database (feedserver migrate) so that every key still authenticates there.
type KeyRecord struct {
	KeyInfo
	Digest string
}

// Records returns every stored key with its digest, revoked and expired
// ones included, oldest first.
func (k *Keys) Records(ctx context.Context) ([]KeyRecord, error) {
	rows, err := k.db.query(ctx, `SELECT id, name, digest, role, spaces, owners, created, expires, revoked_at, last_used
		FROM auth_keys ORDER BY created, id`)
	if err != nil {
		return nil, fmt.Errorf("auth: listing keys: %w", err)
	}
	defer rows.Close()
	var out []KeyRecord
	for rows.Next() {
		var (
			r                          KeyRecord
			role, spaces, owners       string
			created                    int64
			expires, revoked, lastUsed sql.NullInt64
		)
		if err := rows.Scan(&r.ID, &r.Name, &r.Digest, &role, &spaces, &owners, &created, &expires, &revoked, &lastUsed); err != nil {
			return nil, fmt.Errorf("auth: listing keys: %w", err)
		}
		r.Role = Role(role)
		if r.Spaces, err = decodeList(spaces); err != nil {
			return nil, fmt.Errorf("auth: key %s: spaces: %w", r.ID, err)
		}
		if r.Owners, err = decodeList(owners); err != nil {
			return nil, fmt.Errorf("auth: key %s: owners: %w", r.ID, err)
		}
		r.Created = time.UnixMilli(created).UTC()
		r.Expires = timeOrNil(expires)
		r.RevokedAt = timeOrNil(revoked)
		r.LastUsed = timeOrNil(lastUsed)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("auth: listing keys: %w", err)
	}
	return out, nil
}

// Revoke revokes the key with the given id, name (both case-insensitive) or
// the key itself, effective at once for this process. Revoking a revoked key
// is not an error; an unknown one is ErrNotFound. The argument never appears
// in the error, since it may be a key.
func (k *Keys) Revoke(ctx context.Context, idOrName string) error {
	idOrName = strings.TrimSpace(idOrName)
	if idOrName == "" {
		return fmt.Errorf("auth: revoking: empty id or name: %w", ErrNotFound)
	}
	d := digest(idOrName)
	res, err := k.db.exec(ctx, `UPDATE auth_keys SET revoked_at = ?
		WHERE revoked_at IS NULL AND (lower(id) = lower(?) OR lower(name) = lower(?) OR digest = ?)`,
		k.now().UTC().UnixMilli(), idOrName, idOrName, d)
	// Clear even on error: the update may have committed before the error.
	k.mu.Lock()
	k.gen++
	clear(k.cache)
	k.mu.Unlock()
	if err != nil {
		return fmt.Errorf("auth: revoking key: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("auth: revoking key: %w", err)
	}
	if n > 0 {
		return nil
	}
	var count int
	err = k.db.queryRow(ctx, `SELECT COUNT(*) FROM auth_keys
		WHERE lower(id) = lower(?) OR lower(name) = lower(?) OR digest = ?`, idOrName, idOrName, d).Scan(&count)
	if err != nil {
		return fmt.Errorf("auth: revoking key: %w", err)
	}
	if count == 0 {
		return fmt.Errorf("auth: revoking: no key with that id or name: %w", ErrNotFound)
	}
	return nil
}

// Count returns how many keys can still authenticate (neither revoked nor
// expired); cmd uses it to decide whether to bootstrap an administrator key.
func (k *Keys) Count(ctx context.Context) (int, error) {
	var n int
	err := k.db.queryRow(ctx, `SELECT COUNT(*) FROM auth_keys
		WHERE revoked_at IS NULL AND (expires IS NULL OR expires > ?)`, k.now().UTC().UnixMilli()).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("auth: counting keys: %w", err)
	}
	return n, nil
}

// Authenticate returns the principal of key. An empty key is
// ErrUnauthenticated; a malformed, unknown, revoked or expired one is
// ErrInvalidKey (wrapped). No error text contains the key.
func (k *Keys) Authenticate(ctx context.Context, key string) (Principal, error) {
	if key == "" {
		return Principal{}, ErrUnauthenticated
	}
	if !ValidKeyFormat(key) {
		return Principal{}, fmt.Errorf("%w: malformed", ErrInvalidKey)
	}
	d := digest(key)
	now := k.now()

	k.mu.Lock()
	c, hit := k.cache[d]
	gen := k.gen
	k.mu.Unlock()
	if hit && now.Before(c.until) {
		if c.expires != nil && !now.Before(*c.expires) {
			return Principal{}, fmt.Errorf("%w: %s expired", ErrInvalidKey, c.id)
		}
		return c.principal.clone(), nil
	}

	var (
		stored, role, spaces, owners string
		expires, revoked, lastUsed   sql.NullInt64
		p                            Principal
	)
	// The lookup by digest is not constant-time, but what it could leak is
	// about a SHA-256 digest, which says nothing usable about the key.
	err := k.db.queryRow(ctx, `SELECT id, name, digest, role, spaces, owners, expires, revoked_at, last_used
		FROM auth_keys WHERE digest = ?`, d).
		Scan(&p.KeyID, &p.Name, &stored, &role, &spaces, &owners, &expires, &revoked, &lastUsed)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return Principal{}, fmt.Errorf("%w: unknown", ErrInvalidKey)
	case err != nil:
		return Principal{}, fmt.Errorf("auth: looking up key: %w", err)
	}
	if k.equal([]byte(stored), []byte(d)) != 1 {
		return Principal{}, fmt.Errorf("%w: unknown", ErrInvalidKey)
	}
	if revoked.Valid {
		return Principal{}, fmt.Errorf("%w: %s revoked", ErrInvalidKey, p.KeyID)
	}
	keyExpires := timeOrNil(expires)
	if keyExpires != nil && !now.Before(*keyExpires) {
		return Principal{}, fmt.Errorf("%w: %s expired", ErrInvalidKey, p.KeyID)
	}
	p.Role = Role(role)
	if !p.Role.Valid() {
		return Principal{}, fmt.Errorf("auth: key %s has unknown role %q", p.KeyID, role)
	}
	if p.Spaces, err = decodeList(spaces); err != nil {
		return Principal{}, fmt.Errorf("auth: key %s: spaces: %w", p.KeyID, err)
	}
	if p.Owners, err = decodeList(owners); err != nil {
		return Principal{}, fmt.Errorf("auth: key %s: owners: %w", p.KeyID, err)
	}

	if k.ttl > 0 {
		k.mu.Lock()
		if k.gen == gen { // no Revoke ran since our read began
			if len(k.cache) >= maxCached {
				clear(k.cache)
			}
			k.cache[d] = cachedKey{principal: p.clone(), until: now.Add(k.ttl), expires: keyExpires, id: p.KeyID}
		}
		k.mu.Unlock()
	}

	if !lastUsed.Valid || now.Sub(time.UnixMilli(lastUsed.Int64)) >= lastUsedEvery {
		// Best effort: a busy or read-only database must not refuse a valid key.
		_, _ = k.db.exec(ctx, `UPDATE auth_keys SET last_used = ? WHERE id = ?`, now.UTC().UnixMilli(), p.KeyID)
	}
	return p, nil
}

func decodeList(s string) ([]string, error) {
	var out []string
	if err := json.Unmarshal([]byte(s), &out); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}

func nonNil(list []string) []string {
	if list == nil {
		return []string{}
	}
	return list
}

func millisOrNull(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UnixMilli()
}

func timeOrNil(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := time.UnixMilli(v.Int64).UTC()
	return &t
}
