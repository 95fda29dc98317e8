-- When a version was last downloaded, as in
-- index/sqlite/migrations/0022_last_download.sql.
ALTER TABLE packages ADD COLUMN last_download BIGINT;

-- It is written with the download counts, so, like them, it is not a
-- change of the id (0002_changes.sql): the change-log trigger ignores it.
CREATE OR REPLACE FUNCTION log_package_change() RETURNS trigger LANGUAGE plpgsql AS $$
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
        same.last_download := OLD.last_download;
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
