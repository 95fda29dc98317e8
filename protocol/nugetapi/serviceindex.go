package nugetapi

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/feedserver/feedserver/protocol/document"
	"github.com/feedserver/feedserver/protocol/httpx"
)

// Resource is one entry of the v3 service index. Path is relative to the
// server's public base URL and starts with "/".
type Resource struct {
	Path    string
	Type    string
	Comment string
	// ClientVersion is set on "/Versioned" types: NuGet 4.3+ picks the entry
	// whose clientVersion it supports.
	ClientVersion string
	// HTTPSOnly leaves the entry out of an index served under an http base
	// URL (PackageDetailsUriTemplate: NuGet accepts only https templates).
	HTTPSOnly bool
}

// PublishResources are the entries this package serves: push (NuGet 5.8
// looks only for PackagePublish/2.0.0 and /Versioned) and the flat container.
// Other protocol packages append their own entries in the route table.
func PublishResources() []Resource {
	return []Resource{
		{Path: "/api/v2/package", Type: "PackagePublish/2.0.0", Comment: "Push, delete and relist packages."},
		{Path: "/v3/package/", Type: "PackageBaseAddress/3.0.0", Comment: "Package versions and content (the flat container)."},
	}
}

// ServiceIndex serves GET /v3/index.json with absolute URLs built from the
// public base URL, so clients behind a proxy get URLs they can reach.
type ServiceIndex struct {
	Resources []Resource
}

type serviceIndexJSON struct {
	Version   string         `json:"version"`
	Resources []resourceJSON `json:"resources"`
}

type resourceJSON struct {
	ID            string `json:"@id"`
	Type          string `json:"@type"`
	Comment       string `json:"comment,omitempty"`
	ClientVersion string `json:"clientVersion,omitempty"`
}

// Write writes the service index. Its URLs depend on the request's host
// when no public URL is configured, hence no shared caching.
func (s ServiceIndex) Write(w http.ResponseWriter, r *http.Request) error {
	base := httpx.PublicURL(r)
	doc := serviceIndexJSON{Version: "3.0.0", Resources: make([]resourceJSON, 0, len(s.Resources))}
	for _, res := range s.Resources {
		if res.HTTPSOnly && !strings.HasPrefix(base, "https://") {
			continue
		}
		doc.Resources = append(doc.Resources, resourceJSON{
			ID: base + res.Path, Type: res.Type, Comment: res.Comment, ClientVersion: res.ClientVersion,
		})
	}
	body, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return err
	}
	document.Serve(w, r, document.New("", body, "application/json", false), "no-cache", "Host, X-Forwarded-Host, X-Forwarded-Proto")
	return nil
}
