// Package protocoltest starts a complete server for protocol tests: a
// filesystem store, a catalogue and a search index in a temporary directory,
// API keys in SQLite, the feed and the HTTP handler on an httptest server,
// with an administrator, a publisher and a reader key and a second space
// (Spaces-2). It also builds small nupkgs for tests that need one not in the
// fixtures.
//
// # Imports
//
// Test code only: nothing outside tests may import it.
//
//	may import:  std, auth, feed, feed/feedtest, feed/generic/generictest, protocol,
//	             github.com/mattn/go-sqlite3,
//	             github.com/prometheus/client_golang/prometheus
//	imported by: tests
package protocoltest
