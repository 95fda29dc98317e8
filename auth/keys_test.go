package auth

import (
	"bytes"
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// clock is a settable time source for expiry and cache tests.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func newKeys(t testing.TB, backend string) (*Keys, *DB, string, *clock) {
	t.Helper()
	db, path := openDB(t, backend)
	k, err := NewKeys(context.Background(), db)
	if err != nil {
		t.Fatalf("NewKeys: %v", err)
	}
	c := &clock{t: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)}
	k.now = c.now
	return k, db, path, c
}

func mustCreate(t testing.TB, k *Keys, spec KeySpec) (string, KeyInfo) {
	t.Helper()
	key, info, err := k.Create(context.Background(), spec)
	if err != nil {
		t.Fatalf("Create(%v): %v", spec, err)
	}
	return key, info
}

func TestNewKeysIsIdempotentAndVersioned(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		ctx := context.Background()
		db, _ := openDB(t, backend)
		k1, err := NewKeys(ctx, db)
		if err != nil {
			t.Fatalf("first NewKeys: %v", err)
		}
		key, _, err := k1.Create(ctx, KeySpec{Name: "ci", Role: RolePublisher})
		if err != nil {
			t.Fatalf("Create: %v", err)
		}
		k2, err := NewKeys(ctx, db)
		if err != nil {
			t.Fatalf("second NewKeys: %v", err)
		}
		if _, err := k2.Authenticate(ctx, key); err != nil {
			t.Errorf("Authenticate after reopening: %v, want nil", err)
		}
		var rows int
		if err := db.queryRow(ctx, `SELECT COUNT(*) FROM auth_schema`).Scan(&rows); err != nil || rows != 1 {
			t.Errorf("auth_schema rows = %d (%v), want 1", rows, err)
		}

		if _, err := db.exec(ctx, `UPDATE auth_schema SET version = ?`, schemaVersion+1); err != nil {
			t.Fatal(err)
		}
		if _, err := NewKeys(ctx, db); err == nil {
			t.Errorf("NewKeys on a newer schema = nil error, want refusal")
		}
	})
}

func TestCreateAuthenticate(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		ctx := context.Background()
		k, _, _, _ := newKeys(t, backend)
		for _, name := range []string{"Second", "Third"} {
			if _, err := k.spaces.Create(ctx, name); err != nil {
				t.Fatal(err)
			}
		}
		imported := "API-" + strings.Repeat("IMPORTED0", 3)
		tests := []struct {
			name string
			spec KeySpec
			want Principal
		}{
			{"administrator", KeySpec{Name: "admin", Role: RoleAdministrator},
				Principal{Name: "admin", Role: RoleAdministrator}},
			{"publisher in spaces", KeySpec{Name: " ci ", Role: RolePublisher, Spaces: []string{"Spaces-3", " spaces-2", "Spaces-02", "Spaces-1"}},
				Principal{Name: "ci", Role: RolePublisher, Spaces: []string{"Spaces-1", "Spaces-2", "Spaces-3"}}},
			{"reader of owners", KeySpec{Name: "deploy", Role: RoleReader, Owners: []string{"team-b", "Team-A", " team-a "}},
				Principal{Name: "deploy", Role: RoleReader, Owners: []string{"team-a", "team-b"}}},
			{"both lists", KeySpec{Name: "both", Role: RoleAdministrator, Spaces: []string{"Spaces-2"}, Owners: []string{"alpha"}},
				Principal{Name: "both", Role: RoleAdministrator, Spaces: []string{"Spaces-2"}, Owners: []string{"alpha"}}},
			{"imported key", KeySpec{Name: "bootstrap", Role: RoleAdministrator, Key: imported},
				Principal{Name: "bootstrap", Role: RoleAdministrator}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				key, info, err := k.Create(ctx, tt.spec)
				if err != nil {
					t.Fatalf("Create: %v", err)
				}
				if !ValidKeyFormat(key) {
					t.Errorf("Create returned key %q, want a valid key", key)
				}
				if tt.spec.Key != "" && key != tt.spec.Key {
					t.Errorf("Create returned a new key, want the imported one")
				}
				if !strings.HasPrefix(info.ID, "apikeys-") || len(info.ID) != len("apikeys-")+12 {
					t.Errorf("info.ID = %q, want apikeys- and 12 characters", info.ID)
				}
				got, err := k.Authenticate(ctx, key)
				if err != nil {
					t.Fatalf("Authenticate: %v", err)
				}
				tt.want.KeyID = info.ID
				if fmt.Sprint(got) != fmt.Sprint(tt.want) || !slices.Equal(got.Spaces, tt.want.Spaces) || !slices.Equal(got.Owners, tt.want.Owners) || got.Anonymous {
					t.Errorf("Authenticate = %+v, want %+v", got, tt.want)
				}
			})
		}
	})
}

