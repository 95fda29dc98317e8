-- Symbol packages: one row per Portable PDB of a stored .snupkg, the lookup
-- from a Simple Symbol Query Protocol key (ssqp_key, lowercased by Go) to
-- the .snupkg (blob_key) and the zip entry (path) that holds the PDB. A
-- version's rows are replaced and deleted together with its symbol package.
CREATE TABLE symbol_files (
    space         TEXT   NOT NULL,
    id_lower      TEXT   NOT NULL,
    version_lower TEXT   NOT NULL,
    ssqp_key      TEXT   NOT NULL,
    path          TEXT   NOT NULL,
    blob_key      TEXT   NOT NULL,
    size          BIGINT NOT NULL,
    sha256        TEXT   NOT NULL, -- lowercase hex of the PDB checksum
    PRIMARY KEY (space, id_lower, version_lower, ssqp_key)
);

-- A debugger's request looks a PDB up by key.
CREATE INDEX symbol_files_key ON symbol_files (space, ssqp_key);
