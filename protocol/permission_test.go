package protocol_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/feedserver/feedserver/auth"
	"github.com/feedserver/feedserver/feed"
	"github.com/feedserver/feedserver/feed/generic"
	"github.com/feedserver/feedserver/index"
	"github.com/feedserver/feedserver/nuget"
	"github.com/feedserver/feedserver/nuget/nugettest"
	"github.com/feedserver/feedserver/protocol"
	"github.com/feedserver/feedserver/protocol/octopus/octodiff"
	"github.com/feedserver/feedserver/protocol/protocoltest"
)

// The principals of the permission table, in the order of its columns.
const (
	anon       = iota // no key
	reader            // reader, unrestricted
	publisher         // publisher, unrestricted
	admin             // administrator, unrestricted
	spaceAdmin        // administrator limited to Spaces-2
	ownerAdmin        // administrator limited to owner alpha
	expired           // administrator whose key expired
	revoked           // administrator whose key was revoked
	principals
)

var principalNames = [principals]string{"anonymous", "reader", "publisher", "administrator",
	"admin of Spaces-2", "admin of owner alpha", "expired key", "revoked key"}

// codes is one row's expected status per principal, in column order.
type codes [principals]int

// permRow is one request of the permission table and what each principal
// gets, with reads open (require-read-key=off) and closed (on).
type permRow struct {
	method, route string // the route as protocol.Server.Routes lists it
	// path is the request's path and query. "{fresh}" becomes a name new to
	// each request, "{throwaway}" the id of a key made for the request.
	path string
	body string // a body kind from permBodies, or ""
	open codes
	// closed is the row with require-read-key=on; the zero value means
	// "as open" (rows where anonymous callers get nothing either way).
	closed codes
}

// permPDBID is the PDB id of the fixture's symbol package, and
// permSymbolKey the key the symbol server has it under.
var (
	permPDBID     = [20]byte{0xF6, 0x72, 0x7B, 0x49, 0x0A, 0x39, 0xFC, 0x44, 0x87, 0x8E, 0x5A, 0x2D, 0x63, 0xB6, 0xCC, 0x4B, 1, 2, 3, 4}
	permSymbolKey = nuget.SymbolKey("Scope.Pkg.pdb", permPDBID)
)

// The fixture every request runs against: in Spaces-1 and Spaces-2 the NuGet
// package Scope.Pkg 1.0.0; generic packages alpha/tool 1.0.0 and beta/tool
// 1.0.0 (file tool.bin). Paths below name these. Requests that push add
// version 2.0.0, which the fixture then removes again.
const (
	sp2   = "/Spaces-2"
	api2  = "/api/Spaces-2"
	ref1  = "packages-Scope.Pkg.1.0.0"
	alpha = "/api/packages/alpha/generic/tool"
	beta  = "/api/packages/beta/generic/tool"
)

