package corpus

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
)

// Package is one generated package id: its versions and what its latest
// nuspec says.
type Package struct {
	ID          string
	Versions    []string // ascending; the last is a prerelease for some ids
	Title       string   // "" for most, as in most nuspecs
	Description string
	Tags        []string
	Authors     []string
	Downloads   int64 // of the id, every version together
}

// seed makes every run generate the same feed and the same queries.
const seed = 23

// Packages returns n packages with distinct ids, the same n for every call.
func Packages(n int) []Package {
	rng := rand.New(rand.NewPCG(seed, 1))
	// Word frequencies fall off as in prose: a few words are in many
	// descriptions, most in a few.
	zipf := rand.NewZipf(rng, 1.1, 8, uint64(len(words)-1))
	seen := make(map[string]bool, n)
	out := make([]Package, 0, n)
	for len(out) < n {
		vendor := vendors[rng.IntN(len(vendors))]
		area := areas[rng.IntN(len(areas))]
		id := vendor + "." + area
		if s := suffixes[rng.IntN(len(suffixes))]; s != "" {
			id += "." + s
		}
		if seen[strings.ToLower(id)] {
			continue
		}
		seen[strings.ToLower(id)] = true
		p := Package{ID: id, Authors: []string{vendor}}
		desc := []string{"The", strings.ToLower(area)}
		for range 5 + rng.IntN(12) {
			desc = append(desc, words[zipf.Uint64()])
		}
		p.Description = strings.Join(desc, " ") + "."
		p.Tags = []string{strings.ToLower(vendor), strings.ToLower(area)}
		for range rng.IntN(3) {
			p.Tags = append(p.Tags, words[zipf.Uint64()])
		}
		if rng.IntN(5) == 0 {
			p.Title = vendor + " " + area
		}
		major := 1 + rng.IntN(6)
		for v := range 1 + rng.IntN(3) {
			p.Versions = append(p.Versions, fmt.Sprintf("%d.%d.%d", major, v, rng.IntN(4)))
		}
		switch rng.IntN(8) {
		case 0: // a preview of the next major
			p.Versions = append(p.Versions, fmt.Sprintf("%d.0.0-preview%d", major+1, 1+rng.IntN(3)))
		case 1: // a dotted label: SemVer2 clients only
			p.Versions = append(p.Versions, fmt.Sprintf("%d.0.0-rc.%d", major+1, 1+rng.IntN(3)))
		}
		p.Downloads = int64(rng.ExpFloat64() * 5000)
		out = append(out, p)
	}
	return out
}

// Queries returns n distinct search texts of two words each, taken from the
// descriptions of pkgs as a person types what they read, the same n for
// every call.
func Queries(pkgs []Package, n int) []string {
	rng := rand.New(rand.NewPCG(seed, 2))
	return distinct(n, func() string {
		w := strings.Fields(strings.ToLower(strings.TrimSuffix(pkgs[rng.IntN(len(pkgs))].Description, ".")))
		i, j := rng.IntN(len(w)), rng.IntN(len(w))
		if w[i] == w[j] {
			return ""
		}
		return w[i] + " " + w[j]
	})
}

// Prefixes returns n distinct autocomplete texts: the start of an id of
// pkgs, at least three letters, lowercased or as spelt.
func Prefixes(pkgs []Package, n int) []string {
	rng := rand.New(rand.NewPCG(seed, 3))
	return distinct(n, func() string {
		id := pkgs[rng.IntN(len(pkgs))].ID
		p := id[:3+rng.IntN(len(id)-2)]
		if rng.IntN(2) == 0 {
			p = strings.ToLower(p)
		}
		return p
	})
}

// distinct calls next until it has n different non-empty answers. The
// corpus has far more than any caller asks for; it stops trying after
// 100 misses a wanted answer, so a small corpus gives a shorter list.
func distinct(n int, next func() string) []string {
	seen := make(map[string]bool, n)
	out := make([]string, 0, n)
	for misses := 0; len(out) < n && misses < 100*n+100; {
		s := next()
		if s == "" || seen[s] {
			misses++
			continue
		}
		seen[s] = true
		out = append(out, s)
	}
	return slices.Clip(out)
}

var vendors = []string{
	"Acme", "Adatum", "Alpine", "Apex", "Aurora", "Beacon", "Blue", "Bright", "Cascade", "Cedar",
	"Cobalt", "Contoso", "Crimson", "Delta", "Ember", "Fabrikam", "Falcon", "Fjord", "Granite", "Harbor",
	"Helix", "Indigo", "Juniper", "Kestrel", "Lantern", "Litware", "Lumen", "Maple", "Meridian", "Nimbus",
	"Northwind", "Nova", "Oak", "Onyx", "Orbit", "Pioneer", "Prism", "Quartz", "Radiant", "Raven",
	"Sable", "Sierra", "Solar", "Spruce", "Summit", "Tailspin", "Tandem", "Tidal", "Titan", "Umbra",
	"Vantage", "Vertex", "Willow", "Wingtip", "Zenith", "Zephyr",
}