func TestCreateRefuses(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		ctx := context.Background()
		k, _, _, c := newKeys(t, backend)
		existing, _ := mustCreate(t, k, KeySpec{Name: "ci", Role: RolePublisher})
		past := c.now().Add(-time.Second)
		tests := []struct {
			name string
			spec KeySpec
			is   error
		}{
			{"no name", KeySpec{Name: "  ", Role: RoleReader}, ErrInvalidSpec},
			{"long name", KeySpec{Name: strings.Repeat("n", maxNameLength+1), Role: RoleReader}, ErrInvalidSpec},
			{"name like an id", KeySpec{Name: "APIKEYS-abc", Role: RoleReader}, ErrInvalidSpec},
			{"name like a key", KeySpec{Name: existing, Role: RoleReader}, ErrInvalidSpec},
			{"name like a lower-case key", KeySpec{Name: strings.ToLower(existing), Role: RoleReader}, ErrInvalidSpec},
			{"no role", KeySpec{Name: "x"}, ErrInvalidSpec},
			{"unknown role", KeySpec{Name: "x", Role: "root"}, ErrInvalidSpec},
			{"expired already", KeySpec{Name: "x", Role: RoleReader, Expires: &past}, ErrInvalidSpec},
			{"space path", KeySpec{Name: "x", Role: RoleReader, Spaces: []string{"../../etc"}}, ErrInvalidSpec},
			{"space name, not id", KeySpec{Name: "x", Role: RoleReader, Spaces: []string{"Default"}}, ErrInvalidSpec},
			{"space zero", KeySpec{Name: "x", Role: RoleReader, Spaces: []string{"Spaces-0"}}, ErrInvalidSpec},
			{"space that does not exist", KeySpec{Name: "x", Role: RoleReader, Spaces: []string{"Spaces-2"}}, ErrInvalidSpec},
			{"empty space entry", KeySpec{Name: "x", Role: RoleReader, Spaces: []string{" "}}, ErrInvalidSpec},
			{"too many spaces", KeySpec{Name: "x", Role: RoleReader, Spaces: slices.Repeat([]string{"Spaces-1"}, maxScopeEntries+1)}, ErrInvalidSpec},
			{"owner path", KeySpec{Name: "x", Role: RoleReader, Owners: []string{"../../etc"}}, ErrInvalidOwner},
			{"owner with slash", KeySpec{Name: "x", Role: RoleReader, Owners: []string{"a/b"}}, ErrInvalidSpec},
			{"empty owner entry", KeySpec{Name: "x", Role: RoleReader, Owners: []string{""}}, ErrInvalidSpec},
			{"too many owners", KeySpec{Name: "x", Role: RoleReader, Owners: slices.Repeat([]string{"a"}, maxScopeEntries+1)}, ErrInvalidSpec},
			{"malformed import", KeySpec{Name: "x", Role: RoleReader, Key: "api-lowercase-is-not-a-key-at-all"}, ErrInvalidKey},
			{"short import", KeySpec{Name: "x", Role: RoleReader, Key: "API-SHORT"}, ErrInvalidKey},
			{"duplicate key", KeySpec{Name: "other", Role: RoleReader, Key: existing}, ErrExists},
			{"duplicate active name", KeySpec{Name: "CI", Role: RoleReader}, ErrExists},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				key, _, err := k.Create(ctx, tt.spec)
				if err == nil {
					t.Fatalf("Create(%v) = %q, nil; want an error", tt.spec, key)
				}
				if tt.is != nil && !errors.Is(err, tt.is) {
					t.Errorf("Create(%v) error = %v, want %v", tt.spec, err, tt.is)
				}
			})
		}
		n, err := k.Count(ctx)
		if err != nil || n != 1 {
			t.Errorf("Count = %d, %v; want 1, nil", n, err)
		}
	})
}

