// Package document serves rendered JSON answers from memory: a Document holds
// the bytes, their gzipped form and both ETags, a Cache keeps documents by key
// with the stamp of the data they were rendered from, and Serve writes one
// (gzip when accepted, 304 on a matching If-None-Match, HEAD without a body).
//
// A cached document is served only to a request that computed the same stamp
// first; the callers (protocol/v3's flat container, registration and
// search) say what their stamps are and why they cannot go stale.
//
// # Imports
//
//	may import: std
package document