// permTable is the permission table: every route of the server, each method,
// at least once. Columns: anonymous, reader, publisher, administrator, admin
// of Spaces-2, admin of owner alpha, expired key, revoked key.
//
// What it says, in short: anonymous callers read everything while reads are
// open, nothing when they are closed, and never change anything. A key reads
// and changes only within its scope: the admin of Spaces-2 has no rights in
// Spaces-1 (the unprefixed NuGet and Octopus routes) and none on generic
// packages; the admin of alpha has none in any space and none on beta. Only
// the unrestricted administrator administers the server. A key that failed
// (expired, revoked) is refused everywhere, except on NuGet-family, generic
// and page reads while reads are open, where it reads as anonymous (NuGet
// clients send Basic credentials only after a challenge). Discovery documents,
// health, metrics and static assets need nothing.
var permTable = []permRow{
	// Health, metrics, discovery: open to all, in both modes.
	{method: GET, route: "/healthz", path: "/healthz", open: codes{200, 200, 200, 200, 200, 200, 200, 200}},
	{method: HEAD, route: "/healthz", path: "/healthz", open: codes{200, 200, 200, 200, 200, 200, 200, 200}},
	{method: GET, route: "/readyz", path: "/readyz", open: codes{200, 200, 200, 200, 200, 200, 200, 200}},
	{method: HEAD, route: "/readyz", path: "/readyz", open: codes{200, 200, 200, 200, 200, 200, 200, 200}},
	{method: GET, route: "/metrics", path: "/metrics", open: codes{200, 200, 200, 200, 200, 200, 200, 200}},
	{method: GET, route: "/v3/index.json", path: "/v3/index.json", open: codes{200, 200, 200, 200, 200, 200, 200, 200}},
	{method: HEAD, route: "/v3/index.json", path: "/v3/index.json", open: codes{200, 200, 200, 200, 200, 200, 200, 200}},

	// NuGet v3 reads: Spaces-1.
	{method: GET, route: "/v3/package/{id}/index.json", path: "/v3/package/scope.pkg/index.json",
		open: codes{200, 200, 200, 200, 403, 403, 200, 200}, closed: codes{401, 200, 200, 200, 403, 403, 401, 401}},
	{method: HEAD, route: "/v3/package/{id}/index.json", path: "/v3/package/scope.pkg/index.json",
		open: codes{200, 200, 200, 200, 403, 403, 200, 200}, closed: codes{401, 200, 200, 200, 403, 403, 401, 401}},
	{method: GET, route: "/v3/package/{id}/{version}/{file}", path: "/v3/package/scope.pkg/1.0.0/scope.pkg.1.0.0.nupkg",
		open: codes{200, 200, 200, 200, 403, 403, 200, 200}, closed: codes{401, 200, 200, 200, 403, 403, 401, 401}},
	{method: HEAD, route: "/v3/package/{id}/{version}/{file}", path: "/v3/package/scope.pkg/1.0.0/scope.pkg.nuspec",
		open: codes{200, 200, 200, 200, 403, 403, 200, 200}, closed: codes{401, 200, 200, 200, 403, 403, 401, 401}},
	{method: GET, route: "/v3/{hive:registration|registration-semver2}/{id}/index.json", path: "/v3/registration/scope.pkg/index.json",
		open: codes{200, 200, 200, 200, 403, 403, 200, 200}, closed: codes{401, 200, 200, 200, 403, 403, 401, 401}},
	{method: HEAD, route: "/v3/{hive:registration|registration-semver2}/{id}/index.json", path: "/v3/registration-semver2/scope.pkg/index.json",
		open: codes{200, 200, 200, 200, 403, 403, 200, 200}, closed: codes{401, 200, 200, 200, 403, 403, 401, 401}},
	{method: GET, route: "/v3/{hive:registration|registration-semver2}/{id}/page/{lower}/{upper}.json", path: "/v3/registration/scope.pkg/page/1.0.0/1.0.0.json",
		open: codes{200, 200, 200, 200, 403, 403, 200, 200}, closed: codes{401, 200, 200, 200, 403, 403, 401, 401}},
	{method: HEAD, route: "/v3/{hive:registration|registration-semver2}/{id}/page/{lower}/{upper}.json", path: "/v3/registration/scope.pkg/page/1.0.0/1.0.0.json",
		open: codes{200, 200, 200, 200, 403, 403, 200, 200}, closed: codes{401, 200, 200, 200, 403, 403, 401, 401}},
	{method: GET, route: "/v3/{hive:registration|registration-semver2}/{id}/{version}.json", path: "/v3/registration/scope.pkg/1.0.0.json",
		open: codes{200, 200, 200, 200, 403, 403, 200, 200}, closed: codes{401, 200, 200, 200, 403, 403, 401, 401}},
	{method: HEAD, route: "/v3/{hive:registration|registration-semver2}/{id}/{version}.json", path: "/v3/registration/scope.pkg/1.0.0.json",
		open: codes{200, 200, 200, 200, 403, 403, 200, 200}, closed: codes{401, 200, 200, 200, 403, 403, 401, 401}},
	{method: GET, route: "/v3/search", path: "/v3/search?q=scope",
		open: codes{200, 200, 200, 200, 403, 403, 200, 200}, closed: codes{401, 200, 200, 200, 403, 403, 401, 401}},
	{method: HEAD, route: "/v3/search", path: "/v3/search?q=scope",
		open: codes{200, 200, 200, 200, 403, 403, 200, 200}, closed: codes{401, 200, 200, 200, 403, 403, 401, 401}},
	{method: GET, route: "/v3/autocomplete", path: "/v3/autocomplete?q=sc",
		open: codes{200, 200, 200, 200, 403, 403, 200, 200}, closed: codes{401, 200, 200, 200, 403, 403, 401, 401}},
	{method: HEAD, route: "/v3/autocomplete", path: "/v3/autocomplete?q=sc",
		open: codes{200, 200, 200, 200, 403, 403, 200, 200}, closed: codes{401, 200, 200, 200, 403, 403, 401, 401}},

	// NuGet push, delete, relist into Spaces-1: a failed key is 403 on
	// these (NuGet.Client prompts for credentials on 401).
	{method: PUT, route: "/api/v2/package", path: "/api/v2/package", body: "nupkg",
		open: codes{401, 403, 201, 201, 403, 403, 403, 403}},
	{method: POST, route: "/api/v2/package", path: "/api/v2/package", body: "nupkg",
		open: codes{401, 403, 201, 201, 403, 403, 403, 403}},
	{method: PUT, route: "/api/v2/package/", path: "/api/v2/package/", body: "nupkg",
		open: codes{401, 403, 201, 201, 403, 403, 403, 403}},
	{method: POST, route: "/api/v2/package/", path: "/api/v2/package/", body: "nupkg",
		open: codes{401, 403, 201, 201, 403, 403, 403, 403}},
	{method: DELETE, route: "/api/v2/package/{id}/{version}", path: "/api/v2/package/Scope.Pkg/1.0.0",
		open: codes{401, 403, 403, 204, 403, 403, 403, 403}},
	{method: POST, route: "/api/v2/package/{id}/{version}", path: "/api/v2/package/Scope.Pkg/1.0.0",
		open: codes{401, 403, 403, 200, 403, 403, 403, 403}},
	{method: PUT, route: "/nuget/packages", path: "/nuget/packages", body: "nupkg",
		open: codes{401, 403, 201, 201, 403, 403, 403, 403}},
	{method: POST, route: "/nuget/packages", path: "/nuget/packages", body: "nupkg",
		open: codes{401, 403, 201, 201, 403, 403, 403, 403}},
	{method: PUT, route: "/nuget/packages/", path: "/nuget/packages/", body: "nupkg",
		open: codes{401, 403, 201, 201, 403, 403, 403, 403}},
	{method: POST, route: "/nuget/packages/", path: "/nuget/packages/", body: "nupkg",
		open: codes{401, 403, 201, 201, 403, 403, 403, 403}},
	{method: DELETE, route: "/nuget/packages/{id}/{version}", path: "/nuget/packages/Scope.Pkg/1.0.0",
		open: codes{401, 403, 403, 204, 403, 403, 403, 403}},
	{method: POST, route: "/nuget/packages/{id}/{version}", path: "/nuget/packages/Scope.Pkg/1.0.0",
		open: codes{401, 403, 403, 200, 403, 403, 403, 403}},
	{method: DELETE, route: "/nuget/{id}/{version}", path: "/nuget/Scope.Pkg/1.0.0",
		open: codes{401, 403, 403, 204, 403, 403, 403, 403}},

	// The same in Spaces-2, where its administrator may act.
	{method: PUT, route: "/{spaceId:[Ss][Pp][Aa][Cc][Ee][Ss]-[0-9]+}/nuget/packages", path: sp2 + "/nuget/packages", body: "nupkg",
		open: codes{401, 403, 201, 201, 201, 403, 403, 403}},
	{method: POST, route: "/{spaceId:[Ss][Pp][Aa][Cc][Ee][Ss]-[0-9]+}/nuget/packages", path: sp2 + "/nuget/packages", body: "nupkg",
		open: codes{401, 403, 201, 201, 201, 403, 403, 403}},
	{method: PUT, route: "/{spaceId:[Ss][Pp][Aa][Cc][Ee][Ss]-[0-9]+}/nuget/packages/", path: sp2 + "/nuget/packages/", body: "nupkg",
		open: codes{401, 403, 201, 201, 201, 403, 403, 403}},
	{method: POST, route: "/{spaceId:[Ss][Pp][Aa][Cc][Ee][Ss]-[0-9]+}/nuget/packages/", path: sp2 + "/nuget/packages/", body: "nupkg",
		open: codes{401, 403, 201, 201, 201, 403, 403, 403}},
	{method: DELETE, route: "/{spaceId:[Ss][Pp][Aa][Cc][Ee][Ss]-[0-9]+}/nuget/packages/{id}/{version}", path: sp2 + "/nuget/packages/Scope.Pkg/1.0.0",
		open: codes{401, 403, 403, 204, 204, 403, 403, 403}},
	{method: POST, route: "/{spaceId:[Ss][Pp][Aa][Cc][Ee][Ss]-[0-9]+}/nuget/packages/{id}/{version}", path: sp2 + "/nuget/packages/Scope.Pkg/1.0.0",
		open: codes{401, 403, 403, 200, 200, 403, 403, 403}},
	{method: DELETE, route: "/{spaceId:[Ss][Pp][Aa][Cc][Ee][Ss]-[0-9]+}/nuget/{id}/{version}", path: sp2 + "/nuget/Scope.Pkg/1.0.0",
		open: codes{401, 403, 403, 204, 204, 403, 403, 403}},
	{method: PUT, route: "/{spaceId:[Ss][Pp][Aa][Cc][Ee][Ss]-[0-9]+}/api/v2/package", path: sp2 + "/api/v2/package", body: "nupkg",
		open: codes{401, 403, 201, 201, 201, 403, 403, 403}},
	{method: PUT, route: "/{spaceId:[Ss][Pp][Aa][Cc][Ee][Ss]-[0-9]+}/api/v2/package/", path: sp2 + "/api/v2/package/", body: "nupkg",
		open: codes{401, 403, 201, 201, 201, 403, 403, 403}},
	{method: POST, route: "/{spaceId:[Ss][Pp][Aa][Cc][Ee][Ss]-[0-9]+}/api/v2/package", path: sp2 + "/api/v2/package", body: "nupkg",
		open: codes{401, 403, 201, 201, 201, 403, 403, 403}},
	{method: POST, route: "/{spaceId:[Ss][Pp][Aa][Cc][Ee][Ss]-[0-9]+}/api/v2/package/", path: sp2 + "/api/v2/package/", body: "nupkg",
		open: codes{401, 403, 201, 201, 201, 403, 403, 403}},
	{method: DELETE, route: "/{spaceId:[Ss][Pp][Aa][Cc][Ee][Ss]-[0-9]+}/api/v2/package/{id}/{version}", path: sp2 + "/api/v2/package/Scope.Pkg/1.0.0",
		open: codes{401, 403, 403, 204, 204, 403, 403, 403}},
	{method: POST, route: "/{spaceId:[Ss][Pp][Aa][Cc][Ee][Ss]-[0-9]+}/api/v2/package/{id}/{version}", path: sp2 + "/api/v2/package/Scope.Pkg/1.0.0",
		open: codes{401, 403, 403, 200, 200, 403, 403, 403}},

	// Symbol packages: pushed with the push permission, beside the package
	// they belong to; the symbol server is a NuGet read.
	{method: PUT, route: "/api/v2/symbolpackage", path: "/api/v2/symbolpackage", body: "snupkg",
		open: codes{401, 403, 201, 201, 403, 403, 403, 403}},
	{method: PUT, route: "/{spaceId:[Ss][Pp][Aa][Cc][Ee][Ss]-[0-9]+}/api/v2/symbolpackage", path: sp2 + "/api/v2/symbolpackage", body: "snupkg",
		open: codes{401, 403, 201, 201, 201, 403, 403, 403}},
	{method: PUT, route: "/api/v2/symbolpackage/", path: "/api/v2/symbolpackage/", body: "snupkg",
		open: codes{401, 403, 201, 201, 403, 403, 403, 403}},
	{method: PUT, route: "/{spaceId:[Ss][Pp][Aa][Cc][Ee][Ss]-[0-9]+}/api/v2/symbolpackage/", path: sp2 + "/api/v2/symbolpackage/", body: "snupkg",
		open: codes{401, 403, 201, 201, 201, 403, 403, 403}},
	{method: POST, route: "/api/v2/symbolpackage", path: "/api/v2/symbolpackage", body: "snupkg",
		open: codes{401, 403, 201, 201, 403, 403, 403, 403}},
	{method: POST, route: "/{spaceId:[Ss][Pp][Aa][Cc][Ee][Ss]-[0-9]+}/api/v2/symbolpackage", path: sp2 + "/api/v2/symbolpackage", body: "snupkg",
		open: codes{401, 403, 201, 201, 201, 403, 403, 403}},
	{method: POST, route: "/api/v2/symbolpackage/", path: "/api/v2/symbolpackage/", body: "snupkg",
		open: codes{401, 403, 201, 201, 403, 403, 403, 403}},
	{method: POST, route: "/{spaceId:[Ss][Pp][Aa][Cc][Ee][Ss]-[0-9]+}/api/v2/symbolpackage/", path: sp2 + "/api/v2/symbolpackage/", body: "snupkg",
		open: codes{401, 403, 201, 201, 201, 403, 403, 403}},
	{method: GET, route: "/download/symbols/{ssqpKey:.+}", path: "/download/symbols/" + permSymbolKey,
		open: codes{200, 200, 200, 200, 403, 403, 200, 200}, closed: codes{401, 200, 200, 200, 403, 403, 401, 401}},
	{method: GET, route: "/{spaceId:[Ss][Pp][Aa][Cc][Ee][Ss]-[0-9]+}/download/symbols/{ssqpKey:.+}", path: sp2 + "/download/symbols/" + permSymbolKey,
		open: codes{200, 200, 200, 200, 200, 403, 200, 200}, closed: codes{401, 200, 200, 200, 200, 403, 401, 401}},
	{method: HEAD, route: "/download/symbols/{ssqpKey:.+}", path: "/download/symbols/" + permSymbolKey,
		open: codes{200, 200, 200, 200, 403, 403, 200, 200}, closed: codes{401, 200, 200, 200, 403, 403, 401, 401}},
	{method: HEAD, route: "/{spaceId:[Ss][Pp][Aa][Cc][Ee][Ss]-[0-9]+}/download/symbols/{ssqpKey:.+}", path: sp2 + "/download/symbols/" + permSymbolKey,
		open: codes{200, 200, 200, 200, 200, 403, 200, 200}, closed: codes{401, 200, 200, 200, 200, 403, 401, 401}},

	// NuGet v2 reads: Spaces-1. The service document and $metadata are
	// anonymous, as clients probe them first.
	{method: GET, route: "/api/v2/package/{id}/{version}", path: "/api/v2/package/Scope.Pkg/1.0.0",
		open: codes{200, 200, 200, 200, 403, 403, 200, 200}, closed: codes{401, 200, 200, 200, 403, 403, 401, 401}},
	{method: HEAD, route: "/api/v2/package/{id}/{version}", path: "/api/v2/package/Scope.Pkg/1.0.0",
		open: codes{200, 200, 200, 200, 403, 403, 200, 200}, closed: codes{401, 200, 200, 200, 403, 403, 401, 401}},
	{method: GET, route: "/api/v2", path: "/api/v2", open: codes{200, 200, 200, 200, 200, 200, 200, 200}},
	{method: HEAD, route: "/api/v2", path: "/api/v2", open: codes{200, 200, 200, 200, 200, 200, 200, 200}},
	{method: GET, route: "/api/v2/", path: "/api/v2/", open: codes{200, 200, 200, 200, 200, 200, 200, 200}},
	{method: HEAD, route: "/api/v2/", path: "/api/v2/", open: codes{200, 200, 200, 200, 200, 200, 200, 200}},
	{method: GET, route: "/api/v2/package-ids", path: "/api/v2/package-ids?partialId=sc",
		open: codes{200, 200, 200, 200, 403, 403, 200, 200}, closed: codes{401, 200, 200, 200, 403, 403, 401, 401}},
	{method: HEAD, route: "/api/v2/package-ids", path: "/api/v2/package-ids?partialId=sc",
		open: codes{200, 200, 200, 200, 403, 403, 200, 200}, closed: codes{401, 200, 200, 200, 403, 403, 401, 401}},
	{method: GET, route: "/api/v2/package-versions/{id}", path: "/api/v2/package-versions/Scope.Pkg",
		open: codes{200, 200, 200, 200, 403, 403, 200, 200}, closed: codes{401, 200, 200, 200, 403, 403, 401, 401}},
	{method: HEAD, route: "/api/v2/package-versions/{id}", path: "/api/v2/package-versions/Scope.Pkg",
		open: codes{200, 200, 200, 200, 403, 403, 200, 200}, closed: codes{401, 200, 200, 200, 403, 403, 401, 401}},
	{method: GET, route: "/api/v2/{odata:.+}", path: "/api/v2/FindPackagesById()?id='Scope.Pkg'",
		open: codes{200, 200, 200, 200, 403, 403, 200, 200}, closed: codes{401, 200, 200, 200, 403, 403, 401, 401}},
	{method: GET, route: "/api/v2/{odata:.+}", path: "/api/v2/$metadata", open: codes{200, 200, 200, 200, 200, 200, 200, 200}},
	{method: HEAD, route: "/api/v2/{odata:.+}", path: "/api/v2/Packages()",
		open: codes{200, 200, 200, 200, 403, 403, 200, 200}, closed: codes{401, 200, 200, 200, 403, 403, 401, 401}},
	{method: GET, route: "/nuget", path: "/nuget", open: codes{200, 200, 200, 200, 200, 200, 200, 200}},
	{method: HEAD, route: "/nuget", path: "/nuget", open: codes{200, 200, 200, 200, 200, 200, 200, 200}},
	{method: GET, route: "/nuget/", path: "/nuget/", open: codes{200, 200, 200, 200, 200, 200, 200, 200}},
	{method: HEAD, route: "/nuget/", path: "/nuget/", open: codes{200, 200, 200, 200, 200, 200, 200, 200}},
	{method: GET, route: "/nuget/package-ids", path: "/nuget/package-ids?partialId=sc",
		open: codes{200, 200, 200, 200, 403, 403, 200, 200}, closed: codes{401, 200, 200, 200, 403, 403, 401, 401}},
	{method: HEAD, route: "/nuget/package-ids", path: "/nuget/package-ids?partialId=sc",
		open: codes{200, 200, 200, 200, 403, 403, 200, 200}, closed: codes{401, 200, 200, 200, 403, 403, 401, 401}},
	{method: GET, route: "/nuget/package-versions/{id}", path: "/nuget/package-versions/Scope.Pkg",
		open: codes{200, 200, 200, 200, 403, 403, 200, 200}, closed: codes{401, 200, 200, 200, 403, 403, 401, 401}},
	{method: HEAD, route: "/nuget/package-versions/{id}", path: "/nuget/package-versions/Scope.Pkg",
		open: codes{200, 200, 200, 200, 403, 403, 200, 200}, closed: codes{401, 200, 200, 200, 403, 403, 401, 401}},
	{method: GET, route: "/nuget/{odata:.+}", path: "/nuget/Search()?searchTerm='scope'",
		open: codes{200, 200, 200, 200, 403, 403, 200, 200}, closed: codes{401, 200, 200, 200, 403, 403, 401, 401}},
	{method: HEAD, route: "/nuget/{odata:.+}", path: "/nuget/Packages(Id='Scope.Pkg',Version='1.0.0')",
		open: codes{200, 200, 200, 200, 403, 403, 200, 200}, closed: codes{401, 200, 200, 200, 403, 403, 401, 401}},

	// NuGet v2 reads in Spaces-2 (/{spaceId}/api/v2/, /{spaceId}/nuget/),
	// where its administrator reads too.
	{method: GET, route: "/{spaceId:[Ss][Pp][Aa][Cc][Ee][Ss]-[0-9]+}/api/v2/package/{id}/{version}", path: sp2 + "/api/v2/package/Scope.Pkg/1.0.0",
		open: codes{200, 200, 200, 200, 200, 403, 200, 200}, closed: codes{401, 200, 200, 200, 200, 403, 401, 401}},
	{method: HEAD, route: "/{spaceId:[Ss][Pp][Aa][Cc][Ee][Ss]-[0-9]+}/api/v2/package/{id}/{version}", path: sp2 + "/api/v2/package/Scope.Pkg/1.0.0",
		open: codes{200, 200, 200, 200, 200, 403, 200, 200}, closed: codes{401, 200, 200, 200, 200, 403, 401, 401}},
	{method: GET, route: "/{spaceId:[Ss][Pp][Aa][Cc][Ee][Ss]-[0-9]+}/api/v2", path: sp2 + "/api/v2", open: codes{200, 200, 200, 200, 200, 200, 200, 200}},
	{method: HEAD, route: "/{spaceId:[Ss][Pp][Aa][Cc][Ee][Ss]-[0-9]+}/api/v2", path: sp2 + "/api/v2", open: codes{200, 200, 200, 200, 200, 200, 200, 200}},
	{method: GET, route: "/{spaceId:[Ss][Pp][Aa][Cc][Ee][Ss]-[0-9]+}/api/v2/", path: sp2 + "/api/v2/", open: codes{200, 200, 200, 200, 200, 200, 200, 200}},
	{method: HEAD, route: "/{spaceId:[Ss][Pp][Aa][Cc][Ee][Ss]-[0-9]+}/api/v2/", path: sp2 + "/api/v2/", open: codes{200, 200, 200, 200, 200, 200, 200, 200}},
	{method: GET, route: "/{spaceId:[Ss][Pp][Aa][Cc][Ee][Ss]-[0-9]+}/api/v2/package-ids", path: sp2 + "/api/v2/package-ids?partialId=sc",
		open: codes{200, 200, 200, 200, 200, 403, 200, 200}, closed: codes{401, 200, 200, 200, 200, 403, 401, 401}},
	{method: HEAD, route: "/{spaceId:[Ss][Pp][Aa][Cc][Ee][Ss]-[0-9]+}/api/v2/package-ids", path: sp2 + "/api/v2/package-ids?partialId=sc",
		open: codes{200, 200, 200, 200, 200, 403, 200, 200}, closed: codes{401, 200, 200, 200, 200, 403, 401, 401}},
	{method: GET, route: "/{spaceId:[Ss][Pp][Aa][Cc][Ee][Ss]-[0-9]+}/api/v2/package-versions/{id}", path: sp2 + "/api/v2/package-versions/Scope.Pkg",
		open: codes{200, 200, 200, 200, 200, 403, 200, 200}, closed: codes{401, 200, 200, 200, 200, 403, 401, 401}},
	{method: HEAD, route: "/{spaceId:[Ss][Pp][Aa][Cc][Ee][Ss]-[0-9]+}/api/v2/package-versions/{id}", path: sp2 + "/api/v2/package-versions/Scope.Pkg",
		open: codes{200, 200, 200, 200, 200, 403, 200, 200}, closed: codes{401, 200, 200, 200, 200, 403, 401, 401}},
	{method: GET, route: "/{spaceId:[Ss][Pp][Aa][Cc][Ee][Ss]-[0-9]+}/api/v2/{odata:.+}", path: sp2 + "/api/v2/FindPackagesById()?id='Scope.Pkg'",
		open: codes{200, 200, 200, 200, 200, 403, 200, 200}, closed: codes{401, 200, 200, 200, 200, 403, 401, 401}},
	{method: GET, route: "/{spaceId:[Ss][Pp][Aa][Cc][Ee][Ss]-[0-9]+}/api/v2/{odata:.+}", path: sp2 + "/api/v2/$metadata", open: codes{200, 200, 200, 200, 200, 200, 200, 200}},
	{method: HEAD, route: "/{spaceId:[Ss][Pp][Aa][Cc][Ee][Ss]-[0-9]+}/api/v2/{odata:.+}", path: sp2 + "/api/v2/Search()?searchTerm='scope'",
		open: codes{200, 200, 200, 200, 200, 403, 200, 200}, closed: codes{401, 200, 200, 200, 200, 403, 401, 401}},
	{method: GET, route: "/{spaceId:[Ss][Pp][Aa][Cc][Ee][Ss]-[0-9]+}/nuget", path: sp2 + "/nuget", open: codes{200, 200, 200, 200, 200, 200, 200, 200}},
	{method: HEAD, route: "/{spaceId:[Ss][Pp][Aa][Cc][Ee][Ss]-[0-9]+}/nuget", path: sp2 + "/nuget", open: codes{200, 200, 200, 200, 200, 200, 200, 200}},
	{method: GET, route: "/{spaceId:[Ss][Pp][Aa][Cc][Ee][Ss]-[0-9]+}/nuget/", path: sp2 + "/nuget/", open: codes{200, 200, 200, 200, 200, 200, 200, 200}},
	{method: HEAD, route: "/{spaceId:[Ss][Pp][Aa][Cc][Ee][Ss]-[0-9]+}/nuget/", path: sp2 + "/nuget/", open: codes{200, 200, 200, 200, 200, 200, 200, 200}},
	{method: GET, route: "/{spaceId:[Ss][Pp][Aa][Cc][Ee][Ss]-[0-9]+}/nuget/package-ids", path: sp2 + "/nuget/package-ids?partialId=sc",
		open: codes{200, 200, 200, 200, 200, 403, 200, 200}, closed: codes{401, 200, 200, 200, 200, 403, 401, 401}},
	{method: HEAD, route: "/{spaceId:[Ss][Pp][Aa][Cc][Ee][Ss]-[0-9]+}/nuget/package-ids", path: sp2 + "/nuget/package-ids?partialId=sc",
		open: codes{200, 200, 200, 200, 200, 403, 200, 200}, closed: codes{401, 200, 200, 200, 200, 403, 401, 401}},
	{method: GET, route: "/{spaceId:[Ss][Pp][Aa][Cc][Ee][Ss]-[0-9]+}/nuget/package-versions/{id}", path: sp2 + "/nuget/package-versions/Scope.Pkg",
		open: codes{200, 200, 200, 200, 200, 403, 200, 200}, closed: codes{401, 200, 200, 200, 200, 403, 401, 401}},
	{method: HEAD, route: "/{spaceId:[Ss][Pp][Aa][Cc][Ee][Ss]-[0-9]+}/nuget/package-versions/{id}", path: sp2 + "/nuget/package-versions/Scope.Pkg",
		open: codes{200, 200, 200, 200, 200, 403, 200, 200}, closed: codes{401, 200, 200, 200, 200, 403, 401, 401}},
	{method: GET, route: "/{spaceId:[Ss][Pp][Aa][Cc][Ee][Ss]-[0-9]+}/nuget/{odata:.+}", path: sp2 + "/nuget/FindPackagesById()?id='Scope.Pkg'",
		open: codes{200, 200, 200, 200, 200, 403, 200, 200}, closed: codes{401, 200, 200, 200, 200, 403, 401, 401}},
	{method: GET, route: "/{spaceId:[Ss][Pp][Aa][Cc][Ee][Ss]-[0-9]+}/nuget/{odata:.+}", path: sp2 + "/nuget/$metadata", open: codes{200, 200, 200, 200, 200, 200, 200, 200}},
	{method: HEAD, route: "/{spaceId:[Ss][Pp][Aa][Cc][Ee][Ss]-[0-9]+}/nuget/{odata:.+}", path: sp2 + "/nuget/Search()?searchTerm='scope'",
		open: codes{200, 200, 200, 200, 200, 403, 200, 200}, closed: codes{401, 200, 200, 200, 200, 403, 401, 401}},
	// Spaces-1 by its id: the admin of Spaces-2 reads nothing there.
	{method: GET, route: "/{spaceId:[Ss][Pp][Aa][Cc][Ee][Ss]-[0-9]+}/api/v2/{odata:.+}", path: "/Spaces-1/api/v2/Packages()",
		open: codes{200, 200, 200, 200, 403, 403, 200, 200}, closed: codes{401, 200, 200, 200, 403, 403, 401, 401}},
	{method: GET, route: "/{spaceId:[Ss][Pp][Aa][Cc][Ee][Ss]-[0-9]+}/nuget/{odata:.+}", path: "/Spaces-01/nuget/FindPackagesById()?id='Scope.Pkg'",
		open: codes{200, 200, 200, 200, 403, 403, 200, 200}, closed: codes{401, 200, 200, 200, 403, 403, 401, 401}},
	{method: PUT, route: "/{spaceId:[Ss][Pp][Aa][Cc][Ee][Ss]-[0-9]+}/api/v2/package", path: "/Spaces-1/api/v2/package", body: "nupkg",
		open: codes{401, 403, 201, 201, 403, 403, 403, 403}},

	// Octopus discovery. The root needs nothing; a failed key is a 401
	// on every other Octopus route, reads included.
	{method: GET, route: "/api", path: "/api", open: codes{200, 200, 200, 200, 200, 200, 200, 200}},
	{method: HEAD, route: "/api", path: "/api", open: codes{200, 200, 200, 200, 200, 200, 200, 200}},
	{method: GET, route: "/api/", path: "/api/", open: codes{200, 200, 200, 200, 200, 200, 200, 200}},
	{method: HEAD, route: "/api/", path: "/api/", open: codes{200, 200, 200, 200, 200, 200, 200, 200}},
	// The space lists show each key its own spaces (TestScopedListings).
	{method: GET, route: "/api/spaces", path: "/api/spaces",
		open: codes{200, 200, 200, 200, 200, 200, 401, 401}, closed: codes{401, 200, 200, 200, 200, 200, 401, 401}},
	{method: GET, route: "/api/spaces/all", path: "/api/spaces/all",
		open: codes{200, 200, 200, 200, 200, 200, 401, 401}, closed: codes{401, 200, 200, 200, 200, 200, 401, 401}},
	{method: GET, route: "/api/spaces/{spaceId}", path: "/api/spaces/Spaces-2",
		open: codes{200, 200, 200, 200, 200, 403, 401, 401}, closed: codes{401, 200, 200, 200, 200, 403, 401, 401}},
	{method: GET, route: "/api/spaces/{spaceId}", path: "/api/spaces/Spaces-1",
		open: codes{200, 200, 200, 200, 403, 403, 401, 401}, closed: codes{401, 200, 200, 200, 403, 403, 401, 401}},
	{method: GET, route: "/api/users/me", path: "/api/users/me", open: codes{401, 200, 200, 200, 200, 200, 401, 401}},
	{method: GET, route: "/api/users/{userId}/spaces", path: "/api/users/me/spaces", open: codes{401, 200, 200, 200, 200, 200, 401, 401}},
	{method: GET, route: "/api/{spaceId:[Ss][Pp][Aa][Cc][Ee][Ss]-[0-9]+}", path: api2,
		open: codes{200, 200, 200, 200, 200, 403, 401, 401}, closed: codes{401, 200, 200, 200, 200, 403, 401, 401}},

	// Octopus built-in repository, default space (Spaces-1).
	{method: POST, route: "/api/packages/raw", path: "/api/packages/raw", body: "raw",
		open: codes{401, 403, 201, 201, 403, 403, 401, 401}},
	{method: GET, route: "/api/packages", path: "/api/packages",
		open: codes{200, 200, 200, 200, 403, 403, 401, 401}, closed: codes{401, 200, 200, 200, 403, 403, 401, 401}},
	{method: GET, route: "/api/packages/notes", path: "/api/packages/notes?packageIds=" + ref1,
		open: codes{200, 200, 200, 200, 403, 403, 401, 401}, closed: codes{401, 200, 200, 200, 403, 403, 401, 401}},
	{method: DELETE, route: "/api/packages/bulk", path: "/api/packages/bulk?ids=" + ref1,
		open: codes{401, 403, 403, 200, 403, 403, 401, 401}},
	{method: GET, route: "/api/packages/{packageId}/{version}/delta-signature", path: "/api/packages/Scope.Pkg/2.0.0/delta-signature",
		open: codes{401, 403, 200, 200, 403, 403, 401, 401}},
	{method: POST, route: "/api/packages/{packageId}/{baseVersion}/delta", path: "/api/packages/Scope.Pkg/1.0.0/delta", body: "delta",
		open: codes{401, 403, 201, 201, 403, 403, 401, 401}},
	{method: GET, route: "/api/packages/{id}/raw", path: "/api/packages/" + ref1 + "/raw",
		open: codes{200, 200, 200, 200, 403, 403, 401, 401}, closed: codes{401, 200, 200, 200, 403, 403, 401, 401}},
	{method: HEAD, route: "/api/packages/{id}/raw", path: "/api/packages/" + ref1 + "/raw",
		open: codes{200, 200, 200, 200, 403, 403, 401, 401}, closed: codes{401, 200, 200, 200, 403, 403, 401, 401}},
	{method: GET, route: "/api/packages/{id}", path: "/api/packages/" + ref1,
		open: codes{200, 200, 200, 200, 403, 403, 401, 401}, closed: codes{401, 200, 200, 200, 403, 403, 401, 401}},
	{method: DELETE, route: "/api/packages/{id}", path: "/api/packages/" + ref1,
		open: codes{401, 403, 403, 200, 403, 403, 401, 401}},
	{method: GET, route: "/api/feeds", path: "/api/feeds",
		open: codes{200, 200, 200, 200, 403, 403, 401, 401}, closed: codes{401, 200, 200, 200, 403, 403, 401, 401}},
	{method: GET, route: "/api/feeds/all", path: "/api/feeds/all",
		open: codes{200, 200, 200, 200, 403, 403, 401, 401}, closed: codes{401, 200, 200, 200, 403, 403, 401, 401}},
	{method: GET, route: "/api/feeds/stats", path: "/api/feeds/stats",
		open: codes{200, 200, 200, 200, 403, 403, 401, 401}, closed: codes{401, 200, 200, 200, 403, 403, 401, 401}},
	{method: GET, route: "/api/feeds/{feedId}", path: "/api/feeds/feeds-builtin",
		open: codes{200, 200, 200, 200, 403, 403, 401, 401}, closed: codes{401, 200, 200, 200, 403, 403, 401, 401}},
	{method: GET, route: "/api/feeds/{feedId}/packages/versions", path: "/api/feeds/feeds-builtin/packages/versions?packageId=Scope.Pkg",
		open: codes{200, 200, 200, 200, 403, 403, 401, 401}, closed: codes{401, 200, 200, 200, 403, 403, 401, 401}},
	{method: GET, route: "/api/feeds/{feedId}/packages/search", path: "/api/feeds/feeds-builtin/packages/search?term=scope",
		open: codes{200, 200, 200, 200, 403, 403, 401, 401}, closed: codes{401, 200, 200, 200, 403, 403, 401, 401}},

	// The same in Spaces-2.
	{method: POST, route: "/api/{spaceId:[Ss][Pp][Aa][Cc][Ee][Ss]-[0-9]+}/packages/raw", path: api2 + "/packages/raw", body: "raw",
		open: codes{401, 403, 201, 201, 201, 403, 401, 401}},
	{method: GET, route: "/api/{spaceId:[Ss][Pp][Aa][Cc][Ee][Ss]-[0-9]+}/packages", path: api2 + "/packages",
		open: codes{200, 200, 200, 200, 200, 403, 401, 401}, closed: codes{401, 200, 200, 200, 200, 403, 401, 401}},
	{method: GET, route: "/api/{spaceId:[Ss][Pp][Aa][Cc][Ee][Ss]-[0-9]+}/packages/notes", path: api2 + "/packages/notes?packageIds=" + ref1,
		open: codes{200, 200, 200, 200, 200, 403, 401, 401}, closed: codes{401, 200, 200, 200, 200, 403, 401, 401}},
	{method: DELETE, route: "/api/{spaceId:[Ss][Pp][Aa][Cc][Ee][Ss]-[0-9]+}/packages/bulk", path: api2 + "/packages/bulk?ids=" + ref1,
		open: codes{401, 403, 403, 200, 200, 403, 401, 401}},
	{method: GET, route: "/api/{spaceId:[Ss][Pp][Aa][Cc][Ee][Ss]-[0-9]+}/packages/{packageId}/{version}/delta-signature", path: api2 + "/packages/Scope.Pkg/2.0.0/delta-signature",
		open: codes{401, 403, 200, 200, 200, 403, 401, 401}},
	{method: POST, route: "/api/{spaceId:[Ss][Pp][Aa][Cc][Ee][Ss]-[0-9]+}/packages/{packageId}/{baseVersion}/delta", path: api2 + "/packages/Scope.Pkg/1.0.0/delta", body: "delta",
		open: codes{401, 403, 201, 201, 201, 403, 401, 401}},
	{method: GET, route: "/api/{spaceId:[Ss][Pp][Aa][Cc][Ee][Ss]-[0-9]+}/packages/{id}/raw", path: api2 + "/packages/" + ref1 + "/raw",
		open: codes{200, 200, 200, 200, 200, 403, 401, 401}, closed: codes{401, 200, 200, 200, 200, 403, 401, 401}},
	{method: HEAD, route: "/api/{spaceId:[Ss][Pp][Aa][Cc][Ee][Ss]-[0-9]+}/packages/{id}/raw", path: api2 + "/packages/" + ref1 + "/raw",
		open: codes{200, 200, 200, 200, 200, 403, 401, 401}, closed: codes{401, 200, 200, 200, 200, 403, 401, 401}},
	{method: GET, route: "/api/{spaceId:[Ss][Pp][Aa][Cc][Ee][Ss]-[0-9]+}/packages/{id}", path: api2 + "/packages/" + ref1,
		open: codes{200, 200, 200, 200, 200, 403, 401, 401}, closed: codes{401, 200, 200, 200, 200, 403, 401, 401}},
	{method: DELETE, route: "/api/{spaceId:[Ss][Pp][Aa][Cc][Ee][Ss]-[0-9]+}/packages/{id}", path: api2 + "/packages/" + ref1,
		open: codes{401, 403, 403, 200, 200, 403, 401, 401}},
	{method: GET, route: "/api/{spaceId:[Ss][Pp][Aa][Cc][Ee][Ss]-[0-9]+}/feeds", path: api2 + "/feeds",
		open: codes{200, 200, 200, 200, 200, 403, 401, 401}, closed: codes{401, 200, 200, 200, 200, 403, 401, 401}},
	{method: GET, route: "/api/{spaceId:[Ss][Pp][Aa][Cc][Ee][Ss]-[0-9]+}/feeds/all", path: api2 + "/feeds/all",
		open: codes{200, 200, 200, 200, 200, 403, 401, 401}, closed: codes{401, 200, 200, 200, 200, 403, 401, 401}},
	{method: GET, route: "/api/{spaceId:[Ss][Pp][Aa][Cc][Ee][Ss]-[0-9]+}/feeds/stats", path: api2 + "/feeds/stats",
		open: codes{200, 200, 200, 200, 200, 403, 401, 401}, closed: codes{401, 200, 200, 200, 200, 403, 401, 401}},
	{method: GET, route: "/api/{spaceId:[Ss][Pp][Aa][Cc][Ee][Ss]-[0-9]+}/feeds/{feedId}", path: api2 + "/feeds/feeds-builtin",
		open: codes{200, 200, 200, 200, 200, 403, 401, 401}, closed: codes{401, 200, 200, 200, 200, 403, 401, 401}},
	{method: GET, route: "/api/{spaceId:[Ss][Pp][Aa][Cc][Ee][Ss]-[0-9]+}/feeds/{feedId}/packages/versions", path: api2 + "/feeds/feeds-builtin/packages/versions?packageId=Scope.Pkg",
		open: codes{200, 200, 200, 200, 200, 403, 401, 401}, closed: codes{401, 200, 200, 200, 200, 403, 401, 401}},
	{method: GET, route: "/api/{spaceId:[Ss][Pp][Aa][Cc][Ee][Ss]-[0-9]+}/feeds/{feedId}/packages/search", path: api2 + "/feeds/feeds-builtin/packages/search?term=scope",
		open: codes{200, 200, 200, 200, 200, 403, 401, 401}, closed: codes{401, 200, 200, 200, 200, 403, 401, 401}},
	// A key of Spaces-2 in Spaces-1 by its id, as row 2 of issue 17 tried.
	{method: DELETE, route: "/api/{spaceId:[Ss][Pp][Aa][Cc][Ee][Ss]-[0-9]+}/packages/{id}", path: "/api/Spaces-1/packages/" + ref1,
		open: codes{401, 403, 403, 200, 403, 403, 401, 401}},

	// Generic registry: owner alpha, where its administrator may act; beta,
	// where it may not; and a new owner, which only an administrator whose
	// key reaches it creates.
	{method: GET, route: "/api/packages/{owner}/generic/{name}", path: alpha,
		open: codes{200, 200, 200, 200, 403, 200, 200, 200}, closed: codes{401, 200, 200, 200, 403, 200, 401, 401}},
	{method: HEAD, route: "/api/packages/{owner}/generic/{name}", path: alpha,
		open: codes{200, 200, 200, 200, 403, 200, 200, 200}, closed: codes{401, 200, 200, 200, 403, 200, 401, 401}},
	{method: GET, route: "/api/packages/{owner}/generic/{name}", path: beta,
		open: codes{200, 200, 200, 200, 403, 403, 200, 200}, closed: codes{401, 200, 200, 200, 403, 403, 401, 401}},
	{method: DELETE, route: "/api/packages/{owner}/generic/{name}/{version}", path: alpha + "/1.0.0",
		open: codes{401, 403, 403, 204, 403, 204, 401, 401}},
	{method: DELETE, route: "/api/packages/{owner}/generic/{name}/{version}", path: beta + "/1.0.0",
		open: codes{401, 403, 403, 204, 403, 403, 401, 401}},
	{method: GET, route: "/api/packages/{owner}/generic/{name}/{version}/{file}", path: alpha + "/1.0.0/tool.bin",
		open: codes{200, 200, 200, 200, 403, 200, 200, 200}, closed: codes{401, 200, 200, 200, 403, 200, 401, 401}},
	{method: HEAD, route: "/api/packages/{owner}/generic/{name}/{version}/{file}", path: beta + "/1.0.0/tool.bin",
		open: codes{200, 200, 200, 200, 403, 403, 200, 200}, closed: codes{401, 200, 200, 200, 403, 403, 401, 401}},
	{method: PUT, route: "/api/packages/{owner}/generic/{name}/{version}/{file}", path: alpha + "/2.0.0/tool.bin", body: "file",
		open: codes{401, 403, 201, 201, 403, 201, 401, 401}},
	{method: PUT, route: "/api/packages/{owner}/generic/{name}/{version}/{file}", path: beta + "/2.0.0/tool.bin", body: "file",
		open: codes{401, 403, 201, 201, 403, 403, 401, 401}},
	{method: PUT, route: "/api/packages/{owner}/generic/{name}/{version}/{file}", path: "/api/packages/{fresh}/generic/tool/1.0.0/tool.bin", body: "file",
		open: codes{401, 403, 403, 201, 403, 403, 401, 401}},
	{method: DELETE, route: "/api/packages/{owner}/generic/{name}/{version}/{file}", path: alpha + "/1.0.0/tool.bin",
		open: codes{401, 403, 403, 204, 403, 204, 401, 401}},
	{method: DELETE, route: "/api/packages/{owner}/generic/{name}/{version}/{file}", path: beta + "/1.0.0/tool.bin",
		open: codes{401, 403, 403, 204, 403, 403, 401, 401}},

	// Server administration: the unrestricted administrator only.
	{method: POST, route: "/api/admin/retention", path: "/api/admin/retention?dryRun=true",
		open: codes{401, 403, 403, 200, 403, 403, 401, 401}},
	{method: POST, route: "/api/admin/reindex", path: "/api/admin/reindex",
		open: codes{401, 403, 403, 202, 403, 403, 401, 401}},
	{method: GET, route: "/api/admin/reindex", path: "/api/admin/reindex",
		open: codes{401, 403, 403, 200, 403, 403, 401, 401}},
	{method: GET, route: "/api/admin/apikeys", path: "/api/admin/apikeys",
		open: codes{401, 403, 403, 200, 403, 403, 401, 401}},
	{method: POST, route: "/api/admin/apikeys", path: "/api/admin/apikeys", body: "newkey",
		open: codes{401, 403, 403, 201, 403, 403, 401, 401}},
	{method: DELETE, route: "/api/admin/apikeys/{keyId}", path: "/api/admin/apikeys/{throwaway}",
		open: codes{401, 403, 403, 204, 403, 403, 401, 401}},
	{method: PUT, route: "/api/admin/packages/{spaceId}/{kind}/{id}/{version}/listed", path: "/api/admin/packages/Spaces-2/nuget/Scope.Pkg/1.0.0/listed", body: "unlist",
		open: codes{401, 403, 403, 200, 200, 403, 401, 401}},
	{method: PUT, route: "/api/admin/packages/{spaceId}/{kind}/{id}/{version}/listed", path: "/api/admin/packages/Spaces-1/nuget/Scope.Pkg/1.0.0/listed", body: "unlist",
		open: codes{401, 403, 403, 200, 403, 403, 401, 401}},

	// Deprecation: an administrator of the package's space (the body names it).
	{method: PUT, route: "/api/admin/deprecation", path: "/api/admin/deprecation", body: "deprecate2",
		open: codes{401, 403, 403, 200, 200, 403, 401, 401}},
	{method: PUT, route: "/api/admin/deprecation", path: "/api/admin/deprecation", body: "deprecate1",
		open: codes{401, 403, 403, 200, 403, 403, 401, 401}},
	{method: DELETE, route: "/api/admin/deprecation", path: "/api/admin/deprecation", body: "undeprecate2",
		open: codes{401, 403, 403, 200, 200, 403, 401, 401}},
	{method: DELETE, route: "/api/admin/deprecation", path: "/api/admin/deprecation", body: "undeprecate1",
		open: codes{401, 403, 403, 200, 403, 403, 401, 401}},

	// The pages. The list shows each key what it may read
	// (TestScopedListings); a filter outside a key's scope is a 403.
	{method: GET, route: "/", path: "/", open: codes{302, 302, 302, 302, 302, 302, 302, 302}},
	{method: HEAD, route: "/", path: "/", open: codes{302, 302, 302, 302, 302, 302, 302, 302}},
	{method: GET, route: "/packages", path: "/packages",
		open: codes{200, 200, 200, 200, 200, 200, 200, 200}, closed: codes{401, 200, 200, 200, 200, 200, 401, 401}},
	{method: HEAD, route: "/packages", path: "/packages",
		open: codes{200, 200, 200, 200, 200, 200, 200, 200}, closed: codes{401, 200, 200, 200, 200, 200, 401, 401}},
	{method: GET, route: "/packages", path: "/packages?space=Spaces-1",
		open: codes{200, 200, 200, 200, 403, 403, 200, 200}, closed: codes{401, 200, 200, 200, 403, 403, 401, 401}},
	{method: GET, route: "/packages", path: "/packages?owner=beta",
		open: codes{200, 200, 200, 200, 403, 403, 200, 200}, closed: codes{401, 200, 200, 200, 403, 403, 401, 401}},
	{method: GET, route: "/packages/generic/{owner}/{name}", path: "/packages/generic/alpha/tool",
		open: codes{200, 200, 200, 200, 403, 200, 200, 200}, closed: codes{401, 200, 200, 200, 403, 200, 401, 401}},
	{method: HEAD, route: "/packages/generic/{owner}/{name}", path: "/packages/generic/beta/tool",
		open: codes{200, 200, 200, 200, 403, 403, 200, 200}, closed: codes{401, 200, 200, 200, 403, 403, 401, 401}},
	{method: GET, route: "/packages/{id}", path: "/packages/Scope.Pkg",
		open: codes{200, 200, 200, 200, 403, 403, 200, 200}, closed: codes{401, 200, 200, 200, 403, 403, 401, 401}},
	{method: GET, route: "/packages/{id}", path: "/packages/Scope.Pkg?space=Spaces-2",
		open: codes{200, 200, 200, 200, 200, 403, 200, 200}, closed: codes{401, 200, 200, 200, 200, 403, 401, 401}},
	{method: HEAD, route: "/packages/{id}", path: "/packages/Scope.Pkg",
		open: codes{200, 200, 200, 200, 403, 403, 200, 200}, closed: codes{401, 200, 200, 200, 403, 403, 401, 401}},
	{method: GET, route: "/packages/{id}/{version}", path: "/packages/Scope.Pkg/1.0.0",
		open: codes{200, 200, 200, 200, 403, 403, 200, 200}, closed: codes{401, 200, 200, 200, 403, 403, 401, 401}},
	{method: HEAD, route: "/packages/{id}/{version}", path: "/packages/Scope.Pkg/1.0.0?space=Spaces-2",
		open: codes{200, 200, 200, 200, 200, 403, 200, 200}, closed: codes{401, 200, 200, 200, 200, 403, 401, 401}},
	{method: GET, route: "/upload", path: "/upload",
		open: codes{200, 200, 200, 200, 200, 200, 200, 200}, closed: codes{401, 200, 200, 200, 200, 200, 401, 401}},
	{method: HEAD, route: "/upload", path: "/upload",
		open: codes{200, 200, 200, 200, 200, 200, 200, 200}, closed: codes{401, 200, 200, 200, 200, 200, 401, 401}},
	{method: GET, route: "/examples", path: "/examples",
		open: codes{200, 200, 200, 200, 200, 200, 200, 200}, closed: codes{401, 200, 200, 200, 200, 200, 401, 401}},
	{method: HEAD, route: "/examples", path: "/examples",
		open: codes{200, 200, 200, 200, 200, 200, 200, 200}, closed: codes{401, 200, 200, 200, 200, 200, 401, 401}},
	{method: GET, route: "/admin", path: "/admin",
		open: codes{200, 200, 200, 200, 200, 200, 200, 200}, closed: codes{401, 200, 200, 200, 200, 200, 401, 401}},
	{method: HEAD, route: "/admin", path: "/admin",
		open: codes{200, 200, 200, 200, 200, 200, 200, 200}, closed: codes{401, 200, 200, 200, 200, 200, 401, 401}},
	{method: GET, route: "/static/{file}", path: "/static/app.js", open: codes{200, 200, 200, 200, 200, 200, 200, 200}},
	{method: HEAD, route: "/static/{file}", path: "/static/style.css", open: codes{200, 200, 200, 200, 200, 200, 200, 200}},
}