var areas = []string{
	"Analytics", "Auth", "Billing", "Blobs", "Cache", "Calendar", "Charts", "Cli", "Cloud", "Codecs",
	"Collections", "Compression", "Config", "Console", "Core", "Crypto", "Csv", "Data", "Diagnostics", "Dns",
	"Email", "Events", "Excel", "Features", "Files", "Forms", "Geo", "Graph", "Grpc", "Hashing",
	"Health", "Hosting", "Html", "Http", "Identity", "Images", "Imaging", "Inventory", "Jobs", "Json",
	"Kafka", "Ldap", "Localization", "Logging", "Mail", "Mapping", "Markdown", "Math", "Messaging", "Metrics",
	"Mocking", "Money", "Mqtt", "Network", "Notifications", "Orders", "Parsing", "Payments", "Pdf", "Plugins",
	"Queue", "Rabbit", "Redis", "Reflection", "Reporting", "Resilience", "Rest", "Routing", "Rules", "Scheduling",
	"Search", "Security", "Serialization", "Shipping", "Signals", "Sms", "Soap", "Sql", "Sqlite", "Storage",
	"Streams", "Templates", "Testing", "Text", "Threading", "Time", "Tracing", "Units", "Validation", "Web",
	"WebSockets", "Workflow", "Xml", "Yaml", "Zip",
}

var suffixes = []string{
	"", "", "", "Abstractions", "Client", "Server", "Extensions", "Core", "Tools", "Testing",
	"AspNetCore", "Sqlite", "SqlServer", "Redis", "Json", "Http", "Contracts", "Analyzers", "Templates", "Cli",
}

// words are the vocabulary of descriptions, roughly most frequent first.
var words = []string{
	"library", "for", "and", "the", "with", "a", "to", "of", "net", "client",
	"support", "fast", "simple", "data", "api", "core", "framework", "lightweight", "extensions", "tools",
	"provides", "applications", "server", "based", "easy", "async", "json", "http", "implementation", "service",
	"helpers", "utilities", "high", "performance", "types", "common", "logging", "testing", "web", "configuration",
	"small", "modern", "cross", "platform", "open", "source", "native", "managed", "streaming", "parser",
	"serializer", "storage", "cache", "events", "messages", "queue", "database", "sql", "files", "images",
	"reports", "documents", "models", "objects", "collections", "strings", "numbers", "dates", "times", "units",
	"validation", "rules", "policies", "retries", "timeouts", "circuit", "breaker", "resilience", "metrics", "tracing",
	"diagnostics", "health", "checks", "monitoring", "alerts", "dashboards", "charts", "graphs", "tables", "grids",
	"forms", "controls", "components", "widgets", "themes", "styles", "layouts", "templates", "views", "pages",
	"routing", "middleware", "handlers", "filters", "pipelines", "workflows", "jobs", "tasks", "schedules", "timers",
	"threads", "locks", "channels", "streams", "buffers", "pools", "memory", "allocation", "spans", "vectors",
	"matrices", "math", "statistics", "random", "hashing", "encryption", "signing", "certificates", "keys", "tokens",
	"authentication", "authorization", "identity", "users", "roles", "permissions", "claims", "sessions", "cookies", "headers",
	"requests", "responses", "sockets", "websockets", "grpc", "rest", "soap", "graphql", "odata", "protobuf",
	"xml", "yaml", "csv", "excel", "pdf", "html", "markdown", "text", "encoding", "compression",
	"zip", "archives", "blobs", "buckets", "containers", "clusters", "nodes", "replicas", "shards", "partitions",
	"transactions", "migrations", "schemas", "queries", "indexes", "search", "ranking", "analyzers", "tokenizers", "stemming",
	"localization", "translation", "cultures", "currencies", "money", "payments", "invoices", "orders", "shipping", "inventory",
	"customers", "accounts", "billing", "subscriptions", "notifications", "email", "sms", "push", "mobile", "desktop",
	"console", "terminal", "commands", "arguments", "options", "settings", "environment", "variables", "secrets", "vaults",
	"plugins", "modules", "packages", "dependencies", "injection", "containers", "scopes", "lifetimes", "factories", "builders",
	"generators", "analyzers", "compilers", "syntax", "trees", "visitors", "reflection", "emit", "proxies", "interceptors",
	"mocking", "fakes", "stubs", "assertions", "fixtures", "snapshots", "benchmarks", "profiling", "coverage", "mutation",
	"geo", "maps", "locations", "coordinates", "distances", "regions", "zones", "calendars", "holidays", "weather",
	"audio", "video", "codecs", "frames", "pixels", "colors", "fonts", "icons", "barcodes", "qr",
	"printing", "scanning", "devices", "sensors", "bluetooth", "serial", "usb", "mqtt", "iot", "robots",
	"games", "physics", "sprites", "animation", "particles", "shaders", "rendering", "scenes", "cameras", "lights",
	"cloud", "azure", "aws", "gcp", "kubernetes", "docker", "helm", "terraform", "deploy", "release",
	"versioning", "semver", "changelog", "git", "builds", "ci", "artifacts", "feeds", "mirrors", "proxies",
	"legacy", "compatible", "portable", "standard", "unified", "generic", "typed", "fluent", "declarative", "reactive",
	"functional", "immutable", "concurrent", "parallel", "distributed", "scalable", "reliable", "secure", "tiny", "robust",
}
