package filesystem

import "path/filepath"

// KnownDurable reports whether s has made the entry of dir (relative to the
// root, slash-separated) durable.
func KnownDurable(s *Store, dir string) bool {
	_, ok := s.durable.Load(filepath.FromSlash(dir))
	return ok
}