// Methods, short for the table (protocol's own names).
const (
	GET    = protocol.GET
	HEAD   = protocol.HEAD
	PUT    = protocol.PUT
	POST   = protocol.POST
	DELETE = protocol.DELETE
)

// TestPermissionTableCoversEveryRoute: every route of the real server (the
// gorilla/mux table, walked) has a row in permTable, and every row names a
// route that exists. A route added without a row fails here.
func TestPermissionTableCoversEveryRoute(t *testing.T) {
	env := protocoltest.New(t)
	srv, err := protocol.New(env.Feed, protocol.Options{Keys: env.Keys, Spaces: env.Spaces, Gatherer: env.Registry})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	routes, err := srv.Routes()
	if err != nil {
		t.Fatal(err)
	}
	covered := map[protocol.Route]bool{}
	for _, row := range permTable {
		covered[protocol.Route{Method: row.method, Template: row.route}] = true
	}
	for _, r := range routes {
		if !covered[r] {
			t.Errorf("route %s %s has no row in permTable: add one with the answer each principal gets", r.Method, r.Template)
		}
		delete(covered, r)
	}
	for r := range covered {
		t.Errorf("permTable has a row for %s %s, which is not a route of the server", r.Method, r.Template)
	}
	t.Logf("%d routes (method and path), %d rows × %d principals × 2 modes", len(routes), len(permTable), principals)
}

