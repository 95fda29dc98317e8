-- When a version was last downloaded (unix nanoseconds, NULL: none recorded
-- yet), written with the batched download counts. Cache retention drops
-- mirrored packages by it; a row without one (every row of a database
-- upgraded to this version) counts from its file's time, when it was cached.
ALTER TABLE packages ADD COLUMN last_download BIGINT;
