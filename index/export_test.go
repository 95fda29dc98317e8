package index

// What the external tests (package index_test, which may import the
// catalogue driver index/sqlite) take from the internal ones.

const RebuildBatch = rebuildBatch

var (
	OpenTestSearch = openTestSearch
	HitIDs         = ids
)

// CorpusEntries is the search corpus, one entry per package.
func CorpusEntries() []Entry { return entries(corpus(), "") }

// SyntheticEntries is n synthetic packages; version, when not "", replaces
// each one's.
func SyntheticEntries(n int, version string) []Entry { return entries(synthetic(n), version) }

func entries(ps []pkg, version string) []Entry {
	out := make([]Entry, len(ps))
	for i, p := range ps {
		if version != "" {
			p.version = version
		}
		out[i] = nugetEntry(p)
	}
	return out
}
