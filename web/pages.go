package web

import (
	"net/http"

	"github.com/feedserver/feedserver/auth"
	"github.com/feedserver/feedserver/protocol/httpx"
)

// uploadView is the data of the upload page.
type uploadView struct {
	Spaces []auth.Space
}

// Upload serves GET /upload: the Upload Package form. The file goes to the
// Octopus raw upload endpoint (any archive, .nupkg included) from app.js.
func (h *Handler) Upload(w http.ResponseWriter, r *http.Request) error {
	if err := h.requireRead(r, auth.Target{}); err != nil {
		return err
	}
	h.render(w, r, http.StatusOK, "upload", page{Title: "Upload package", Nav: "upload",
		Data: uploadView{Spaces: h.spaces(r)}})
	return nil
}

// example is one push recipe with the commands for this server.
type example struct {
	ID    string
	Title string
	Note  string
	Text  string
}

// examplesView is the data of the examples page.
type examplesView struct {
	Base     string
	Examples []example
}

// placeholderKey stands where the reader puts their key: never a real one.
const placeholderKey = "API-YOURAPIKEY"

// examples are the push commands for this server's public URL base.
func examples(base string) []example {
	return []example{
		{ID: "nuget-config", Title: "NuGet source (nuget.config)",
			Note: "Add the feed as a package source; restore, install and Visual Studio read packages from it.",
			Text: `<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <add key="feedserver" value="` + base + `/v3/index.json" protocolVersion="3" />
  </packageSources>
</configuration>`},
		{ID: "nuget-push", Title: "nuget push (NuGet CLI)",
			Text: "nuget push MyPackage.1.0.0.nupkg -Source " + base + "/v3/index.json -ApiKey " + placeholderKey},
		{ID: "dotnet-push", Title: "dotnet nuget push",
			Text: "dotnet nuget push MyPackage.1.0.0.nupkg --source " + base + "/v3/index.json --api-key " + placeholderKey},
		{ID: "teamcity", Title: "TeamCity: NuGet Publish build step",
			Note: "Store the key in a password parameter (env.FEED_API_KEY) so it never shows in the build log.",
			Text: "Runner type:        NuGet Publish\n" +
				"Packages to upload: **/*.nupkg\n" +
				"Package source:     " + base + "/api/v2/package\n" +
				"API key:            %env.FEED_API_KEY%"},
		{ID: "octo", Title: "octo push (Octopus CLI)",
			Text: "octo push --package MyApp.Web.1.0.0.zip --server " + base + " --apiKey " + placeholderKey +
				" --space Spaces-1 --overwrite-mode FailIfExists"},
		{ID: "octopus", Title: "octopus package upload (Octopus CLI, Go)",
			Text: "export OCTOPUS_URL=" + base + "\nexport OCTOPUS_API_KEY=" + placeholderKey +
				"\noctopus package upload --package MyApp.Web.1.0.0.zip --space Spaces-1 --overwrite-mode fail"},
		{ID: "curl-raw", Title: "curl: any archive to the built-in repository",
			Note: "overwriteMode is FailIfExists, OverwriteExisting or IgnoreIfExists.",
			Text: "curl -fsS -X POST -H 'X-Octopus-ApiKey: " + placeholderKey + "' \\\n  -F 'file=@MyApp.Web.1.0.0.zip' \\\n  '" +
				base + "/api/Spaces-1/packages/raw?overwriteMode=FailIfExists'"},
		{ID: "curl-generic", Title: "curl: a generic package file",
			Text: "curl -fsS --user 'ci:" + placeholderKey + "' --upload-file ./tool-linux-amd64.tar.gz \\\n  '" +
				base + "/api/packages/myteam/generic/tool/1.0.0/tool-linux-amd64.tar.gz'"},
	}
}

// Examples serves GET /examples: Show examples.
func (h *Handler) Examples(w http.ResponseWriter, r *http.Request) error {
	if err := h.requireRead(r, auth.Target{}); err != nil {
		return err
	}
	base := httpx.PublicURL(r)
	h.render(w, r, http.StatusOK, "examples", page{Title: "Push examples", Nav: "examples",
		Data: examplesView{Base: base, Examples: examples(base)}})
	return nil
}

// adminView is the data of the administration page.
type adminView struct {
	Spaces []auth.Space
	Roles  []auth.Role
}

// Admin serves GET /admin: re-index, retention and API keys. Everything on
// it acts through the admin API with the key typed into the page.
func (h *Handler) Admin(w http.ResponseWriter, r *http.Request) error {
	if err := h.requireRead(r, auth.Target{}); err != nil {
		return err
	}
	h.render(w, r, http.StatusOK, "admin", page{Title: "Administer", Nav: "admin", Data: adminView{
		Spaces: h.spaces(r),
		Roles:  []auth.Role{auth.RolePublisher, auth.RoleReader, auth.RoleAdministrator},
	}})
	return nil
}