// TestPermissionTable runs every row of permTable for every principal
// against a real server, with reads open and with reads closed. A request
// that is refused must leave the feed, the owners and the keys as they were.
func TestPermissionTable(t *testing.T) {
	if testing.Short() {
		t.Skip("the permission table sends about 2,400 requests")
	}
	for _, closed := range []bool{false, true} {
		t.Run(fmt.Sprintf("require-read-key=%v", closed), func(t *testing.T) {
			fx := newPermFixture(t, closed)
			for _, row := range permTable {
				want := row.open
				if closed && row.closed != (codes{}) {
					want = row.closed
				}
				for p := range principals {
					fx.check(t, row, p, want[p])
				}
			}
		})
	}
}

// permFixture is a server with the fixture's packages, owners and keys.
type permFixture struct {
	env     *protocoltest.Env
	owners  *auth.Owners
	keys    [principals]string
	base    []byte // Scope.Pkg 1.0.0
	next    []byte // Scope.Pkg 2.0.0
	delta   []byte // from base to next
	symbols []byte // the symbol package of Scope.Pkg 1.0.0, whose PDB's key is permSymbolKey
	dirty   bool   // a request changed the fixture: restore it before the next
	fresh   int
}

func newPermFixture(t *testing.T, closed bool) *permFixture {
	t.Helper()
	ctx := t.Context()
	owners := protocoltest.NewOwners(t)
	env := protocoltest.New(t, protocoltest.Quiet(), protocoltest.WithOptions(func(o *protocol.Options) {
		o.Owners = owners
		o.RequireAuthForReads = closed
	}))
	// A row asserts the answer of its own route: redirects are not followed.
	env.Server.Client().CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	fx := &permFixture{env: env, owners: owners,
		base: protocoltest.Nupkg(t, "Scope.Pkg", "1.0.0"), next: protocoltest.Nupkg(t, "Scope.Pkg", "2.0.0"),
		symbols: nugettest.SymbolPackage(t, "Scope.Pkg", "1.0.0", map[string][]byte{"lib/net45/Scope.Pkg.pdb": nugettest.PortablePDB(permPDBID)})}
	fx.keys[reader], fx.keys[publisher], fx.keys[admin] = env.ReaderKey, env.PublisherKey, env.AdminKey
	var err error
	for _, k := range []struct {
		p    int
		spec auth.KeySpec
	}{
		{spaceAdmin, auth.KeySpec{Name: "space admin", Role: auth.RoleAdministrator, Spaces: []string{"Spaces-2"}}},
		{ownerAdmin, auth.KeySpec{Name: "owner admin", Role: auth.RoleAdministrator, Owners: []string{"alpha"}}},
		{revoked, auth.KeySpec{Name: "revoked", Role: auth.RoleAdministrator}},
	} {
		if fx.keys[k.p], _, err = env.Keys.Create(ctx, k.spec); err != nil {
			t.Fatal(err)
		}
	}
	if err := env.Keys.Revoke(ctx, "revoked"); err != nil {
		t.Fatal(err)
	}
	// Keys cannot be made already expired: make one that expires in a moment.
	soon := time.Now().Add(300 * time.Millisecond)
	if fx.keys[expired], _, err = env.Keys.Create(ctx, auth.KeySpec{Name: "expired", Role: auth.RoleAdministrator, Expires: &soon}); err != nil {
		t.Fatal(err)
	}
	var sig bytes.Buffer
	if err := octodiff.BuildSignature(bytes.NewReader(fx.base), &sig); err != nil {
		t.Fatal(err)
	}
	parsed, err := octodiff.ReadSignature(&sig)
	if err != nil {
		t.Fatal(err)
	}
	var delta bytes.Buffer
	if err := octodiff.BuildDelta(bytes.NewReader(fx.next), parsed, &delta); err != nil {
		t.Fatal(err)
	}
	fx.delta = delta.Bytes()
	fx.restore(t)
	time.Sleep(time.Until(soon))
	return fx
}

