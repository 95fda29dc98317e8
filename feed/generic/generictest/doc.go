// Package generictest has the helpers tests use around the generic
// registry: putting and reading files, listing keys, and an owner store on
// a temporary database. The registry's own tests, feed's and the protocols'
// use them.
//
// # Imports
//
// The SQLite driver for the owner store; nothing imports it but tests (and
// protocoltest, which tests use).
//
//	may import:  std, auth, feed/generic, storage, github.com/mattn/go-sqlite3
//	imported by: tests, protocol/protocoltest
package generictest
