package nuget

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/beevik/etree"
)

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

// DefaultMaxNuspecBytes caps a nuspec when no other limit is given.
const DefaultMaxNuspecBytes = 1 << 20

// MaxVersionLength is nuget.org's limit on a normalised version string.
const MaxVersionLength = 64

// ParseManifest reads a .nuspec, capped at DefaultMaxNuspecBytes.
//
// Elements are matched by local name and namespace URIs are ignored, as
// NuGet.Packaging's NuspecCoreReaderBase does, so every schema version (none,
// 2010/07 … 2013/05, 2016/06) reads the same. A UTF-8 byte order mark is
// accepted. DTDs and entity declarations are refused before parsing.
//
// Values that are present but malformed (the id, the version, a dependency id
// or range) are refused here; missing required fields are left to Validate.
func ParseManifest(r io.Reader) (*Manifest, error) {
	data, err := io.ReadAll(io.LimitReader(r, DefaultMaxNuspecBytes+1))
	if err != nil {
		return nil, invalidf("the nuspec cannot be read: %w", err)
	}
	if len(data) > DefaultMaxNuspecBytes {
		return nil, invalidf("the nuspec is larger than %s", formatSize(DefaultMaxNuspecBytes))
	}
	return parseManifest(data)
}

// utf8BOM is accepted before the XML declaration; NuGet.exe writes it.
const utf8BOM = "\xEF\xBB\xBF"

// parseManifest parses nuspec bytes that are already within the size cap.
func parseManifest(data []byte) (*Manifest, error) {
	data = bytes.TrimPrefix(data, []byte(utf8BOM))
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, invalidf("the nuspec is empty")
	}
	// Refuse DTDs outright: a nuspec never needs one, and entity expansion is
	// the classic XML bomb. The scan runs before any parser sees the bytes.
	if containsFold(data, "<!DOCTYPE") || containsFold(data, "<!ENTITY") {
		return nil, invalidf("the nuspec may not contain a DTD or entity declarations (<!DOCTYPE or <!ENTITY)")
	}
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(data); err != nil {
		return nil, invalidf("the nuspec is not well-formed XML: %w", err)
	}
	root := doc.Root()
	if root == nil || root.Tag != "package" {
		return nil, invalidf("the nuspec has no <package> root element")
	}
	meta := child(root, "metadata")
	if meta == nil {
		return nil, invalidf("the nuspec has no <metadata> element inside <package>")
	}

	m := &Manifest{
		MinClientVersion:         attr(meta, "minClientVersion"),
		Title:                    text(meta, "title"),
		Authors:                  splitList(text(meta, "authors"), ","),
		Owners:                   splitList(text(meta, "owners"), ","),
		Description:              text(meta, "description"),
		Summary:                  text(meta, "summary"),
		ReleaseNotes:             text(meta, "releaseNotes"),
		Copyright:                text(meta, "copyright"),
		Language:                 text(meta, "language"),
		Tags:                     splitList(text(meta, "tags"), " ,\t\r\n"),
		ProjectURL:               text(meta, "projectUrl"),
		IconURL:                  text(meta, "iconUrl"),
		Icon:                     text(meta, "icon"),
		LicenseURL:               text(meta, "licenseUrl"),
		Readme:                   text(meta, "readme"),
		RequireLicenseAcceptance: boolean(text(meta, "requireLicenseAcceptance")),
		DevelopmentDependency:    boolean(text(meta, "developmentDependency")),
		Serviceable:              boolean(text(meta, "serviceable")),
	}

	if s := text(meta, "id"); s != "" {
		id, err := ParseID(s)
		if err != nil {
			return nil, err
		}
		m.ID = id
	}
	if s := text(meta, "version"); s != "" {
		v, err := ParseVersion(s)
		if err != nil {
			return nil, err
		}
		m.Version = v
	}
	if e := child(meta, "license"); e != nil {
		m.License = &License{Type: attr(e, "type"), Version: attr(e, "version"), Text: strings.TrimSpace(e.Text())}
	}
	if e := child(meta, "repository"); e != nil {
		m.Repository = &Repository{Type: attr(e, "type"), URL: attr(e, "url"), Branch: attr(e, "branch"), Commit: attr(e, "commit")}
	}
	if e := child(meta, "packageTypes"); e != nil {
		for _, pt := range children(e, "packageType") {
			m.PackageTypes = append(m.PackageTypes, PackageType{Name: attr(pt, "name"), Version: attr(pt, "version")})
		}
	}
	if e := child(meta, "dependencies"); e != nil {
		groups, err := dependencyGroups(e)
		if err != nil {
			return nil, err
		}
		m.DependencyGroups = groups
	}
	if e := child(meta, "frameworkAssemblies"); e != nil {
		for _, fa := range children(e, "frameworkAssembly") {
			m.FrameworkAssemblies = append(m.FrameworkAssemblies, FrameworkAssembly{
				AssemblyName:    attr(fa, "assemblyName"),
				TargetFramework: attr(fa, "targetFramework"),
			})
		}
	}
	return m, nil
}

