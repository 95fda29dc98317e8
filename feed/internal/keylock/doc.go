// Package keylock serialises work on one key (a package version, a generic
// blob) among goroutines: feed and its generic registry each hold a Locks
// for their own keys.
//
// # Imports
//
//	may import: std
//	must not:   net/http/..., os/..., syscall, unsafe
package keylock