func TestNameReusableAfterRevoke(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		ctx := context.Background()
		k, _, _, _ := newKeys(t, backend)
		mustCreate(t, k, KeySpec{Name: "ci", Role: RolePublisher})
		if err := k.Revoke(ctx, "ci"); err != nil {
			t.Fatalf("Revoke: %v", err)
		}
		key, _ := mustCreate(t, k, KeySpec{Name: "ci", Role: RolePublisher})
		if _, err := k.Authenticate(ctx, key); err != nil {
			t.Errorf("Authenticate(new ci key) = %v, want nil", err)
		}
	})
}

func TestAuthenticateRefuses(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		ctx := context.Background()
		k, _, _, c := newKeys(t, backend)
		revoked, _ := mustCreate(t, k, KeySpec{Name: "revoked", Role: RoleAdministrator})
		if err := k.Revoke(ctx, "revoked"); err != nil {
			t.Fatal(err)
		}
		soon := c.now().Add(time.Hour)
		expiring, _ := mustCreate(t, k, KeySpec{Name: "expiring", Role: RolePublisher, Expires: &soon})
		if _, err := k.Authenticate(ctx, expiring); err != nil {
			t.Fatalf("Authenticate(expiring) before expiry = %v, want nil", err)
		}
		c.advance(time.Hour)
		unknown, err := GenerateKey()
		if err != nil {
			t.Fatal(err)
		}
		tests := []struct {
			name string
			key  string
			is   error
		}{
			{"empty", "", ErrUnauthenticated},
			{"malformed", "not-a-key", ErrInvalidKey},
			{"lower-cased", strings.ToLower(unknown), ErrInvalidKey},
			{"guest", GuestKey, ErrInvalidKey},
			{"unknown", unknown, ErrInvalidKey},
			{"revoked", revoked, ErrInvalidKey},
			{"expired at the instant", expiring, ErrInvalidKey},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				p, err := k.Authenticate(ctx, tt.key)
				if !errors.Is(err, tt.is) {
					t.Fatalf("Authenticate error = %v, want %v", err, tt.is)
				}
				if p.Role != "" || p.KeyID != "" {
					t.Errorf("Authenticate principal = %+v, want zero", p)
				}
				if tt.key != "" && strings.Contains(err.Error(), tt.key) {
					t.Errorf("error %q contains the key", err)
				}
			})
		}
	})
}

func TestRevoke(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		ctx := context.Background()
		tests := []struct {
			name string
			by   func(key string, info KeyInfo) string
		}{
			{"by id", func(_ string, info KeyInfo) string { return info.ID }},
			{"by upper-case id", func(_ string, info KeyInfo) string { return strings.ToUpper(info.ID) }},
			{"by name", func(string, KeyInfo) string { return "Build Agent" }},
			{"by name other case", func(string, KeyInfo) string { return " build agent " }},
			{"by the key itself", func(key string, _ KeyInfo) string { return key }},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				k, _, _, _ := newKeys(t, backend)
				key, info := mustCreate(t, k, KeySpec{Name: "Build Agent", Role: RolePublisher})
				other, _ := mustCreate(t, k, KeySpec{Name: "other", Role: RolePublisher})
				// Fill the cache: Revoke must take effect anyway.
				if _, err := k.Authenticate(ctx, key); err != nil {
					t.Fatal(err)
				}
				if err := k.Revoke(ctx, tt.by(key, info)); err != nil {
					t.Fatalf("Revoke: %v", err)
				}
				if _, err := k.Authenticate(ctx, key); !errors.Is(err, ErrInvalidKey) {
					t.Errorf("Authenticate(revoked) = %v, want ErrInvalidKey", err)
				}
				if _, err := k.Authenticate(ctx, other); err != nil {
					t.Errorf("Authenticate(other) = %v, want nil", err)
				}
				if err := k.Revoke(ctx, tt.by(key, info)); err != nil {
					t.Errorf("second Revoke = %v, want nil", err)
				}
				list, err := k.List(ctx)
				if err != nil {
					t.Fatal(err)
				}
				for _, li := range list {
					if (li.ID == info.ID) != (li.RevokedAt != nil) {
						t.Errorf("key %s RevokedAt = %v, want set only for %s", li.ID, li.RevokedAt, info.ID)
					}
				}
			})
		}

		k, _, _, _ := newKeys(t, backend)
		unknown, _ := GenerateKey()
		for _, arg := range []string{"", "apikeys-nope", "nobody", unknown} {
			err := k.Revoke(ctx, arg)
			if !errors.Is(err, ErrNotFound) {
				t.Errorf("Revoke(%q) = %v, want ErrNotFound", arg, err)
			}
			if arg != "" && strings.Contains(err.Error(), arg) {
				t.Errorf("Revoke error %q echoes its argument", err)
			}
		}
	})
}

