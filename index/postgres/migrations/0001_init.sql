-- The catalogue on PostgreSQL: the tables of index/sqlite's migrations, with
-- the same columns and types (BIGINT for counters and unix nanoseconds,
-- BOOLEAN for flags, TEXT for the rest), so index/internal/row reads and
-- writes both alike.
--
-- Every column that is compared, ordered or paged by ("key > $1") compares
-- bytes: COLLATE "C". The database's default collation may follow a locale,
-- which orders "A/" and "a/" or "é" differently from Go's byte order that
-- the re-index merges storage listings in.

-- One row per package version per space. Identity is (space, kind, id_lower, version_lower),
-- lowercased by Go (index/internal/row), never by SQL lower().
CREATE TABLE packages (
    space            TEXT    COLLATE "C" NOT NULL,
    kind             TEXT    COLLATE "C" NOT NULL,
    id               TEXT    NOT NULL,
    id_lower         TEXT    COLLATE "C" NOT NULL,
    version          TEXT    NOT NULL, -- normalised, for display
    version_lower    TEXT    COLLATE "C" NOT NULL, -- normalised and lowercased: the identity
    version_original TEXT    NOT NULL, -- as the nuspec or file name said it
    version_full     TEXT    NOT NULL, -- normalised with +metadata
    prerelease       BOOLEAN NOT NULL,
    semver2          BOOLEAN NOT NULL,
    listed           BOOLEAN NOT NULL,
    published        BIGINT,           -- unix nanoseconds; NULL when unknown
    size             BIGINT  NOT NULL,
    sha512           TEXT    NOT NULL,
    sha1             TEXT    NOT NULL,
    sha256           TEXT    NOT NULL,
    extension        TEXT    NOT NULL,
    blob_key         TEXT    COLLATE "C" UNIQUE, -- NULL when the row has no file yet
    file_mtime       BIGINT,           -- unix nanoseconds of the stored file
    downloads        BIGINT  NOT NULL DEFAULT 0,
    title            TEXT    NOT NULL DEFAULT '',
    description      TEXT    NOT NULL DEFAULT '',
    authors          TEXT    NOT NULL DEFAULT '',
    tags             TEXT    NOT NULL DEFAULT '',
    manifest         TEXT,             -- JSON (index/internal/row/manifest.go); NULL for raw archives
    PRIMARY KEY (space, kind, id_lower, version_lower)
);

-- Generic packages: one row per stored file, as in index/sqlite/migrations/0010_generic.sql.
CREATE TABLE generic_files (
    owner          TEXT    COLLATE "C" NOT NULL, -- lowercase
    name           TEXT    NOT NULL,
    name_lower     TEXT    COLLATE "C" NOT NULL,
    version        TEXT    NOT NULL,
    version_lower  TEXT    COLLATE "C" NOT NULL,
    filename       TEXT    NOT NULL,
    filename_lower TEXT    COLLATE "C" NOT NULL,
    sha256         TEXT    COLLATE "C" NOT NULL, -- lowercase hex: the blob
    size           BIGINT  NOT NULL,
    created        BIGINT  NOT NULL, -- unix nanoseconds
    ref_key        TEXT    COLLATE "C" NOT NULL UNIQUE,
    PRIMARY KEY (owner, name_lower, version_lower, filename_lower)
);

-- Garbage collection counts the references to a blob.
CREATE INDEX generic_files_sha256 ON generic_files (sha256);

-- Facts about the generic catalogue itself ("indexed": a complete re-index has run).
CREATE TABLE generic_state (
    name  TEXT NOT NULL PRIMARY KEY,
    value TEXT NOT NULL
);
