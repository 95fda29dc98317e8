package v3

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/feedserver/feedserver/protocol/document"
	"github.com/feedserver/feedserver/protocol/httpx"
)

// resource is one entry of the v3 service index. Path is relative to the
// server's public base URL and starts with "/".
type resource struct {
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

// ServiceIndex serves GET /v3/index.json with absolute URLs built from the
// public base URL, so clients behind a proxy get URLs they can reach. Its
// URLs depend on the request's host when no public URL is configured, hence
// no shared caching.
func (h *Handler) ServiceIndex(w http.ResponseWriter, r *http.Request) error {
	base := httpx.PublicURL(r)
	doc := serviceIndexJSON{Version: "3.0.0", Resources: make([]resourceJSON, 0, len(h.resources))}
	for _, res := range h.resources {
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
