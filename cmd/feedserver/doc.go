// Command feedserver serves NuGet, Octopus built-in and generic package feeds
// from one data folder, its packages there or in an S3 bucket (-storage,
// storage.go). See README.md for the configuration table.
//
// It only reads configuration, wires the packages together, serves and shuts
// down gracefully, and runs the sub-commands (apikey, space, owner, reindex,
// retention); the logic lives in the packages it wires.
package main
