package main

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseRule(t *testing.T) {
	tests := []struct {
		name    string
		doc     string
		want    rule
		wantErr string
	}{
		{
			name: "every field, a continued line, prose before",
			doc: "Package x does things.\n\n# Imports\n\nIt never speaks HTTP.\n\n" +
				"\tmay import:    std, nuget,\n\t               github.com/beevik/etree\n" +
				"\tmust not:      net/http/..., unsafe\n\tnever reaches: net/http\n\timported by:   tests, cmd/feedserver\n",
			want: rule{
				mayImport:    []string{"std", "nuget", "github.com/beevik/etree"},
				mustNot:      []string{"net/http/...", "unsafe"},
				neverReaches: []string{"net/http"},
				importedBy:   []string{"tests", "cmd/feedserver"},
			},
		},
		{
			name: "lines outside the section are examples, not the rule",
			doc:  "Package x.\n\n\tmay import: feed\n\n# Imports\n\n\tmay import: std\n\n# Later\n\n\tmust not: os\n",
			want: rule{mayImport: []string{"std"}},
		},
		{
			name: "an unindented line ends a field",
			doc:  "# Imports\n\n\tmay import: std\nfeed is not a package here\n",
			want: rule{mayImport: []string{"std"}},
		},
		{name: "no section", doc: "Package x.\n\n\tmay import: std\n", wantErr: `needs a section "# Imports"`},
		{name: "no may import", doc: "# Imports\n\n\tmust not: os\n", wantErr: `has no line "may import: std, …"`},
		{name: "a field twice", doc: "# Imports\n\n\tmay import: std\n\tmay import: feed\n", wantErr: `"may import:" appears twice`},
		{name: "two sections", doc: "# Imports\n\n\tmay import: std\n\n# Imports\n", wantErr: `"# Imports" appears twice`},
		{name: "a missing comma", doc: "# Imports\n\n\tmay import: std nuget\n", wantErr: "separate paths with commas"},
		{name: "std outside may import", doc: "# Imports\n\n\tmay import: nuget\n\tmust not: std\n", wantErr: `"std" belongs in`},
		{name: "tests outside imported by", doc: "# Imports\n\n\tmay import: std, tests\n", wantErr: `"tests" belongs in`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseRule(tc.doc)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestMatch(t *testing.T) {
	tests := []struct {
		pattern, name string
		standard      bool
		want          bool
	}{
		{"std", "net/http", true, true},
		{"std", "github.com/gorilla/mux", false, false},
		{"std", "feed", false, false},
		{"net/http", "net/http", true, true},
		{"net/http", "net/http/httptest", true, false},
		{"net/http/...", "net/http/httptest", true, true},
		{"net/http/...", "net/http", true, true},
		{"net/http/...", "net/httpx", true, false},
		{"index", "index/sqlite", false, false},
		{"index/...", "index/sqlite", false, true},
	}
	for _, tc := range tests {
		if got := match(tc.pattern, tc.name, tc.standard); got != tc.want {
			t.Errorf("match(%q, %q) = %v, want %v", tc.pattern, tc.name, got, tc.want)
		}
	}
}

// testGraph is a small module: feed over index, a test helper, and the
// standard library's net/http over net/url.
func testGraph() graph {
	g := graph{}
	add := func(p *pkg) { p.path = p.name; g[p.name] = p }
	add(&pkg{name: "net/url", standard: true})
	add(&pkg{name: "net/http", standard: true, imports: []string{"net/url"}})
	add(&pkg{name: "github.com/prometheus/client_golang/prometheus", imports: []string{"net/http"}})
	add(&pkg{name: "index", ours: true, imports: []string{"net/url"},
		rule: rule{file: "index/doc.go", mayImport: []string{"std"}, mustNot: []string{"net/http/..."}}})
	add(&pkg{name: "feed", ours: true, imports: []string{"index", "github.com/prometheus/client_golang/prometheus"},
		rule: rule{file: "feed/doc.go", mayImport: []string{"std", "index", "github.com/prometheus/client_golang/..."}}})
	add(&pkg{name: "feed/feedtest", ours: true, imports: []string{"feed"},
		rule: rule{file: "feed/feedtest/doc.go", mayImport: []string{"std", "feed"}, importedBy: []string{"tests"}}})
	return g
}

func TestCheck(t *testing.T) {
	std := map[string]bool{"net/url": true, "net/http": true, "net/http/httptest": true, "os": true}
	tests := []struct {
		name   string
		change func(g graph)
		want   []string // one substring per expected problem, in order
	}{
		{name: "the rules hold", change: func(graph) {}},
		{
			name:   "a wrong-way import",
			change: func(g graph) { g["index"].imports = append(g["index"].imports, "feed") },
			want:   []string{"index imports feed, which index/doc.go does not allow: \"may import: std\""},
		},
		{
			name:   "a forbidden std package",
			change: func(g graph) { g["index"].imports = append(g["index"].imports, "net/http") },
			want:   []string{"index imports net/http, which index/doc.go forbids: \"must not: net/http/...\""},
		},
		{
			name:   "a test helper in the server",
			change: func(g graph) { g["index"].imports = append(g["index"].imports, "feed/feedtest") },
			want: []string{
				"index imports feed/feedtest, which index/doc.go does not allow",
				"index imports feed/feedtest, which feed/feedtest/doc.go does not allow: \"imported by: tests\"",
			},
		},
		{
			name:   "reached through a dependency",
			change: func(g graph) { g["feed"].rule.neverReaches = []string{"net/http"} },
			want:   []string{"feed reaches net/http (feed → github.com/prometheus/client_golang/prometheus → net/http), which feed/doc.go forbids"},
		},
		{
			name:   "not reached",
			change: func(g graph) { g["index"].rule.neverReaches = []string{"net/http"} },
		},
		{
			name: "a rule naming no package",
			change: func(g graph) {
				g["feed"].rule.mayImport = append(g["feed"].rule.mayImport, "feed/generic")
				g["index"].rule.mustNot = append(g["index"].rule.mustNot, "net/htp")
			},
			want: []string{
				`feed/doc.go: "feed/generic" in "may import:" names no package`,
				`index/doc.go: "net/htp" in "must not:" names no package`,
			},
		},
		{
			name:   "a std package nothing imports is still known",
			change: func(g graph) { g["index"].rule.mustNot = append(g["index"].rule.mustNot, "os") },
		},
		{
			name: "a package without a rule is not checked",
			change: func(g graph) {
				g["index"].noRule = true
				g["index"].imports = append(g["index"].imports, "feed")
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g := testGraph()
			tc.change(g)
			got := check(g, std)
			if len(got) != len(tc.want) {
				t.Fatalf("got %d problems, want %d:\n%s", len(got), len(tc.want), strings.Join(got, "\n"))
			}
			for i := range got {
				if !strings.Contains(got[i], tc.want[i]) {
					t.Errorf("problem %d:\n got %s\nwant it to contain %s", i, got[i], tc.want[i])
				}
			}
		})
	}
}
