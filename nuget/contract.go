package nuget

// This file fixes the exported vocabulary that index, feed and protocol build on.
// The bodies live in the other files of this package.

import "errors"

// ErrInvalidPackage is the one sentinel every refusal of a package, manifest, id,
// version or file name wraps; protocols map it to 400.
var ErrInvalidPackage = errors.New("invalid package")

// ID is a package id with its original casing; identity is case-insensitive (use Lower).
type ID string

// Version is a NuGet version: 1–4 numeric parts, optional prerelease labels and build metadata.
// The zero Version is not valid; use ParseVersion.
type Version struct {
	parts    [4]uint64 // major, minor, patch, revision
	release  []string  // prerelease labels, original casing
	metadata string    // build metadata without '+'
	original string    // exactly as given (trimmed)
}

// VersionRange is a nuspec dependency range. The zero value means "any version".
type VersionRange struct {
	Min, Max                   *Version
	MinInclusive, MaxInclusive bool
}

// Manifest is what a .nuspec says, with every element of the nuspec reference.
type Manifest struct {
	ID                       ID
	Version                  Version
	MinClientVersion         string
	Title                    string
	Authors                  []string // split on commas, trimmed
	Owners                   []string
	Description              string
	Summary                  string
	ReleaseNotes             string
	Copyright                string
	Language                 string
	Tags                     []string // split on spaces (and commas, as NuGet tolerates)
	ProjectURL               string
	IconURL                  string
	Icon                     string // path inside the package
	LicenseURL               string
	License                  *License
	Readme                   string // path inside the package
	Repository               *Repository
	RequireLicenseAcceptance bool
	DevelopmentDependency    bool
	Serviceable              bool
	PackageTypes             []PackageType
	// DependencyGroups: flat <dependency> elements become one group with TargetFramework "".
	// Groups without dependencies are kept: clients use them for framework compatibility.
	DependencyGroups    []DependencyGroup
	FrameworkAssemblies []FrameworkAssembly
}

// License is the nuspec <license> element: Type is "expression" or "file".
type License struct {
	Type    string
	Version string
	Text    string
}

// Repository is the nuspec <repository> element.
type Repository struct {
	Type, URL, Branch, Commit string
}

// PackageType is a <packageType>; Version may be empty.
type PackageType struct {
	Name    string
	Version string
}

// DependencyGroup holds the dependencies for one target framework ("" = any).
type DependencyGroup struct {
	TargetFramework string
	Dependencies    []Dependency
}

// Dependency is one <dependency>; Range zero value means any version.
type Dependency struct {
	ID      ID
	Range   VersionRange
	Include string
	Exclude string
}

// FrameworkAssembly is one <frameworkAssembly>.
type FrameworkAssembly struct {
	AssemblyName    string
	TargetFramework string
}

// Package is what ReadPackage learns from a .nupkg without inflating its payload.
type Package struct {
	Manifest   *Manifest
	Nuspec     []byte // the raw nuspec bytes, served as-is on the flat container
	NuspecName string // the nuspec's name at the zip root
}

// ArchiveName is an Octopus-style file name split into its parts.
type ArchiveName struct {
	ID        ID
	Version   Version // Original() keeps the text of the file name
	Extension string  // with the leading dot, in the case used by the file (".tar.gz")
}

// Limits caps what ReadPackage will inflate.
type Limits struct {
	MaxNuspecBytes int64 // default 1 MiB when zero
}