// restore puts the fixture back: Scope.Pkg 1.0.0 listed and no 2.0.0 in both
// spaces; alpha/tool and beta/tool 1.0.0 and nothing else generic.
func (fx *permFixture) restore(t *testing.T) {
	t.Helper()
	ctx := t.Context()
	f := fx.env.Feed
	fx.waitReindex(t)
	for _, space := range []string{"Spaces-1", "Spaces-2"} {
		if _, err := f.Delete(ctx, space, index.KindNuGet, "scope.pkg", "2.0.0"); err != nil && !isNotFound(err) {
			t.Fatal(err)
		}
		if _, err := f.Push(ctx, feed.PushRequest{Space: space, Protocol: "test", Body: bytes.NewReader(fx.base), Overwrite: feed.IgnoreIfExists}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.SetListed(ctx, space, index.KindNuGet, "scope.pkg", "1.0.0", true); err != nil {
			t.Fatal(err)
		}
		if _, err := f.PushSymbols(ctx, space, bytes.NewReader(fx.symbols), false); err != nil {
			t.Fatal(err)
		}
	}
	for _, owner := range []string{"alpha", "beta"} {
		if _, err := fx.owners.Create(ctx, owner); err != nil && !isExists(err) {
			t.Fatal(err)
		}
		if _, err := f.Generic().DeleteVersion(ctx, owner, "tool", "2.0.0"); err != nil && !isNotFound(err) {
			t.Fatal(err)
		}
		if _, _, err := f.Generic().Open(ctx, owner, "tool", "1.0.0", "tool.bin"); isNotFound(err) {
			if _, err := f.Generic().Put(ctx, generic.Upload{Owner: owner, Name: "tool", Version: "1.0.0", FileName: "tool.bin",
				Body: strings.NewReader("tool 1.0.0")}); err != nil {
				t.Fatal(err)
			}
		} else if err != nil {
			t.Fatal(err)
		}
	}
	fx.dirty = false
}

// waitReindex waits until a re-index a request started is over.
func (fx *permFixture) waitReindex(t *testing.T) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		resp, body := fx.env.Do(t, GET, "/api/admin/reindex", nil, fx.keys[admin])
		var st struct{ Running bool }
		if resp.StatusCode != 200 || json.Unmarshal(body, &st) != nil {
			t.Fatalf("GET /api/admin/reindex: %d %s", resp.StatusCode, body)
		}
		if !st.Running {
			return
		}
	}
	t.Fatal("the re-index did not finish within 30s")
}