func TestListAndCount(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		ctx := context.Background()
		k, _, _, c := newKeys(t, backend)
		if list, err := k.List(ctx); err != nil || len(list) != 0 {
			t.Fatalf("List(empty) = %v, %v; want none", list, err)
		}
		exp := c.now().Add(time.Minute)
		var keys []string
		for i, spec := range []KeySpec{
			{Name: "a", Role: RoleAdministrator},
			{Name: "b", Role: RolePublisher, Spaces: []string{"Spaces-1"}, Expires: &exp},
			{Name: "c", Role: RoleReader, Owners: []string{"o"}},
		} {
			key, _ := mustCreate(t, k, spec)
			keys = append(keys, key)
			c.advance(time.Duration(i+1) * time.Millisecond)
		}
		if _, err := k.Authenticate(ctx, keys[0]); err != nil {
			t.Fatal(err)
		}
		if err := k.Revoke(ctx, "c"); err != nil {
			t.Fatal(err)
		}

		list, err := k.List(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, info := range list {
			names = append(names, info.Name)
		}
		if want := []string{"a", "b", "c"}; !slices.Equal(names, want) {
			t.Errorf("List names = %q, want %q", names, want)
		}
		if list[0].LastUsed == nil || list[1].LastUsed != nil {
			t.Errorf("LastUsed = %v, %v; want set for a only", list[0].LastUsed, list[1].LastUsed)
		}
		if list[1].Expires == nil || !list[1].Expires.Equal(exp) || !slices.Equal(list[1].Spaces, []string{"Spaces-1"}) {
			t.Errorf("List[1] = %+v, want Expires %v and Spaces [Spaces-1]", list[1], exp)
		}
		if list[2].RevokedAt == nil || !slices.Equal(list[2].Owners, []string{"o"}) {
			t.Errorf("List[2] = %+v, want revoked with Owners [o]", list[2])
		}
		dump := fmt.Sprintf("%+v %#v", list, list)
		for _, key := range keys {
			if strings.Contains(dump, key) || strings.Contains(dump, digest(key)) {
				t.Errorf("List output contains a key or its digest")
			}
		}

		tests := []struct {
			after time.Duration
			want  int
		}{
			{0, 2},           // a and b; c is revoked
			{time.Minute, 1}, // b expired
		}
		for _, tt := range tests {
			c.advance(tt.after)
			n, err := k.Count(ctx)
			if err != nil || n != tt.want {
				t.Errorf("Count after %v = %d, %v; want %d", tt.after, n, err, tt.want)
			}
		}
	})
}

func TestConstantTimeCompareDecides(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		ctx := context.Background()
		k, _, _, _ := newKeys(t, backend)
		key, _ := mustCreate(t, k, KeySpec{Name: "ci", Role: RolePublisher})

		var calls atomic.Int32
		answer := atomic.Int32{}
		answer.Store(-1) // -1: ask subtle
		k.equal = func(x, y []byte) int {
			calls.Add(1)
			if a := answer.Load(); a >= 0 {
				return int(a)
			}
			return subtle.ConstantTimeCompare(x, y)
		}

		answer.Store(0)
		if _, err := k.Authenticate(ctx, key); !errors.Is(err, ErrInvalidKey) {
			t.Errorf("Authenticate with a failing compare = %v, want ErrInvalidKey", err)
		}
		answer.Store(-1)
		if _, err := k.Authenticate(ctx, key); err != nil {
			t.Errorf("Authenticate = %v, want nil", err)
		}
		if got := calls.Load(); got != 2 {
			t.Errorf("compare called %d times, want 2", got)
		}
		// Now cached: no database row, no compare.
		if _, err := k.Authenticate(ctx, key); err != nil {
			t.Errorf("cached Authenticate = %v, want nil", err)
		}
		if got := calls.Load(); got != 2 {
			t.Errorf("compare called %d times after a cache hit, want 2", got)
		}
	})
}

