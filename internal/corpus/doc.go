// Package corpus generates a fixed synthetic feed — package ids with
// versions, descriptions, tags and download counts — and the distinct
// search and autocomplete texts a crowd of users would type against it.
// The same n always gives the same packages and texts, so the search
// benchmarks (scripts/load, feed/feedtest) and the search golden test
// (index) all run on one corpus.
//
// # Imports
//
// The standard library only; tests and scripts/load use it, never the
// server.
//
//	may import:  std
//	imported by: tests, feed/feedtest, scripts/load
package corpus
