-- The change log: one row per committed change to the rows of a package id,
-- which every feedserver process sharing this database follows to drop what
-- it cached of that id and to update its own search index (feed/follow.go;
-- docs/replicas.md).
--
-- A trigger writes it, in the transaction of the change itself, so no write
-- of the catalogue can forget it and no crash can separate a change from its
-- entry. The sequence number comes from a single counter row that the
-- trigger updates: its row lock is held until the transaction ends, so the
-- writers of packages commit one after another in the order of their
-- numbers, and an aborted writer takes its number back. The numbers are
-- therefore gapless and visible in order: a reader that has applied every
-- change up to N and finds nothing above N has seen every change committed
-- before its query began; a first row above N+1 means the rows in between
-- were pruned. (A plain sequence would hand out numbers that commit out of
-- order, and a "seq > cursor" reader would step over a slow transaction's.)
-- The price: writes of package rows commit one at a time across the whole
-- cluster, which bounds them to about one per commit's disk flush.
CREATE TABLE changes (
    seq      BIGINT      PRIMARY KEY,
    space    TEXT        COLLATE "C" NOT NULL,
    kind     TEXT        COLLATE "C" NOT NULL,
    id_lower TEXT        COLLATE "C" NOT NULL, -- '' when every id may have changed (TRUNCATE)
    at       TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp()
);

CREATE TABLE change_head (
    one BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (one), -- exactly one row
    seq BIGINT  NOT NULL
);
INSERT INTO change_head (seq) VALUES (0);

-- A write that changes nothing but the download count is not logged: counts
-- are flushed every second by every process, and what is cached of them
-- expires on its own. Nor is a write that changes nothing at all (the
-- re-index rewriting an unchanged row).
CREATE FUNCTION log_package_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    n    BIGINT;
    r    packages;
    same packages;
BEGIN
    IF TG_OP = 'DELETE' THEN
        r := OLD;
    ELSE
        r := NEW;
    END IF;
    IF TG_OP = 'UPDATE' THEN
        same := NEW;
        same.downloads := OLD.downloads;
        IF same IS NOT DISTINCT FROM OLD THEN
            RETURN NULL;
        END IF;
        IF OLD.space <> NEW.space OR OLD.kind <> NEW.kind OR OLD.id_lower <> NEW.id_lower THEN
            -- No write moves a row to another id, but the old id would change too.
            UPDATE change_head SET seq = seq + 1 RETURNING seq INTO n;
            INSERT INTO changes (seq, space, kind, id_lower) VALUES (n, OLD.space, OLD.kind, OLD.id_lower);
        END IF;
    END IF;
    UPDATE change_head SET seq = seq + 1 RETURNING seq INTO n;
    INSERT INTO changes (seq, space, kind, id_lower) VALUES (n, r.space, r.kind, r.id_lower);
    -- The doorbell: delivered at commit, once per transaction (equal
    -- notifications of one transaction fold into one).
    PERFORM pg_notify('feedserver_changes', '');
    RETURN NULL;
END $$;

CREATE TRIGGER packages_log_change AFTER INSERT OR UPDATE OR DELETE ON packages
    FOR EACH ROW EXECUTE FUNCTION log_package_change();

-- TRUNCATE fires no row trigger: it is logged as a change of every id.
CREATE FUNCTION log_packages_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    n BIGINT;
BEGIN
    UPDATE change_head SET seq = seq + 1 RETURNING seq INTO n;
    INSERT INTO changes (seq, space, kind, id_lower) VALUES (n, '', '', '');
    PERFORM pg_notify('feedserver_changes', '');
    RETURN NULL;
END $$;

CREATE TRIGGER packages_log_truncate AFTER TRUNCATE ON packages
    FOR EACH STATEMENT EXECUTE FUNCTION log_packages_truncate();