// state describes everything a request could change: package versions and
// their listing, generic files, owners and keys.
func (fx *permFixture) state(t *testing.T) string {
	t.Helper()
	ctx := t.Context()
	var b strings.Builder
	for _, space := range []string{"Spaces-1", "Spaces-2"} {
		for _, kind := range []index.Kind{index.KindNuGet, index.KindRaw} {
			entries, err := fx.env.Feed.AllEntries(ctx, space, kind)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range entries {
				fmt.Fprintf(&b, "%s %s %s %s listed=%v deprecated=%v sha=%s\n", space, kind, e.ID, e.Version.Full(), e.Listed, e.Deprecation != nil, e.SHA1)
			}
			if kind == index.KindNuGet {
				for _, e := range entries {
					syms, err := fx.env.Feed.Symbols(ctx, space, e.ID.Lower(), e.Version.String())
					if err != nil {
						t.Fatal(err)
					}
					for _, sym := range syms {
						fmt.Fprintf(&b, "%s symbols %s %s %s %s\n", space, e.ID, e.Version.Full(), sym.Key, sym.SHA256)
					}
				}
			}
		}
	}
	owners, err := fx.owners.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range owners {
		fmt.Fprintf(&b, "owner %s\n", o.Name)
		ps, _, err := fx.env.Feed.Generic().Packages(ctx, o.Name, "", 0, 100)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range ps {
			vs, err := fx.env.Feed.Generic().Versions(ctx, o.Name, p.Name)
			if err != nil {
				t.Fatal(err)
			}
			for _, v := range vs {
				for _, f := range v.Files {
					fmt.Fprintf(&b, "generic %s/%s %s %s %s\n", f.Owner, f.Name, f.Version, f.FileName, f.SHA256)
				}
			}
		}
	}
	keys, err := fx.env.Keys.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		fmt.Fprintf(&b, "key %s %s revoked=%v\n", k.ID, k.Name, k.RevokedAt != nil)
	}
	return b.String()
}

