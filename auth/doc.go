// Package auth owns who may do what on the feed server: API keys (their
// generation, format, hashed storage and lookup), the principal a request acts
// as, the roles a key carries and the Octopus-named permissions those roles grant.
//
// What it provides:
//
//   - Permission and Role: the Octopus permission names (BuiltInFeedPush,
//     BuiltInFeedAdminister, BuiltInFeedDownload, FeedView, AdministerSystem) and
//     the three roles that bundle them (administrator, publisher, reader).
//   - Principal: the identity attached to a request, with the key's scope
//     (its spaces and owners); Anonymous for anonymous reads.
//   - Policy.Scope and Policy.Authorize: THE decision of who may do what,
//     for every protocol, the web pages and the admin API. A key with no
//     space or owner list reaches everything; a key with either reaches
//     exactly what its lists name (limited to spaces: no generic owner;
//     limited to owners: no space). Listings keep what Scope holds.
//   - Keys.Create checks a key's description: a space list names spaces
//     that exist, an owner list names valid owners (ErrInvalidSpec).
//   - GenerateKey and ValidKeyFormat: keys of the form "API-" + [A-Z0-9]{32},
//     the only form Octopus clients accept.
//   - Keys: the key store over a DB (tables prefixed auth_). It stores only
//     the SHA-256 digest of a key, never the key, and caches successful lookups
//     for a few seconds because Authenticate runs on every push. Spaces and
//     Owners live in the same DB.
//   - DB (db.go): a *sql.DB on SQLite (keys.db, the embedded default) or on
//     PostgreSQL (the same database as the catalogue). The stores' SQL is
//     written once; DB rebinds placeholders and serialises table creation
//     for PostgreSQL, and turns an unreachable server into ErrUnavailable.
//   - Sentinels ErrUnauthenticated, ErrInvalidKey, ErrForbidden, ErrNotFound,
//     ErrExists, ErrInvalidSpec, MissingPermissionError and OutOfScopeError
//     (a key that does not reach the space or owner), ErrUnavailable (the
//     key database cannot be reached). Which HTTP status
//     each maps to is the protocol's decision (Octopus answers 401 to a bad
//     key, NuGet push 403).
//
// No error or log text it produces may contain a key.
//
// # Imports
//
// The standard library only: database/sql, but no SQL driver (cmd chooses
// and imports it), no other feedserver package and nothing of HTTP, which is
// the protocols' business.
//
//	may import:    std
//	must not:      net/http/...
//	never reaches: net/http
package auth
