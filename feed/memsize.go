package feed

import (
	"reflect"

	"github.com/feedserver/feedserver/index"
	"github.com/feedserver/feedserver/nuget"
)

// entryBytes estimates the memory one catalogue entry takes: its struct, the
// bytes of its strings, and its manifest's. It errs high (every string and
// slice counts a little for the allocator's rounding), so a cache that
// counts with it stays within its bytes.
func entryBytes(e *index.Entry) int64 {
	n := sizeOf[index.Entry]() + versionBytes(e.Version) +
		strBytes(e.Space) + strBytes(string(e.Kind)) + strBytes(string(e.ID)) + strBytes(e.Extension) +
		strBytes(e.SHA512) + strBytes(e.SHA1) + strBytes(e.SHA256) + strBytes(e.BlobKey)
	if m := e.Manifest; m != nil {
		n += manifestBytes(m)
	}
	return n
}

func manifestBytes(m *nuget.Manifest) int64 {
	n := sizeOf[nuget.Manifest]() + versionBytes(m.Version) + strBytes(string(m.ID)) +
		strBytes(m.MinClientVersion) + strBytes(m.Title) + strBytes(m.Description) + strBytes(m.Summary) +
		strBytes(m.ReleaseNotes) + strBytes(m.Copyright) + strBytes(m.Language) + strBytes(m.ProjectURL) +
		strBytes(m.IconURL) + strBytes(m.Icon) + strBytes(m.LicenseURL) + strBytes(m.Readme) +
		stringsBytes(m.Authors) + stringsBytes(m.Owners) + stringsBytes(m.Tags)
	if l := m.License; l != nil {
		n += sizeOf[nuget.License]() + strBytes(l.Type) + strBytes(l.Version) + strBytes(l.Text)
	}
	if r := m.Repository; r != nil {
		n += sizeOf[nuget.Repository]() + strBytes(r.Type) + strBytes(r.URL) + strBytes(r.Branch) + strBytes(r.Commit)
	}
	for _, t := range m.PackageTypes {
		n += sizeOf[nuget.PackageType]() + strBytes(t.Name) + strBytes(t.Version)
	}
	for _, g := range m.DependencyGroups {
		n += sizeOf[nuget.DependencyGroup]() + strBytes(g.TargetFramework)
		for _, d := range g.Dependencies {
			n += sizeOf[nuget.Dependency]() + strBytes(string(d.ID)) + strBytes(d.Include) + strBytes(d.Exclude)
			if d.Range.Min != nil {
				n += sizeOf[nuget.Version]() + versionBytes(*d.Range.Min)
			}
			if d.Range.Max != nil {
				n += sizeOf[nuget.Version]() + versionBytes(*d.Range.Max)
			}
		}
	}
	for _, a := range m.FrameworkAssemblies {
		n += sizeOf[nuget.FrameworkAssembly]() + strBytes(a.AssemblyName) + strBytes(a.TargetFramework)
	}
	return n
}

// versionBytes counts what a version holds outside its struct: its text as
// given, its metadata and its prerelease labels, whose bytes and headers
// the text bounds.
func versionBytes(v nuget.Version) int64 {
	return 4*strBytes(v.Original()) + 16
}

func strBytes(s string) int64 {
	if s == "" {
		return 0
	}
	return int64(len(s)+7)&^7 + 8
}

func stringsBytes(ss []string) int64 {
	n := int64(cap(ss)) * sizeOf[string]()
	for _, s := range ss {
		n += strBytes(s)
	}
	return n
}

// sizeOf is the size of a T's struct (unsafe.Sizeof without unsafe, which
// this package does not import).
func sizeOf[T any]() int64 { return int64(reflect.TypeFor[T]().Size()) }
