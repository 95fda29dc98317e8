package v2

import (
	"cmp"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/feedserver/feedserver/index"
	"github.com/feedserver/feedserver/nuget"
)

// group is one package id's versions as one client view sees them: SemVer1
// views (no semVerLevel=2.0.0) do not see SemVer2 versions at all.
type group struct {
	entries   []index.Entry // ascending by version
	downloads int64         // of every version, hidden ones included
	latest    int           // highest listed stable version; -1 when none
	absLatest int           // highest listed version; -1 when none
}

// newGroup builds the view of one id from all its versions in ascending order.
func newGroup(all []index.Entry, semVer2 bool) *group {
	g := &group{latest: -1, absLatest: -1, entries: make([]index.Entry, 0, len(all))}
	for _, e := range all {
		g.downloads += e.Downloads
		if !semVer2 && isSemVer2(e) {
			continue
		}
		g.entries = append(g.entries, e)
		if !e.Listed {
			continue
		}
		i := len(g.entries) - 1
		g.absLatest = i
		if !e.Version.IsPrerelease() {
			g.latest = i
		}
	}
	return g
}

// isSemVer2 is nuget.org's rule: a SemVer2 version, or a dependency with a SemVer2 bound.
func isSemVer2(e index.Entry) bool {
	if e.Manifest != nil {
		return e.Manifest.IsSemVer2()
	}
	return e.Version.IsSemVer2()
}

// groups splits entries (ordered by id, as AllEntries and Versions return
// them) into one group per id, sorting each id's versions.
func groups(entries []index.Entry, semVer2 bool) []*group {
	var out []*group
	for i := 0; i < len(entries); {
		j := i + 1
		lower := entries[i].ID.Lower()
		for j < len(entries) && entries[j].ID.Lower() == lower {
			j++
		}
		batch := entries[i:j]
		slices.SortFunc(batch, func(a, b index.Entry) int { return nuget.CompareVersions(a.Version, b.Version) })
		out = append(out, newGroup(batch, semVer2))
		i = j
	}
	return out
}

// row is one version in a result, with its id's group for the per-id facts.
type row struct {
	g    *group
	i    int // index into g.entries
	rank int // order of the id in a search result; ties keep version order
}

func (r row) entry() *index.Entry    { return &r.g.entries[r.i] }
func (r row) isLatest() bool         { return r.g.latest == r.i }
func (r row) isAbsoluteLatest() bool { return r.g.absLatest == r.i }

// rowsOf lists every version of the group.
func (g *group) rows(rank int, keep func(e *index.Entry) bool) []row {
	var out []row
	for i := range g.entries {
		if keep == nil || keep(&g.entries[i]) {
			out = append(out, row{g: g, i: i, rank: rank})
		}
	}
	return out
}

// unlistedPublished is what the Published date of an unlisted version says:
// NuGet clients treat a year ≤ 1901 as unlisted (V2FeedPackageInfo.IsListed).
var unlistedPublished = time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)

func (r row) published() time.Time {
	if !r.entry().Listed {
		return unlistedPublished
	}
	return r.entry().Published
}

func (r row) manifest() *nuget.Manifest {
	if m := r.entry().Manifest; m != nil {
		return m
	}
	return &nuget.Manifest{}
}

// tags is the Tags property: space-separated with a space at each end, as
// nuget.org writes it; NuGet's search fallback looks for ' term ' in it.
func tags(m *nuget.Manifest) string {
	if len(m.Tags) == 0 {
		return ""
	}
	return " " + strings.Join(m.Tags, " ") + " "
}

// dependencies is the Dependencies property: "id:range:framework" items
// joined by "|", "::framework" for a framework with no dependencies
// (V2FeedPackageInfo.DependencySets in NuGet.Client).
func dependencies(m *nuget.Manifest) string {
	var b strings.Builder
	for _, g := range m.DependencyGroups {
		if len(g.Dependencies) == 0 {
			if g.TargetFramework != "" {
				if b.Len() > 0 {
					b.WriteByte('|')
				}
				b.WriteString("::")
				b.WriteString(g.TargetFramework)
			}
			continue
		}
		for _, d := range g.Dependencies {
			if b.Len() > 0 {
				b.WriteByte('|')
			}
			b.WriteString(string(d.ID))
			b.WriteByte(':')
			b.WriteString(d.Range.String())
			b.WriteByte(':')
			b.WriteString(g.TargetFramework)
		}
	}
	return b.String()
}

