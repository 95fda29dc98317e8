// Package nugettest builds small .nupkg files in memory for tests of the
// packages above nuget. It imports only the standard library.
package nugettest
