-- What an administrator says against using a package version (PUT
-- /api/admin/deprecation): JSON (index/internal/row/deprecation.go), NULL for
-- none. It belongs to the identity, like downloads: a re-push keeps it.
ALTER TABLE packages ADD COLUMN deprecation TEXT;