// check sends row's request as principal p and compares the status.
func (fx *permFixture) check(t *testing.T, row permRow, p, want int) {
	t.Helper()
	if fx.dirty {
		fx.restore(t)
	}
	path := row.path
	if strings.Contains(path, "{fresh}") {
		fx.fresh++
		path = strings.ReplaceAll(path, "{fresh}", "fresh"+strconv.Itoa(fx.fresh))
	}
	if strings.Contains(path, "{throwaway}") {
		fx.fresh++
		_, info, err := fx.env.Keys.Create(t.Context(), auth.KeySpec{Name: "throwaway" + strconv.Itoa(fx.fresh), Role: auth.RoleReader})
		if err != nil {
			t.Fatal(err)
		}
		path = strings.ReplaceAll(path, "{throwaway}", info.ID)
	}
	body, contentType := fx.body(t, row.body)
	changes := row.method != GET && row.method != HEAD
	var before string
	if changes {
		before = fx.state(t)
	}
	var header []string
	if contentType != "" {
		header = []string{"Content-Type", contentType}
	}
	resp, respBody := fx.env.Do(t, row.method, path, body, fx.keys[p], header...)
	if resp.StatusCode != want {
		t.Errorf("%s %s as %s: %d, want %d (%s)", row.method, path, principalNames[p], resp.StatusCode, want, firstLine(respBody))
	}
	switch {
	case !changes:
	case resp.StatusCode < 300:
		fx.dirty = true
	default:
		if after := fx.state(t); after != before {
			t.Errorf("%s %s as %s was refused with %d but changed the feed:\nbefore:\n%safter:\n%s",
				row.method, path, principalNames[p], resp.StatusCode, before, after)
			fx.dirty = true
		}
	}
	if row.route == "/api/admin/reindex" && row.method == POST {
		fx.waitReindex(t)
	}
}

