-- What an administrator says against using a package version, as in
-- index/sqlite/migrations/0020_deprecation.sql: JSON, NULL for none.
ALTER TABLE packages ADD COLUMN deprecation TEXT;
