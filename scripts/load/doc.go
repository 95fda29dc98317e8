// Command load measures a running feedserver on loopback and prints one table:
// operation, count, duration, rate, p50, p99, goal and whether the goal was met.
//
// scripts/bench builds the server and runs this with -server, so the tool starts
// the server itself on a temporary data folder (it needs the server's process id
// for memory figures and must restart it for the re-index rows). With -base and
// -key it measures a server that is already running instead.
//
// Every row is one entry of the scenarios table in scenarios.go; that table is the
// place to add a measurement. A row whose endpoint the server does not have yet
// prints "n/a" with the reason instead of failing the run. With -variant, each
// row also runs on servers started with other settings (variants.go: an S3
// store for scripts/bench -s3), one after the other, and the ratios follow
// the table.
//
// Packages are generated here (a zip holding a nuspec and a payload), so no fixture
// is needed.
//
// # Imports
//
// Standard library only: this is a script, not part of the server, and it
// must not import the server's packages (it measures them from the outside).
// The exceptions are protocol/octopus/octodiff, a file-format codec on the
// standard library alone: the delta rows need its client half (ReadSignature,
// BuildDelta) to do what Octopus.Client does; and internal/corpus, the
// generated feed and query texts of the distinct-query search rows, which the
// search benchmarks and golden tests inside the server use too.
//
//	may import: std, protocol/octopus/octodiff, internal/corpus
package main
