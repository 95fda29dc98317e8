-- Symbol packages: one row per Portable PDB of a stored .snupkg, as in
-- index/sqlite/migrations/0021_symbols.sql.
CREATE TABLE symbol_files (
    space         TEXT   COLLATE "C" NOT NULL,
    id_lower      TEXT   COLLATE "C" NOT NULL,
    version_lower TEXT   COLLATE "C" NOT NULL,
    ssqp_key      TEXT   COLLATE "C" NOT NULL,
    path          TEXT   NOT NULL,
    blob_key      TEXT   COLLATE "C" NOT NULL,
    size          BIGINT NOT NULL,
    sha256        TEXT   NOT NULL, -- lowercase hex of the PDB checksum
    PRIMARY KEY (space, id_lower, version_lower, ssqp_key)
);

-- A debugger's request looks a PDB up by key.
CREATE INDEX symbol_files_key ON symbol_files (space, ssqp_key);