func TestCacheLifetime(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		ctx := context.Background()
		k, db, _, c := newKeys(t, backend)
		exp := c.now().Add(5 * time.Second)
		key, info := mustCreate(t, k, KeySpec{Name: "ci", Role: RolePublisher, Expires: &exp})
		if _, err := k.Authenticate(ctx, key); err != nil {
			t.Fatal(err)
		}
		// Another process revokes the key behind our back.
		if _, err := db.exec(ctx, `UPDATE auth_keys SET revoked_at = 1 WHERE id = ?`, info.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := k.Authenticate(ctx, key); err != nil {
			t.Errorf("Authenticate within the cache lifetime = %v, want nil (cached)", err)
		}
		// The cache never outlives the key's own expiry.
		c.advance(5 * time.Second)
		if _, err := k.Authenticate(ctx, key); !errors.Is(err, ErrInvalidKey) {
			t.Errorf("Authenticate at expiry = %v, want ErrInvalidKey", err)
		}

		key2, info2 := mustCreate(t, k, KeySpec{Name: "ci2", Role: RolePublisher})
		if _, err := k.Authenticate(ctx, key2); err != nil {
			t.Fatal(err)
		}
		if _, err := db.exec(ctx, `UPDATE auth_keys SET revoked_at = 1 WHERE id = ?`, info2.ID); err != nil {
			t.Fatal(err)
		}
		c.advance(defaultCacheTTL)
		if _, err := k.Authenticate(ctx, key2); !errors.Is(err, ErrInvalidKey) {
			t.Errorf("Authenticate after the cache lifetime = %v, want ErrInvalidKey", err)
		}
	})
}

func TestCachedPrincipalIsACopy(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		ctx := context.Background()
		k, _, _, _ := newKeys(t, backend)
		key, _ := mustCreate(t, k, KeySpec{Name: "ci", Role: RolePublisher, Spaces: []string{"Spaces-1"}})
		for range 2 { // miss, then hit
			p, err := k.Authenticate(ctx, key)
			if err != nil {
				t.Fatal(err)
			}
			p.Spaces[0] = "Spaces-666"
		}
		p, err := k.Authenticate(ctx, key)
		if err != nil || !slices.Equal(p.Spaces, []string{"Spaces-1"}) {
			t.Errorf("Authenticate = %+v, %v; want Spaces [Spaces-1]", p, err)
		}
	})
}

// TestKeyNeverStored greps the database files for the clear key: only the
// digest may be there.
func TestKeyNeverStored(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		ctx := context.Background()
		k, db, path, _ := newKeys(t, backend)
		imported := "API-" + strings.Repeat("QWERTY7", 5)
		var keys []string
		for i, spec := range []KeySpec{
			{Name: "admin", Role: RoleAdministrator, Key: imported},
			{Name: "ci", Role: RolePublisher},
			{Name: "reader", Role: RoleReader},
		} {
			key, _ := mustCreate(t, k, spec)
			keys = append(keys, key)
			if _, err := k.Authenticate(ctx, key); err != nil {
				t.Fatal(err)
			}
			if i == 2 {
				if err := k.Revoke(ctx, key); err != nil {
					t.Fatal(err)
				}
			}
		}

		check := func(t *testing.T) {
			var all []byte
			for _, suffix := range []string{"", "-wal", "-shm", "-journal"} {
				if path == "" {
					break // PostgreSQL: what its tables hold, below
				}
				b, err := os.ReadFile(path + suffix)
				if errors.Is(err, os.ErrNotExist) {
					continue
				}
				if err != nil {
					t.Fatal(err)
				}
				all = append(all, b...)
			}
			for _, table := range []string{"auth_keys", "auth_spaces", "auth_settings", "auth_schema"} {
				if path != "" {
					break
				}
				var text string
				if err := db.queryRow(ctx, `SELECT COALESCE(string_agg(t::text, E'\n'), '') FROM `+table+` t`).Scan(&text); err != nil {
					t.Fatal(err)
				}
				all = append(all, text...)
			}
			for _, key := range keys {
				if bytes.Contains(all, []byte(key)) {
					t.Errorf("database files contain a clear key")
				}
				if bytes.Contains(bytes.ToLower(all), []byte(strings.ToLower(key))) {
					t.Errorf("database files contain a clear key, case-folded")
				}
				// The digest must be there, or we grepped the wrong files.
				if !bytes.Contains(all, []byte(digest(key))) {
					t.Errorf("database files lack the key's digest; wrong files?")
				}
			}
		}
		t.Run("open (WAL)", check)
		if path == "" {
			return // the checkpoint below is SQLite's
		}
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
		t.Run("closed (checkpointed)", check)
	})
}