func str(s string) value {
	if s == "" {
		return value{typ: typeString, null: true}
	}
	return value{typ: typeString, s: s}
}

// property is the value of a $metadata property for $filter and $orderby.
func (r row) property(name string) value {
	e, m := r.entry(), r.manifest()
	switch name {
	case "Id":
		return str(string(e.ID))
	case "Version":
		return str(e.Version.Full())
	case "NormalizedVersion":
		return str(e.Version.String())
	case "Title":
		return str(m.Title)
	case "Description":
		return str(m.Description)
	case "Summary":
		return str(m.Summary)
	case "Tags":
		return str(tags(m))
	case "Authors":
		return str(strings.Join(m.Authors, ", "))
	case "Owners":
		return str(strings.Join(m.Owners, ", "))
	case "Copyright":
		return str(m.Copyright)
	case "Language":
		return str(m.Language)
	case "ReleaseNotes":
		return str(m.ReleaseNotes)
	case "ProjectUrl":
		return str(m.ProjectURL)
	case "IconUrl":
		return str(m.IconURL)
	case "LicenseUrl":
		return str(m.LicenseURL)
	case "Dependencies":
		return str(dependencies(m))
	case "MinClientVersion":
		return str(m.MinClientVersion)
	case "PackageHash":
		return str(e.SHA512)
	case "PackageHashAlgorithm":
		return str("SHA512")
	case "IsLatestVersion":
		return boolValue(r.isLatest())
	case "IsAbsoluteLatestVersion":
		return boolValue(r.isAbsoluteLatest())
	case "IsPrerelease":
		return boolValue(e.Version.IsPrerelease())
	case "Listed":
		return boolValue(e.Listed)
	case "RequireLicenseAcceptance":
		return boolValue(m.RequireLicenseAcceptance)
	case "DownloadCount":
		return value{typ: typeInt, n: r.g.downloads}
	case "VersionDownloadCount":
		return value{typ: typeInt, n: e.Downloads}
	case "PackageSize":
		return value{typ: typeInt, n: e.Size}
	case "Published":
		return value{typ: typeTime, t: r.published()}
	case "Created", "LastUpdated":
		return value{typ: typeTime, t: e.Published}
	}
	return value{typ: typeNull, null: true}
}

// filterRows keeps the rows the $filter accepts.
func filterRows(rows []row, f *node) []row {
	if f == nil {
		return rows
	}
	out := rows[:0]
	for _, r := range rows {
		if f.truth(r) {
			out = append(out, r)
		}
	}
	return out
}

// sortRows orders rows by $orderby; ties (and no $orderby) keep the search
// rank, then id, then version ascending, so paging is stable.
func sortRows(rows []row, order []orderItem) {
	slices.SortStableFunc(rows, func(a, b row) int {
		for _, o := range order {
			c := compareBy(o.expr, a, b)
			if o.desc {
				c = -c
			}
			if c != 0 {
				return c
			}
		}
		return cmp.Or(
			cmp.Compare(a.rank, b.rank),
			strings.Compare(a.entry().ID.Lower(), b.entry().ID.Lower()),
			nuget.CompareVersions(a.entry().Version, b.entry().Version),
		)
	})
}

// compareBy compares two rows on one sort key: versions by NuGet's version
// order ("Version desc" means newest first), strings case-insensitively as
// nuget.org's database collation does, nulls first.
func compareBy(expr *node, a, b row) int {
	if expr.op == opProp && (expr.name == "Version" || expr.name == "NormalizedVersion") {
		return nuget.CompareVersions(a.entry().Version, b.entry().Version)
	}
	va, vb := expr.eval(a), expr.eval(b)
	switch {
	case va.null && vb.null:
		return 0
	case va.null:
		return -1
	case vb.null:
		return 1
	}
	if va.typ == typeString {
		if c := strings.Compare(strings.ToLower(va.s), strings.ToLower(vb.s)); c != 0 {
			return c
		}
	}
	return compareValues(va, vb)
}

// int32Clamp keeps a count inside Edm.Int32, the type nuget.org declares.
func int32Clamp(n int64) int64 { return min(n, math.MaxInt32) }