// dependencyGroups reads <dependencies> as NuspecReader.GetDependencyGroups
// does: if there is any <group>, the groups are the answer (empty ones kept,
// clients use them for framework compatibility); otherwise flat <dependency>
// elements form one group for any framework, and no elements mean no group.
func dependencyGroups(deps *etree.Element) ([]DependencyGroup, error) {
	if groups := children(deps, "group"); len(groups) > 0 {
		out := make([]DependencyGroup, 0, len(groups))
		for _, g := range groups {
			list, err := dependencies(children(g, "dependency"))
			if err != nil {
				return nil, err
			}
			out = append(out, DependencyGroup{TargetFramework: attr(g, "targetFramework"), Dependencies: list})
		}
		return out, nil
	}
	flat := children(deps, "dependency")
	if len(flat) == 0 {
		return nil, nil
	}
	list, err := dependencies(flat)
	if err != nil {
		return nil, err
	}
	return []DependencyGroup{{Dependencies: list}}, nil
}

func dependencies(elems []*etree.Element) ([]Dependency, error) {
	var out []Dependency
	for _, e := range elems {
		rawID := attr(e, "id")
		id, err := ParseID(rawID)
		if err != nil {
			var fe *FieldError
			if errors.As(err, &fe) {
				fe.Field = "dependency id"
			}
			return nil, err
		}
		rawRange := attr(e, "version")
		rng, err := parseVersionRange(rawRange)
		if err != nil {
			return nil, &FieldError{Field: fmt.Sprintf("version range of dependency %s", id), Value: rawRange, Err: err}
		}
		out = append(out, Dependency{ID: id, Range: rng, Include: attr(e, "include"), Exclude: attr(e, "exclude")})
	}
	return out, nil
}

// Validate checks what a push needs, as NuGet.exe pack and nuget.org do: the
// id and version present and valid (the version at most 64 characters, as on
// nuget.org), a description and at least one author, and a minClientVersion
// that parses if given.
func (m *Manifest) Validate() error {
	if err := m.validateIdentity(); err != nil {
		return err
	}
	if strings.TrimSpace(m.Description) == "" {
		return &FieldError{Field: "description", Err: errors.New("is missing; NuGet requires a <description>")}
	}
	if len(m.Authors) == 0 {
		return &FieldError{Field: "authors", Err: errors.New("are missing; NuGet requires <authors>")}
	}
	return m.validateMinClientVersion()
}

// validateIdentity checks the id and version: present, valid, and the
// version at most MaxVersionLength characters once normalised.
func (m *Manifest) validateIdentity() error {
	if _, err := ParseID(string(m.ID)); err != nil {
		return err
	}
	if m.Version.IsZero() {
		return &FieldError{Field: "version", Err: errors.New("is missing")}
	}
	if n := len(m.Version.String()); n > MaxVersionLength {
		return &FieldError{Field: "version", Err: fmt.Errorf("is %d characters long; the limit is %d", n, MaxVersionLength)}
	}
	return nil
}

func (m *Manifest) validateMinClientVersion() error {
	if m.MinClientVersion != "" {
		if _, err := parseVersion(m.MinClientVersion, false); err != nil {
			return &FieldError{Field: "minClientVersion", Value: m.MinClientVersion, Err: err}
		}
	}
	return nil
}

// IsSemVer2 is nuget.org's rule: the version is SemVer2, or any dependency
// range has a SemVer2 bound. SemVer1 clients must not see such packages.
func (m *Manifest) IsSemVer2() bool {
	if m.Version.IsSemVer2() {
		return true
	}
	for _, g := range m.DependencyGroups {
		for _, d := range g.Dependencies {
			if d.Range.IsSemVer2() {
				return true
			}
		}
	}
	return false
}

// child is the first child element with the local name, any namespace. It
// walks e.Child itself: ChildElements builds a new slice on every call, and a
// manifest asks for some twenty children of <metadata>.
func child(e *etree.Element, name string) *etree.Element {
	for _, t := range e.Child {
		if c, ok := t.(*etree.Element); ok && c.Tag == name {
			return c
		}
	}
	return nil
}

func children(e *etree.Element, name string) []*etree.Element {
	var out []*etree.Element
	for _, t := range e.Child {
		if c, ok := t.(*etree.Element); ok && c.Tag == name {
			out = append(out, c)
		}
	}
	return out
}

// text is a child's trimmed text; NuspecReader trims every metadata value.
func text(e *etree.Element, name string) string {
	c := child(e, name)
	if c == nil {
		return ""
	}
	return strings.TrimSpace(c.Text())
}

// attr is an unprefixed attribute's trimmed value.
func attr(e *etree.Element, key string) string {
	for _, a := range e.Attr {
		if a.Space == "" && a.Key == key {
			return strings.TrimSpace(a.Value)
		}
	}
	return ""
}

// boolean reads a nuspec flag: "true" in any case is true, anything else false,
// as NuspecReader compares with bool.TrueString ignoring case.
func boolean(s string) bool { return strings.EqualFold(s, "true") }

// splitList splits on any of seps, trims, and drops empty entries.
func splitList(s, seps string) []string {
	f := strings.FieldsFunc(s, func(r rune) bool { return strings.ContainsRune(seps, r) })
	out := f[:0]
	for _, x := range f {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// containsFold reports whether data contains the ASCII needle, ignoring case.
func containsFold(data []byte, needle string) bool {
	n := len(needle)
	for i := 0; i+n <= len(data); i++ {
		if data[i] != '<' {
			continue
		}
		if bytes.EqualFold(data[i:i+n], []byte(needle)) {
			return true
		}
	}
	return false
}
