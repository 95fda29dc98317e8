-- One row per package version per space. Identity is (space, kind, id_lower, version_lower).
-- Types are plain so the schema can move to PostgreSQL: BIGINT for counters and unix
-- nanoseconds, BOOLEAN for flags, TEXT for the rest.
CREATE TABLE packages (
    space            TEXT    NOT NULL,
    kind             TEXT    NOT NULL,
    id               TEXT    NOT NULL,
    id_lower         TEXT    NOT NULL,
    version          TEXT    NOT NULL, -- normalised, for display
    version_lower    TEXT    NOT NULL, -- normalised and lowercased: the identity
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
    blob_key         TEXT    UNIQUE,   -- NULL when the row has no file yet
    file_mtime       BIGINT,           -- unix nanoseconds of the stored file
    downloads        BIGINT  NOT NULL DEFAULT 0,
    title            TEXT    NOT NULL DEFAULT '',
    description      TEXT    NOT NULL DEFAULT '',
    authors          TEXT    NOT NULL DEFAULT '',
    tags             TEXT    NOT NULL DEFAULT '',
    manifest         TEXT,             -- JSON (see manifest.go); NULL for raw archives
    PRIMARY KEY (space, kind, id_lower, version_lower)
);
