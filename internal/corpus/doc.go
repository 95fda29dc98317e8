// Package corpus generates a fixed synthetic feed — package ids with
// versions, descriptions, tags and download counts — and the distinct
// search and autocomplete texts a crowd of users would type against it.
// The same n always gives the same packages and texts, so the search
// benchmarks (scripts/load, feed/feedtest) and the search golden test
// (index) all run on one corpus.
//
// It uses only the standard library and is imported by tests and
// scripts/load, never by the server.
package corpus
