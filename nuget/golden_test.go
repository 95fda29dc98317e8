package nuget

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/feedserver/feedserver/internal/golden"
)

// manifestView is the golden-file shape of a Manifest: exported fields, with
// versions and ranges spelled out through their methods.
type manifestView struct {
	ID                       string
	Version                  versionView
	MinClientVersion         string              `json:",omitempty"`
	Title                    string              `json:",omitempty"`
	Authors                  []string            `json:",omitempty"`
	Owners                   []string            `json:",omitempty"`
	Description              string              `json:",omitempty"`
	Summary                  string              `json:",omitempty"`
	ReleaseNotes             string              `json:",omitempty"`
	Copyright                string              `json:",omitempty"`
	Language                 string              `json:",omitempty"`
	Tags                     []string            `json:",omitempty"`
	ProjectURL               string              `json:",omitempty"`
	IconURL                  string              `json:",omitempty"`
	Icon                     string              `json:",omitempty"`
	LicenseURL               string              `json:",omitempty"`
	License                  *License            `json:",omitempty"`
	Readme                   string              `json:",omitempty"`
	Repository               *Repository         `json:",omitempty"`
	RequireLicenseAcceptance bool                `json:",omitempty"`
	DevelopmentDependency    bool                `json:",omitempty"`
	Serviceable              bool                `json:",omitempty"`
	PackageTypes             []PackageType       `json:",omitempty"`
	DependencyGroups         []groupView         `json:",omitempty"`
	FrameworkAssemblies      []FrameworkAssembly `json:",omitempty"`
	IsSemVer2                bool
	ValidateError            string `json:",omitempty"`
}

type versionView struct {
	Original, Normalized, Full string
	SemVer2                    bool `json:",omitempty"`
}

type groupView struct {
	TargetFramework string
	Dependencies    []dependencyView
}

type dependencyView struct {
	ID      string
	Range   string
	Include string `json:",omitempty"`
	Exclude string `json:",omitempty"`
}

func viewOf(m *Manifest) manifestView {
	v := manifestView{
		ID:                       string(m.ID),
		Version:                  versionView{m.Version.Original(), m.Version.String(), m.Version.Full(), m.Version.IsSemVer2()},
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
		IsSemVer2:                m.IsSemVer2(),
	}
	for _, g := range m.DependencyGroups {
		gv := groupView{TargetFramework: g.TargetFramework, Dependencies: []dependencyView{}}
		for _, d := range g.Dependencies {
			gv.Dependencies = append(gv.Dependencies, dependencyView{string(d.ID), d.Range.String(), d.Include, d.Exclude})
		}
		v.DependencyGroups = append(v.DependencyGroups, gv)
	}
	if err := m.Validate(); err != nil {
		v.ValidateError = err.Error()
	}
	return v
}

// checkGolden compares got with the golden file, or rewrites it with -update.
func checkGolden(t *testing.T, path string, view any) {
	t.Helper()
	got, err := json.MarshalIndent(view, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	golden.Check(t, path, append(got, '\n'))
}

func TestManifestGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/*.nuspec")
	if err != nil || len(files) == 0 {
		t.Fatalf("no testdata/*.nuspec: %v", err)
	}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".nuspec")
		t.Run(name, func(t *testing.T) {
			f, err := os.Open(file)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			m, err := ParseManifest(f)
			if err != nil {
				t.Fatalf("ParseManifest: %v", err)
			}
			if err := m.Validate(); err != nil {
				t.Errorf("Validate: %v", err)
			}
			checkGolden(t, filepath.Join("testdata", name+".golden.json"), viewOf(m))
		})
	}
}

// packageView is the golden shape of a real package read by ReadPackage.
type packageView struct {
	NuspecName string
	Manifest   manifestView
}

// TestFixturePackagesGolden reads the real packages under ../fixtures/good,
// made by NuGet.exe pack and dotnet pack, when that folder exists.
func TestFixturePackagesGolden(t *testing.T) {
	files, _ := filepath.Glob("../fixtures/good/*.nupkg")
	if len(files) == 0 {
		t.Skip("no ../fixtures/good/*.nupkg yet")
	}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), filepath.Ext(file))
		t.Run(name, func(t *testing.T) {
			f, err := os.Open(file)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			st, err := f.Stat()
			if err != nil {
				t.Fatal(err)
			}
			p, err := ReadPackage(f, st.Size(), Limits{})
			if err != nil {
				t.Fatalf("ReadPackage: %v", err)
			}
			checkGolden(t, filepath.Join("testdata", "fixtures", name+".golden.json"), packageView{p.NuspecName, viewOf(p.Manifest)})
		})
	}
}
