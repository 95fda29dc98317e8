// Package spool takes an upload in: it stages the bytes in the store
// (storage.Store.Stage) while computing the digests a protocol reports,
// enforcing the size limit as they stream. Feed's pushes and the generic
// registry's uploads share one Spooler, so they share its buffer pool, its
// limit and its received-bytes counter.
//
// # Imports
//
// Never net/http, and no os, syscall or unsafe: how the bytes reach the disk
// is the storage driver's business.
//
//	may import: std, storage, feed/internal/fault, github.com/prometheus/client_golang/prometheus
//	must not:   net/http/..., os/..., syscall, unsafe
package spool