// body builds the request body of a row's body kind.
func (fx *permFixture) body(t *testing.T, kind string) (io.Reader, string) {
	t.Helper()
	switch kind {
	case "":
		return nil, ""
	case "nupkg": // NuGet push
		b, ct := protocoltest.Multipart(t, "package", "package.nupkg", fx.next)
		return bytes.NewReader(b), ct
	case "snupkg": // NuGet symbol push, for Scope.Pkg 1.0.0
		b, ct := protocoltest.Multipart(t, "package", "package.nupkg", fx.symbols)
		return bytes.NewReader(b), ct
	case "raw": // Octopus upload
		b, ct := protocoltest.Multipart(t, "file", "Scope.Pkg.2.0.0.nupkg", fx.next)
		return bytes.NewReader(b), ct
	case "delta": // Octopus delta upload against 1.0.0
		b, ct := protocoltest.Multipart(t, "file", "Scope.Pkg.2.0.0.nupkg", fx.delta)
		return bytes.NewReader(b), ct
	case "file": // generic upload
		return strings.NewReader("tool 2.0.0"), "application/octet-stream"
	case "newkey":
		fx.fresh++
		return strings.NewReader(`{"name":"made` + strconv.Itoa(fx.fresh) + `","role":"reader"}`), "application/json"
	case "unlist":
		return strings.NewReader(`{"listed":false}`), "application/json"
	case "deprecate1": // the space defaults to Spaces-1
		return strings.NewReader(`{"id":"Scope.Pkg","versions":["1.0.0"],"reasons":["Legacy"]}`), "application/json"
	case "deprecate2":
		return strings.NewReader(`{"space":"Spaces-2","id":"Scope.Pkg","versions":["1.0.0"],"reasons":["Legacy"]}`), "application/json"
	case "undeprecate1":
		return strings.NewReader(`{"id":"Scope.Pkg","versions":["1.0.0"]}`), "application/json"
	case "undeprecate2":
		return strings.NewReader(`{"space":"Spaces-2","id":"Scope.Pkg","versions":["1.0.0"]}`), "application/json"
	}
	t.Fatalf("unknown body kind %q", kind)
	return nil, ""
}

func firstLine(b []byte) string {
	s, _, _ := strings.Cut(string(b), "\n")
	return s[:min(len(s), 200)]
}

func isNotFound(err error) bool { return errors.Is(err, feed.ErrNotFound) }
func isExists(err error) bool   { return errors.Is(err, auth.ErrExists) }