// TestErrorsNeverContainKey drives every failure path with a known key.
func TestErrorsNeverContainKey(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		ctx := context.Background()
		k, _, _, c := newKeys(t, backend)
		key, info := mustCreate(t, k, KeySpec{Name: "ci", Role: RolePublisher})
		soon := c.now().Add(time.Second)
		short, _ := mustCreate(t, k, KeySpec{Name: "short", Role: RoleReader, Expires: &soon})
		if _, err := k.Authenticate(ctx, short); err != nil {
			t.Fatal(err)
		}
		c.advance(time.Second)

		var errs []error
		collect := func(_ any, err error) { errs = append(errs, err) }
		collect3 := func(_ string, _ KeyInfo, err error) { errs = append(errs, err) }

		collect3(k.Create(ctx, KeySpec{Name: "dup", Role: RoleReader, Key: key}))
		collect3(k.Create(ctx, KeySpec{Name: key, Role: RoleReader}))
		collect3(k.Create(ctx, KeySpec{Name: "bad", Role: RoleReader, Key: key + "-x"}))
		collect3(k.Create(ctx, KeySpec{Name: "bad", Role: RoleReader, Key: strings.ToLower(key)}))
		collect(k.Authenticate(ctx, short))                // expired, cached
		collect(k.Authenticate(ctx, key+"0"))              // unknown
		collect(k.Authenticate(ctx, strings.ToLower(key))) // malformed
		collect(k.Authenticate(ctx, key+" "))              // malformed
		collect(k.Authenticate(ctx, key[:len(key)-1]+"!")) // malformed
		collect(nil, k.Revoke(ctx, key+"0"))               // not found
		collect(nil, k.Revoke(ctx, info.ID))               // revokes
		collect(k.Authenticate(ctx, key))                  // revoked
		collect(nil, fmt.Errorf("spec %v %+v %#v", KeySpec{Key: key}, KeySpec{Key: key}, KeySpec{Key: key}))

		secret := strings.TrimPrefix(key, "API-")
		for i, err := range errs {
			if i == 10 {
				if err != nil {
					t.Errorf("Revoke(%s) = %v, want nil", info.ID, err)
				}
				continue
			}
			if err == nil {
				t.Errorf("error %d is nil, want an error", i)
				continue
			}
			msg := strings.ToLower(err.Error())
			if strings.Contains(msg, strings.ToLower(secret)) || strings.Contains(msg, digest(key)) {
				t.Errorf("error %d %q contains the key or its digest", i, err)
			}
		}
	})
}

// TestRevokeDuringLookup revokes between Authenticate's database read and its
// cache fill (the compare hook runs there): the stale row must not be cached.
func TestRevokeDuringLookup(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		ctx := context.Background()
		k, _, _, _ := newKeys(t, backend)
		key, info := mustCreate(t, k, KeySpec{Name: "ci", Role: RolePublisher})
		var once sync.Once
		k.equal = func(x, y []byte) int {
			once.Do(func() {
				if err := k.Revoke(ctx, info.ID); err != nil {
					t.Errorf("Revoke: %v", err)
				}
			})
			return subtle.ConstantTimeCompare(x, y)
		}
		// This call read the row before the revocation; letting it through is fine.
		if _, err := k.Authenticate(ctx, key); err != nil {
			t.Fatalf("Authenticate racing Revoke = %v, want nil", err)
		}
		if _, err := k.Authenticate(ctx, key); !errors.Is(err, ErrInvalidKey) {
			t.Errorf("Authenticate after Revoke = %v, want ErrInvalidKey", err)
		}
	})
}

