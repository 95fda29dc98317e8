-- Generic packages (Gitea-style registry): one row per stored file. A file is
-- identified by owner, package name, version and file name, the last three
-- compared case-insensitively through their *_lower columns; the row keeps the
-- spelling of the push. The file's bytes are a content-addressed blob (sha256);
-- ref_key is the storage key of the small JSON file that records this row on
-- disk, so the table can be rebuilt from the package directory.
CREATE TABLE generic_files (
    owner          TEXT    NOT NULL, -- lowercase
    name           TEXT    NOT NULL,
    name_lower     TEXT    NOT NULL,
    version        TEXT    NOT NULL,
    version_lower  TEXT    NOT NULL,
    filename       TEXT    NOT NULL,
    filename_lower TEXT    NOT NULL,
    sha256         TEXT    NOT NULL, -- lowercase hex: the blob
    size           BIGINT  NOT NULL,
    created        BIGINT  NOT NULL, -- unix nanoseconds
    ref_key        TEXT    NOT NULL UNIQUE,
    PRIMARY KEY (owner, name_lower, version_lower, filename_lower)
);

-- Garbage collection counts the references to a blob.
CREATE INDEX generic_files_sha256 ON generic_files (sha256);

-- Facts about the generic catalogue itself; "indexed" is written by the first
-- complete re-index, after which the table holds every file on disk and blob
-- reference counts can be trusted.
CREATE TABLE generic_state (
    name  TEXT NOT NULL PRIMARY KEY,
    value TEXT NOT NULL
);
