package row

import (
	"encoding/json"
	"fmt"

	"github.com/feedserver/feedserver/nuget"
)

// The manifest column holds this JSON shape rather than json.Marshal(nuget.Manifest):
// nuget.Version keeps its fields unexported, so versions and ranges are written here
// as the text they were parsed from and parsed back on read. The shape is ours, so a
// change in the nuget package cannot silently change what old rows decode to.
// indextest's round trip fills every field of nuget.Manifest, so a field this
// shape does not carry fails it.
type manifestJSON struct {
	ID                       string                    `json:"id"`
	Version                  string                    `json:"version"`
	MinClientVersion         string                    `json:"minClientVersion,omitempty"`
	Title                    string                    `json:"title,omitempty"`
	Authors                  []string                  `json:"authors,omitempty"`
	Owners                   []string                  `json:"owners,omitempty"`
	Description              string                    `json:"description,omitempty"`
	Summary                  string                    `json:"summary,omitempty"`
	ReleaseNotes             string                    `json:"releaseNotes,omitempty"`
	Copyright                string                    `json:"copyright,omitempty"`
	Language                 string                    `json:"language,omitempty"`
	Tags                     []string                  `json:"tags,omitempty"`
	ProjectURL               string                    `json:"projectUrl,omitempty"`
	IconURL                  string                    `json:"iconUrl,omitempty"`
	Icon                     string                    `json:"icon,omitempty"`
	LicenseURL               string                    `json:"licenseUrl,omitempty"`
	License                  *nuget.License            `json:"license,omitempty"`
	Readme                   string                    `json:"readme,omitempty"`
	Repository               *nuget.Repository         `json:"repository,omitempty"`
	RequireLicenseAcceptance bool                      `json:"requireLicenseAcceptance,omitempty"`
	DevelopmentDependency    bool                      `json:"developmentDependency,omitempty"`
	Serviceable              bool                      `json:"serviceable,omitempty"`
	PackageTypes             []nuget.PackageType       `json:"packageTypes,omitempty"`
	DependencyGroups         []groupJSON               `json:"dependencyGroups,omitempty"`
	FrameworkAssemblies      []nuget.FrameworkAssembly `json:"frameworkAssemblies,omitempty"`
}

type groupJSON struct {
	TargetFramework string           `json:"targetFramework"`
	Dependencies    []dependencyJSON `json:"dependencies"` // empty groups matter to clients, keep them
}

type dependencyJSON struct {
	ID           string `json:"id"`
	Min          string `json:"min,omitempty"` // Original() of the bound
	Max          string `json:"max,omitempty"`
	MinInclusive bool   `json:"minInclusive,omitempty"`
	MaxInclusive bool   `json:"maxInclusive,omitempty"`
	Include      string `json:"include,omitempty"`
	Exclude      string `json:"exclude,omitempty"`
}

func encodeManifest(m *nuget.Manifest) ([]byte, error) {
	j := manifestJSON{
		ID:                       string(m.ID),
		Version:                  m.Version.Original(),
		MinClientVersion:         m.MinClientVersion,
		Title:                    m.Title,
		Authors:                  m.Authors,
		Owners:                   m.Owners,
		Description:              m.Description,
		Summary:                  m.Summary,
		ReleaseNotes:             m.ReleaseNotes,
		Copyright:                m.Copyright,
		Language:                 m.Language,
		Tags:                     m.Tags,
		ProjectURL:               m.ProjectURL,
		IconURL:                  m.IconURL,
		Icon:                     m.Icon,
		LicenseURL:               m.LicenseURL,
		License:                  m.License,
		Readme:                   m.Readme,
		Repository:               m.Repository,
		RequireLicenseAcceptance: m.RequireLicenseAcceptance,
		DevelopmentDependency:    m.DevelopmentDependency,
		Serviceable:              m.Serviceable,
		PackageTypes:             m.PackageTypes,
		FrameworkAssemblies:      m.FrameworkAssemblies,
	}
	for _, g := range m.DependencyGroups {
		jg := groupJSON{TargetFramework: g.TargetFramework, Dependencies: []dependencyJSON{}}
		for _, d := range g.Dependencies {
			jd := dependencyJSON{
				ID:           string(d.ID),
				MinInclusive: d.Range.MinInclusive,
				MaxInclusive: d.Range.MaxInclusive,
				Include:      d.Include,
				Exclude:      d.Exclude,
			}
			if d.Range.Min != nil {
				jd.Min = d.Range.Min.Original()
			}
			if d.Range.Max != nil {
				jd.Max = d.Range.Max.Original()
			}
			jg.Dependencies = append(jg.Dependencies, jd)
		}
		j.DependencyGroups = append(j.DependencyGroups, jg)
	}
	return json.Marshal(j)
}

func decodeManifest(b []byte) (*nuget.Manifest, error) {
	var j manifestJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return nil, err
	}
	m := &nuget.Manifest{
		ID:                       nuget.ID(j.ID),
		MinClientVersion:         j.MinClientVersion,
		Title:                    j.Title,
		Authors:                  j.Authors,
		Owners:                   j.Owners,
		Description:              j.Description,
		Summary:                  j.Summary,
		ReleaseNotes:             j.ReleaseNotes,
		Copyright:                j.Copyright,
		Language:                 j.Language,
		Tags:                     j.Tags,
		ProjectURL:               j.ProjectURL,
		IconURL:                  j.IconURL,
		Icon:                     j.Icon,
		LicenseURL:               j.LicenseURL,
		License:                  j.License,
		Readme:                   j.Readme,
		Repository:               j.Repository,
		RequireLicenseAcceptance: j.RequireLicenseAcceptance,
		DevelopmentDependency:    j.DevelopmentDependency,
		Serviceable:              j.Serviceable,
		PackageTypes:             j.PackageTypes,
		FrameworkAssemblies:      j.FrameworkAssemblies,
	}
	if j.Version != "" {
		v, err := nuget.ParseVersion(j.Version)
		if err != nil {
			return nil, fmt.Errorf("manifest version: %w", err)
		}
		m.Version = v
	}
	for _, jg := range j.DependencyGroups {
		g := nuget.DependencyGroup{TargetFramework: jg.TargetFramework}
		for _, jd := range jg.Dependencies {
			d := nuget.Dependency{
				ID:      nuget.ID(jd.ID),
				Include: jd.Include,
				Exclude: jd.Exclude,
				Range:   nuget.VersionRange{MinInclusive: jd.MinInclusive, MaxInclusive: jd.MaxInclusive},
			}
			var err error
			if d.Range.Min, err = optionalVersion(jd.Min); err != nil {
				return nil, fmt.Errorf("dependency %s: %w", jd.ID, err)
			}
			if d.Range.Max, err = optionalVersion(jd.Max); err != nil {
				return nil, fmt.Errorf("dependency %s: %w", jd.ID, err)
			}
			g.Dependencies = append(g.Dependencies, d)
		}
		m.DependencyGroups = append(m.DependencyGroups, g)
	}
	return m, nil
}

func optionalVersion(s string) (*nuget.Version, error) {
	if s == "" {
		return nil, nil
	}
	v, err := nuget.ParseVersion(s)
	if err != nil {
		return nil, err
	}
	return &v, nil
}