// TestConcurrentAuthenticateRevoke: once Revoke returns, no caller may get in
// with the key, however Authenticate calls interleave (run with -race).
func TestConcurrentAuthenticateRevoke(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		ctx := context.Background()
		k, _, _, _ := newKeys(t, backend)
		k.now = time.Now
		const n = 8
		var keys []string
		for i := range n {
			key, _ := mustCreate(t, k, KeySpec{Name: fmt.Sprintf("key-%d", i), Role: RolePublisher})
			keys = append(keys, key)
		}
		keeper, _ := mustCreate(t, k, KeySpec{Name: "keeper", Role: RoleReader})

		stop := make(chan struct{})
		var wg sync.WaitGroup
		var unexpected atomic.Int64
		for g := range 8 {
			wg.Go(func() {
				for i := 0; ; i++ {
					select {
					case <-stop:
						return
					default:
					}
					key := keys[(g+i)%n]
					if _, err := k.Authenticate(ctx, key); err != nil && !errors.Is(err, ErrInvalidKey) {
						unexpected.Add(1)
					}
					if _, err := k.Authenticate(ctx, keeper); err != nil {
						unexpected.Add(1)
					}
				}
			})
		}
		for i, key := range keys {
			if err := k.Revoke(ctx, fmt.Sprintf("key-%d", i)); err != nil {
				t.Errorf("Revoke(key-%d): %v", i, err)
			}
			for range 20 {
				if _, err := k.Authenticate(ctx, key); !errors.Is(err, ErrInvalidKey) {
					t.Errorf("Authenticate(key-%d) after Revoke = %v, want ErrInvalidKey", i, err)
					break
				}
			}
		}
		close(stop)
		wg.Wait()
		if got := unexpected.Load(); got != 0 {
			t.Errorf("%d unexpected Authenticate errors", got)
		}
	})
}

func TestKeySpecRedactsKey(t *testing.T) {
	key, err := GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	spec := KeySpec{Name: "x", Role: RoleReader, Key: key}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		if got := fmt.Sprintf(verb, spec); strings.Contains(got, key) || !strings.Contains(got, "redacted") {
			t.Errorf("Sprintf(%s, spec) = %q, want the key redacted", verb, got)
		}
	}
}

func BenchmarkAuthenticate(b *testing.B) {
	ctx := context.Background()
	for _, bc := range []struct {
		name string
		ttl  time.Duration
	}{
		{"cached", defaultCacheTTL},
		{"uncached", 0},
	} {
		b.Run(bc.name, func(b *testing.B) {
			k, _, _, _ := newKeys(b, "sqlite")
			k.now = time.Now
			k.ttl = bc.ttl
			key, _ := mustCreate(b, k, KeySpec{Name: "ci", Role: RolePublisher, Spaces: []string{"Spaces-1"}})
			for range 100 { // a realistic number of other keys
				mustCreate(b, k, KeySpec{Name: "other-" + randomName(b), Role: RoleReader})
			}
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := k.Authenticate(ctx, key); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

func randomName(tb testing.TB) string {
	s, err := randomString(lowerAlnum, 10)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// TestCreateScopeErrorsSayWhy: the admin API and the CLI print these texts
// as they are, so each must name the entry and what is wrong with it.
func TestCreateScopeErrorsSayWhy(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		ctx := context.Background()
		k, _, _, _ := newKeys(t, backend)
		tests := []struct {
			spec KeySpec
			says string
		}{
			{KeySpec{Name: "x", Role: RoleReader, Spaces: []string{"../../etc"}}, `"../../etc" is not a space id`},
			{KeySpec{Name: "x", Role: RoleReader, Spaces: []string{"spaces-07"}}, "the space Spaces-7 does not exist"},
			{KeySpec{Name: "x", Role: RoleReader, Owners: []string{"../../etc"}}, `"../../etc" contains ".."`},
			{KeySpec{Name: "x", Role: RoleReader, Owners: []string{"-x"}}, "must start and end with a letter or digit"},
		}
		for _, tt := range tests {
			_, _, err := k.Create(ctx, tt.spec)
			if err == nil || !strings.Contains(err.Error(), tt.says) {
				t.Errorf("Create(%v) = %v, want an error saying %q", tt.spec, err, tt.says)
			}
		}
		if list, err := k.List(ctx); err != nil || len(list) != 0 {
			t.Errorf("after refusals List = %v, %v; want no key stored", list, err)
		}
	})
}
