package feed

// SearchCaughtUp reports whether the search index reflects the change-log
// cursor (no rebuild from the catalogue runs or is owed), for the replica
// tests in package feed_test.
func (f *Feed) SearchCaughtUp() bool {
	return f.follow != nil && f.follow.searchComplete.Load()
}
