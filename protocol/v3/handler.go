package v3

import (
	"log/slog"
	"net/url"
	"strings"

	"github.com/feedserver/feedserver/feed"
	"github.com/feedserver/feedserver/index"
	"github.com/feedserver/feedserver/nuget"
	"github.com/feedserver/feedserver/protocol/document"
	"github.com/feedserver/feedserver/protocol/nugethttp"
)

// Paths of the resources, relative to the public base URL.
const (
	pathPublish = "/api/v2/package" // protocol/publish's push, delete and relist
	// protocol/publish's symbol package push, where nuget.org has it.
	pathSymbolPublish = "/api/v2/symbolpackage"
	pathContent       = "/v3/package/"              // the flat container
	pathSemVer1       = "/v3/registration/"         // hides SemVer2 packages
	pathSemVer2       = "/v3/registration-semver2/" // everything
	pathSearch        = "/v3/search"
	pathAutocomplete  = "/v3/autocomplete"
	pathLegacyV2      = "/api/v2"                  // protocol/v2's OData feed
	pathDetails       = "/packages/{id}/{version}" // web's page of a package version
	// The readme in the flat container, where nuget.org has it. NuGet.Client
	// replaces {lower_id} and {lower_version} (the normalized version,
	// lowercase) literally (Resources/ReadmeUriTemplateResource.cs).
	pathReadme = pathContent + "{lower_id}/{lower_version}/readme"
)

// HiveSemVer1 and HiveSemVer2 are the values of the {hive} route variable.
const (
	HiveSemVer1 = "registration"
	HiveSemVer2 = "registration-semver2"
)

// resources are the entries of the service index, under every alias a NuGet
// 4.x–6.x client looks for (docs/protocol/nuget.md §2.2, §2.3).
func resources() []resource {
	var rs []resource
	add := func(path, comment string, types ...string) {
		for _, t := range types {
			rs = append(rs, resource{Path: path, Type: t, Comment: comment})
		}
	}
	// Push: NuGet 5.8 looks only for PackagePublish/2.0.0 and /Versioned.
	add(pathPublish, "Push, delete and relist packages.", "PackagePublish/2.0.0")
	add(pathContent, "Package versions and content (the flat container).", "PackageBaseAddress/3.0.0")
	// NuGet.exe 5.8 matches only /3.0.0-beta among these (and /Versioned,
	// /3.4.0, which nobody publishes for search); the rest are nuget.org's set.
	add(pathSearch, "Search packages.",
		"SearchQueryService", "SearchQueryService/3.0.0-beta", "SearchQueryService/3.0.0-rc",
		"SearchQueryService/3.5.0") // 3.5.0: packageType filter, dotnet tool search
	add(pathAutocomplete, "Package ids and versions by prefix.",
		"SearchAutocompleteService", "SearchAutocompleteService/3.0.0-beta", "SearchAutocompleteService/3.0.0-rc",
		"SearchAutocompleteService/3.5.0")
	// Clients older than NuGet 4.3 cannot parse SemVer2 versions: their aliases
	// get the hive that hides them. NuGet.exe 5.8 matches /3.4.0 and /3.0.0-beta here.
	add(pathSemVer1, "Package metadata; SemVer 2.0.0 packages hidden.",
		"RegistrationsBaseUrl", "RegistrationsBaseUrl/3.0.0-beta", "RegistrationsBaseUrl/3.0.0-rc",
		"RegistrationsBaseUrl/3.4.0")
	add(pathSemVer2, "Package metadata, SemVer 2.0.0 packages included.", "RegistrationsBaseUrl/3.6.0")
	// NuGet 4.3+ (5.8 included) picks /Versioned first when its clientVersion
	// is not above the client's own: that is what gets 5.8 the SemVer2 hive.
	rs = append(rs, resource{Path: pathSemVer2, Type: "RegistrationsBaseUrl/Versioned",
		Comment: "Package metadata, SemVer 2.0.0 packages included.", ClientVersion: "4.3.0-alpha"})
	// NuGet.exe 5.8 `nuget list` on a v3 source needs a v2 feed (LegacyGallery/2.0.0).
	add(pathLegacyV2, "The NuGet v2 (OData) feed.", "LegacyGallery", "LegacyGallery/2.0.0")
	// Only under an https base URL: NuGet ignores an http template, and newer
	// clients (6.x) refuse one with an error unless the source allows insecure connections.
	rs = append(rs, resource{Path: pathDetails, Type: "PackageDetailsUriTemplate/5.1.0",
		Comment: "The web page of a package version.", HTTPSOnly: true})
	// Visual Studio shows a package's README tab only when the source has this (NuGet/Home#14376).
	add(pathReadme, "The readme a package embeds.", "ReadmeUriTemplate/6.13.0")
	// NuGet.exe 4.9+ pushes X.snupkg beside X.nupkg to this one spelling
	// (NuGet.Client ServiceTypes.SymbolPackagePublish); the symbols it holds
	// are served by Symbol (symbols.go).
	add(pathSymbolPublish, "Push symbol packages (.snupkg).", "SymbolPackagePublish/4.9.0")
	return rs
}

