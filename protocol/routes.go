package protocol

import (
	"net/http"

	"github.com/gorilla/mux"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/feedserver/feedserver/protocol/httpx"
	"github.com/feedserver/feedserver/protocol/nugetapi"
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
func (s *Server) routes(nuget *nugetapi.Handler) *mux.Router {
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

	// NuGet push, delete and relist, on three publish bases: nuget.org's
	// /api/v2/package, Octopus' /nuget/packages and its per-space form. NuGet
	// clients append "/" to the source URL, so each push path also has a
	// trailing-slash twin; delete is DELETE {base}/{id}/{version}.
	for _, base := range []string{"/api/v2/package", "/nuget/packages", "/" + spaceID + "/nuget/packages"} {
		r.HandleFunc(base, nuget.Push).Methods(PUT, POST)
		r.HandleFunc(base+"/", nuget.Push).Methods(PUT, POST)
		r.HandleFunc(base+"/{id}/{version}", nuget.Delete).Methods(DELETE)
		r.HandleFunc(base+"/{id}/{version}", nuget.Relist).Methods(POST)
	}
	// nuget delete against a "-Source .../nuget/packages?replace=true" source
	// resolves "{id}/{version}" against that URL, which drops the query and the
	// last segment: DELETE /nuget/{id}/{version} (NuGet.Client GetServiceEndpointUrl).
	r.HandleFunc("/nuget/{id}/{version}", nuget.Delete).Methods(DELETE)
	r.HandleFunc("/"+spaceID+"/nuget/{id}/{version}", nuget.Delete).Methods(DELETE)

	// NuGet v2 download: GET /api/v2/package/{id}/{version} (NuGet 2.x, v2 feed content links).
	r.HandleFunc("/api/v2/package/{id}/{version}", nuget.Download).Methods(GET, HEAD)

	// NuGet v3 service index. Consumption resources (registration, search,
	// autocomplete) are appended here by their package:
	//   serviceIndex.Resources = append(serviceIndex.Resources, v3.Resources()...)
	serviceIndex := nugetapi.ServiceIndex{Resources: nugetapi.PublishResources()}
	r.Handle("/v3/index.json", serviceIndex).Methods(GET, HEAD)

	// NuGet v3 flat container (PackageBaseAddress/3.0.0).
	r.HandleFunc("/v3/package/{id}/index.json", nuget.Versions).Methods(GET, HEAD)
	r.HandleFunc("/v3/package/{id}/{version}/{file}", nuget.Content).Methods(GET, HEAD)

	// NuGet v3 registration, search, autocomplete: protocol/v3 (next issue).

	// NuGet v2 OData feed (/api/v2/, $metadata, FindPackagesById(), Packages(), Search()): protocol/v2.

	// Octopus built-in repository (/api, /api/{spaceId}, /api/packages/raw, ...): protocol/octopus.

	// Generic packages (/api/packages/{owner}/generic/...): protocol/generic.

	return r
}
