-- When a version was last downloaded (unix nanoseconds, NULL: never since
-- this column exists), written with the batched download counts. Cache
-- retention drops mirrored packages by it. Existing rows start NULL: a
-- cache retention run counts them as not downloaded since the upgrade.
ALTER TABLE packages ADD COLUMN last_download BIGINT;