// Options configures a Handler.
type Options struct {
	Logger *slog.Logger
	// Generation returns a counter the feed increments after every change
	// that can alter a document (push, delete, listing change, re-index).
	// With it, cached documents are served without reading the catalogue at
	// all; nil uses the feed's own Generation method if it has one, else
	// revalidates each cached registration index against the catalogue.
	Generation func() uint64
	// CacheBytes bounds the cache of registration indexes and search
	// answers; 0 means DefaultCacheBytes, negative disables it.
	CacheBytes int64
	// FlatCacheBytes bounds the cache of the flat container's index.json
	// documents; 0 means DefaultFlatCacheBytes, negative disables it.
	FlatCacheBytes int64
}

// Handler serves the v3 resources over a feed.
type Handler struct {
	feed      *feed.Feed
	fam       *nugethttp.Family // the NuGet family's read check, cache policy and package serving
	opts      Options
	log       *slog.Logger
	resources []resource       // the service index's entries
	cache     *document.Cache  // registration indexes and search answers
	flat      *document.Cache  // the flat container's index.json documents
	gzip      document.Gzipper // search answers, compressed when a client asks
}

// generationer is what a feed offers when it counts its changes.
type generationer interface{ Generation() uint64 }

// New returns a Handler; fam is the NuGet family's shared part.
func New(f *feed.Feed, fam *nugethttp.Family, opts Options) *Handler {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Generation == nil {
		if g, ok := any(f).(generationer); ok {
			opts.Generation = g.Generation
		}
	}
	if opts.CacheBytes == 0 {
		opts.CacheBytes = DefaultCacheBytes
	}
	if opts.FlatCacheBytes == 0 {
		opts.FlatCacheBytes = DefaultFlatCacheBytes
	}
	return &Handler{feed: f, fam: fam, opts: opts, log: opts.Logger, resources: resources(),
		cache: document.NewCache(opts.CacheBytes), flat: document.NewCache(opts.FlatCacheBytes)}
}

// DefaultCacheBytes bounds the document cache (registrations, search
// answers) when Options does not.
const DefaultCacheBytes = 64 << 20

// DefaultFlatCacheBytes bounds the cached index.json documents when Options
// does not: a few hundred bytes each for most ids, so tens of thousands of
// ids fit.
const DefaultFlatCacheBytes = 16 << 20

// CachedBytes is what the cached documents take, both caches together.
func (h *Handler) CachedBytes() int64 { return h.cache.Bytes() + h.flat.Bytes() }

// hive is one registration hive: its path and whether it shows SemVer2 packages.
type hive struct {
	path    string
	semver2 bool
}

func hiveOf(name string) hive {
	if name == HiveSemVer2 {
		return hive{path: pathSemVer2, semver2: true}
	}
	return hive{path: pathSemVer1}
}

func hiveFor(semver2 bool) hive {
	if semver2 {
		return hiveOf(HiveSemVer2)
	}
	return hiveOf(HiveSemVer1)
}

// isSemVer2 is nuget.org's rule for a package: a SemVer2 version, or a
// dependency range with a SemVer2 bound (the same rule as the search index's).
func isSemVer2(e index.Entry) bool {
	return e.Version.IsSemVer2() || e.Manifest != nil && e.Manifest.IsSemVer2()
}

// urls builds the absolute URLs of one package id's documents.
type urls struct {
	base    string // public base URL, no trailing slash
	hive    hive
	idPath  string // lowercased id, path-escaped
	indexID string
}

func newURLs(base string, h hive, id string) urls {
	p := url.PathEscape(strings.ToLower(id))
	return urls{base: base, hive: h, idPath: p, indexID: base + h.path + p + "/index.json"}
}

func (u urls) leaf(v nuget.Version) string {
	return u.base + u.hive.path + u.idPath + "/" + url.PathEscape(v.Lower()) + ".json"
}

func (u urls) page(lower, upper nuget.Version) string {
	return u.base + u.hive.path + u.idPath + "/page/" + url.PathEscape(lower.Lower()) + "/" + url.PathEscape(upper.Lower()) + ".json"
}

func (u urls) content(v nuget.Version) string {
	lv := url.PathEscape(v.Lower())
	return u.base + pathContent + u.idPath + "/" + lv + "/" + u.idPath + "." + lv + ".nupkg"
}

// embedded is the flat-container URL of a file the package embeds:
// {id}/{version}/readme, /icon or /license (nugethttp.ServeEmbedded).
func (u urls) embedded(v nuget.Version, kind nugethttp.Embedded) string {
	return u.base + pathContent + u.idPath + "/" + url.PathEscape(v.Lower()) + "/" + string(kind)
}

// registration is the index URL of another id (a dependency) in the same hive.
func (u urls) registration(id string) string {
	return u.base + u.hive.path + url.PathEscape(strings.ToLower(id)) + "/index.json"
}
