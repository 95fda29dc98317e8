package protocol

import (
	"net/http"

	"github.com/gorilla/mux"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/feedserver/feedserver/protocol/generic"
	"github.com/feedserver/feedserver/protocol/httpx"
	"github.com/feedserver/feedserver/protocol/v2"
	"github.com/feedserver/feedserver/protocol/v3"
)

// Methods, short for the table below.
const (
	GET    = http.MethodGet
	HEAD   = http.MethodHead
	PUT    = http.MethodPut
	POST   = http.MethodPost
	DELETE = http.MethodDelete
)

// spaceID matches an Octopus space id in a path ("Spaces-2"; any case).
const spaceID = "{spaceId:[Ss][Pp][Aa][Cc][Ee][Ss]-[0-9]+}"

// routes is THE route table of the server, top to bottom. Paths are matched
// encoded (a %2F in an id stays inside its segment) and a trailing slash is
// significant: where a client appends one, both spellings are listed.
func (s *Server) routes() *mux.Router {
	r := mux.NewRouter().UseEncodedPath().StrictSlash(false)
	r.NotFoundHandler = http.HandlerFunc(notFound)
	r.MethodNotAllowedHandler = http.HandlerFunc(methodNotAllowed)
	r.Use(httpx.RecordRoute) // route templates for the access log and metrics

	// Health: /healthz is liveness, /readyz readiness (catalogue open, re-index done).
	r.HandleFunc("/healthz", healthz).Methods(GET, HEAD)
	r.HandleFunc("/readyz", s.readyz).Methods(GET, HEAD)
	if s.opts.Gatherer != nil {
		r.Handle("/metrics", promhttp.HandlerFor(s.opts.Gatherer, promhttp.HandlerOpts{})).Methods(GET)
	}

	// NuGet v3, everything a restore asks for. No other route matches a path
	// below /v3/, so these sit near the top: gorilla/mux tries routes in
	// order, one regular expression each, and a restore's requests then skip
	// those of every route below. (Not a PathPrefix subrouter: in gorilla/mux
	// 1.8.1 its routes' copied prefix matcher clears a method mismatch, and a
	// wrong method got 404 instead of 405.)
	//
	//
	// Every NuGet read answers its errors through nugetRead (protocol/nugethttp:
	// a missing or wrong credential is a Basic challenge). All of v3 is
	// protocol/v3: the service index, the flat container
	// (PackageBaseAddress/3.0.0), registration (two hives: SemVer1-only and
	// SemVer2), search and autocomplete.
	nugetRead := s.nuget.Read
	r.Handle("/v3/index.json", nugetRead(s.v3.ServiceIndex)).Methods(GET, HEAD)
	r.Handle("/v3/package/{id}/index.json", nugetRead(s.v3.Versions)).Methods(GET, HEAD)
	r.Handle("/v3/package/{id}/{version}/{file}", nugetRead(s.v3.Content)).Methods(GET, HEAD)
	hive := "/v3/{hive:" + v3.HiveSemVer1 + "|" + v3.HiveSemVer2 + "}"
	r.Handle(hive+"/{id}/index.json", nugetRead(s.v3.RegistrationIndex)).Methods(GET, HEAD)
	r.Handle(hive+"/{id}/page/{lower}/{upper}.json", nugetRead(s.v3.RegistrationPage)).Methods(GET, HEAD)
	r.Handle(hive+"/{id}/{version}.json", nugetRead(s.v3.RegistrationLeaf)).Methods(GET, HEAD)
	r.Handle("/v3/search", nugetRead(s.v3.Search)).Methods(GET, HEAD)
	r.Handle("/v3/autocomplete", nugetRead(s.v3.Autocomplete)).Methods(GET, HEAD)

	// NuGet push, delete and relist (protocol/publish), on four publish bases: nuget.org's
	// /api/v2/package, Octopus' /nuget/packages, and the per-space form of each. NuGet
	// clients append "/" to the source URL, so each push path also has a
	// trailing-slash twin; delete is DELETE {base}/{id}/{version}. Their
	// errors go through nugetPublish (a missing key is nuget.org's ApiKey
	// challenge, a wrong one a 403).
	nugetPublish, pub := s.nuget.Publish, s.pub
	for _, base := range []string{"/api/v2/package", "/nuget/packages", "/" + spaceID + "/api/v2/package", "/" + spaceID + "/nuget/packages"} {
		push, del, relist := httpx.HandlerFunc(pub.Push), httpx.HandlerFunc(pub.Delete), httpx.HandlerFunc(pub.Relist)
		if base[1] == '{' { // per space: an unknown space is a 404 (protocol/octopus)
			push, del, relist = s.oct.KnownSpace(push), s.oct.KnownSpace(del), s.oct.KnownSpace(relist)
		}
		r.Handle(base, nugetPublish(push)).Methods(PUT, POST)
		r.Handle(base+"/", nugetPublish(push)).Methods(PUT, POST)
		r.Handle(base+"/{id}/{version}", nugetPublish(del)).Methods(DELETE)
		r.Handle(base+"/{id}/{version}", nugetPublish(relist)).Methods(POST)
	}
	// Symbol packages (.snupkg): NuGet.exe pushes X.snupkg after X.nupkg to
	// the service index's SymbolPackagePublish/4.9.0 URL plus "/" (§12.1 of
	// docs/protocol/nuget.md), in the default space or per space.
	for _, base := range []string{"/api/v2/symbolpackage", "/" + spaceID + "/api/v2/symbolpackage"} {
		push := httpx.HandlerFunc(pub.PushSymbols)
		if base[1] == '{' {
			push = s.oct.KnownSpace(push)
		}
		r.Handle(base, nugetPublish(push)).Methods(PUT, POST)
		r.Handle(base+"/", nugetPublish(push)).Methods(PUT, POST)
	}
	// The symbol server: a PDB of a symbol package by its Simple Symbol Query
	// Protocol key, {file}/{id}/{file} (protocol/v3 Symbol), where nuget.org's
	// symbol server has it. The key may arrive with its slashes as %2F.
	r.Handle("/download/symbols/{"+v3.SymbolKeyVar+":.+}", nugetRead(s.v3.Symbol)).Methods(GET, HEAD)
	r.Handle("/"+spaceID+"/download/symbols/{"+v3.SymbolKeyVar+":.+}", nugetRead(s.oct.KnownSpace(s.v3.Symbol))).Methods(GET, HEAD)

	// nuget delete against a "-Source .../nuget/packages?replace=true" source
	// resolves "{id}/{version}" against that URL, which drops the query and the
	// last segment: DELETE /nuget/{id}/{version} (NuGet.Client GetServiceEndpointUrl).
	r.Handle("/nuget/{id}/{version}", nugetPublish(pub.Delete)).Methods(DELETE)
	r.Handle("/"+spaceID+"/nuget/{id}/{version}", nugetPublish(s.oct.KnownSpace(pub.Delete))).Methods(DELETE)

	// NuGet v2 download: GET {base}/package/{id}/{version} (NuGet 2.x, v2
	// feed content links), for the default space and per space.
	r.Handle("/api/v2/package/{id}/{version}", nugetRead(s.v2.Download)).Methods(GET, HEAD)
	r.Handle("/"+spaceID+"/api/v2/package/{id}/{version}", nugetRead(s.oct.KnownSpace(s.v2.Download))).Methods(GET, HEAD)

	// NuGet v2 OData feed (protocol/v2): the service document with and without
	// the slash, v2 autocomplete, then everything else below the base
	// ($metadata, Packages(), FindPackagesById(), Search(), GetUpdates()). It
	// also answers at /nuget/, the URL Octopus users add as a NuGet source,
	// and both exist per space (/{spaceId}/api/v2/, /{spaceId}/nuget/), where
	// an unknown space is a 404. After the push, delete and download routes
	// above, which win on their paths.
	for _, base := range []string{"/api/v2", "/nuget", "/" + spaceID + "/api/v2", "/" + spaceID + "/nuget"} {
		known := func(h httpx.HandlerFunc) httpx.HandlerFunc { return h }
		if base[1] == '{' {
			known = s.oct.KnownSpace
		}
		r.Handle(base, nugetRead(known(s.v2.ServiceDocument))).Methods(GET, HEAD)
		r.Handle(base+"/", nugetRead(known(s.v2.ServiceDocument))).Methods(GET, HEAD)
		r.Handle(base+"/package-ids", nugetRead(known(s.v2.PackageIDs))).Methods(GET, HEAD)
		r.Handle(base+"/package-versions/{id}", nugetRead(known(s.v2.PackageVersions))).Methods(GET, HEAD)
		r.Handle(base+"/{"+v2.PathVar+":.+}", nugetRead(known(s.v2.OData))).Methods(GET, HEAD)
	}

	// Octopus built-in repository (protocol/octopus), its errors in Octopus'
	// JSON shape (octopusAPI). Discovery first: the root document with and
	// without the slash (api-client / go-octopusdeploy).
	oct, octopusAPI := s.oct, s.oct.Serve
	r.Handle("/api", octopusAPI(oct.Root)).Methods(GET, HEAD)
	r.Handle("/api/", octopusAPI(oct.Root)).Methods(GET, HEAD)
	r.Handle("/api/spaces", octopusAPI(oct.Spaces)).Methods(GET)
	r.Handle("/api/spaces/all", octopusAPI(oct.SpacesAll)).Methods(GET)
	r.Handle("/api/spaces/{spaceId}", octopusAPI(oct.Space)).Methods(GET)
	r.Handle("/api/users/me", octopusAPI(oct.CurrentUser)).Methods(GET)
	r.Handle("/api/users/{userId}/spaces", octopusAPI(oct.UserSpaces)).Methods(GET)
	r.Handle("/api/"+spaceID, octopusAPI(oct.SpaceRoot)).Methods(GET)
	// Every package and feed route twice: /api/... is the default space.
	for _, base := range []string{"/api", "/api/" + spaceID} {
		r.Handle(base+"/packages/raw", octopusAPI(oct.Upload)).Methods(POST)
		r.Handle(base+"/packages", octopusAPI(oct.List)).Methods(GET)
		r.Handle(base+"/packages/notes", octopusAPI(oct.Notes)).Methods(GET)
		r.Handle(base+"/packages/bulk", octopusAPI(oct.BulkDelete)).Methods(DELETE)
		r.Handle(base+"/packages/{packageId}/{version}/delta-signature", octopusAPI(oct.DeltaSignature)).Methods(GET)
		r.Handle(base+"/packages/{packageId}/{baseVersion}/delta", octopusAPI(oct.DeltaUpload)).Methods(POST)
		r.Handle(base+"/packages/{id}/raw", octopusAPI(oct.Raw)).Methods(GET, HEAD)
		r.Handle(base+"/packages/{id}", octopusAPI(oct.Get)).Methods(GET)
		r.Handle(base+"/packages/{id}", octopusAPI(oct.Delete)).Methods(DELETE)
		r.Handle(base+"/feeds", octopusAPI(oct.Feeds)).Methods(GET)
		r.Handle(base+"/feeds/all", octopusAPI(oct.FeedsAll)).Methods(GET)
		r.Handle(base+"/feeds/stats", octopusAPI(oct.FeedStats)).Methods(GET)
		r.Handle(base+"/feeds/{feedId}", octopusAPI(oct.Feed)).Methods(GET)
		r.Handle(base+"/feeds/{feedId}/packages/versions", octopusAPI(oct.Versions)).Methods(GET)
		r.Handle(base+"/feeds/{feedId}/packages/search", octopusAPI(oct.SearchFeed)).Methods(GET)
	}

	// Generic packages (/api/packages/{owner}/generic/...): protocol/generic,
	// its errors in plain text (genericAPI). Dot segments in these paths are
	// refused before routing (server.go).
	gen := generic.New(s.feed.Generic(), generic.Options{
		Owners: s.opts.Owners, RequireAuthForReads: s.opts.RequireAuthForReads,
		MaxUploadBytes: s.opts.MaxUploadBytes, Logger: s.log,
	})
	genericAPI := gen.Serve
	const genericPackage = "/api/packages/{owner}/generic/{name}"
	r.Handle(genericPackage, genericAPI(gen.List)).Methods(GET, HEAD)
	r.Handle(genericPackage+"/{version}", genericAPI(gen.DeleteVersion)).Methods(DELETE)
	r.Handle(genericPackage+"/{version}/{file}", genericAPI(gen.Download)).Methods(GET, HEAD)
	r.Handle(genericPackage+"/{version}/{file}", genericAPI(gen.Upload)).Methods(PUT)
	r.Handle(genericPackage+"/{version}/{file}", genericAPI(gen.DeleteFile)).Methods(DELETE)

	// Admin (protocol/admin): retention and re-index on demand, for an
	// unrestricted administrator key; deprecation, for an administrator of
	// the package's space.
	adminAPI := s.admin.Serve
	r.Handle("/api/admin/retention", adminAPI(s.admin.Retention)).Methods(POST)
	r.Handle("/api/admin/reindex", adminAPI(s.admin.ReindexStart)).Methods(POST)
	r.Handle("/api/admin/reindex", adminAPI(s.admin.ReindexState)).Methods(GET)
	r.Handle("/api/admin/deprecation", adminAPI(s.admin.SetDeprecation)).Methods(PUT)
	r.Handle("/api/admin/deprecation", adminAPI(s.admin.ClearDeprecation)).Methods(DELETE)

	// Web page (web): Library → Packages for people. /packages/{id}/{version}
	// is also the v3 PackageDetailsUriTemplate. The page's actions go to the
	// client endpoints above; it owns only API-key management and the listing
	// state of any package kind.
	wp, page, pageAPI := s.web, s.web.ServePage, s.web.ServeAPI
	r.HandleFunc("/", wp.Root).Methods(GET, HEAD)
	r.Handle("/packages", page(wp.Packages)).Methods(GET, HEAD)
	r.Handle("/packages/generic/{owner}/{name}", page(wp.Generic)).Methods(GET, HEAD)
	r.Handle("/packages/{id}", page(wp.Package)).Methods(GET, HEAD)
	r.Handle("/packages/{id}/{version}", page(wp.Package)).Methods(GET, HEAD)
	r.Handle("/upload", page(wp.Upload)).Methods(GET, HEAD)
	r.Handle("/examples", page(wp.Examples)).Methods(GET, HEAD)
	r.Handle("/admin", page(wp.Admin)).Methods(GET, HEAD)
	r.HandleFunc("/static/{file}", wp.Static).Methods(GET, HEAD)
	r.Handle("/api/admin/apikeys", pageAPI(wp.ListKeys)).Methods(GET)
	r.Handle("/api/admin/apikeys", pageAPI(wp.CreateKey)).Methods(POST)
	r.Handle("/api/admin/apikeys/{keyId}", pageAPI(wp.RevokeKey)).Methods(DELETE)
	r.Handle("/api/admin/packages/{spaceId}/{kind}/{id}/{version}/listed", pageAPI(wp.SetListed)).Methods(PUT)

	return r
}

// Route is one entry of the route table: a method and a path template.
type Route struct {
	Method   string
	Template string // as gorilla/mux reports it: "/api/packages/{owner}/generic/{name}"
}

// Routes lists the route table, one entry per method of each route, in
// order. The permission test walks it, so a route added without a row in
// that test's table fails it.
func (s *Server) Routes() ([]Route, error) {
	var out []Route
	err := s.router.Walk(func(route *mux.Route, _ *mux.Router, _ []*mux.Route) error {
		tpl, err := route.GetPathTemplate()
		if err != nil {
			return err
		}
		methods, err := route.GetMethods()
		if err != nil {
			return err
		}
		for _, m := range methods {
			out = append(out, Route{Method: m, Template: tpl})
		}
		return nil
	})
	return out, err
}
