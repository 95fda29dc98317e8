package web

import (
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/feedserver/feedserver/auth"
	"github.com/feedserver/feedserver/feed"
	"github.com/feedserver/feedserver/protocol/httpx"
)

// genericFile is one file of a generic version on the page.
type genericFile struct {
	Name    string
	Size    int64
	SHA256  string
	Created time.Time
	URL     string // absolute download URL
}

type genericVersion struct {
	Version string
	Created time.Time
	Files   []genericFile
	Delete  action
}

// genericView is the data of a generic package's page.
type genericView struct {
	Owner, Name string
	Versions    []genericVersion
	Files       int
	Size        int64
	Snippets    []snippet
}

// Generic serves GET /packages/generic/{owner}/{name}: every version of a
// generic package with its files, download links and commands.
func (h *Handler) Generic(w http.ResponseWriter, r *http.Request) error {
	// As the generic API: the permission first, then the path, then whether
	// the key reaches the owner.
	if err := h.requireRead(r, auth.Target{}); err != nil {
		return err
	}
	owner, err := auth.NormalizeOwner(httpx.Var(r, "owner"))
	if err != nil {
		return fmt.Errorf("%w: %w", errBadRequest, err)
	}
	if err := h.requireRead(r, auth.Target{Owner: owner}); err != nil {
		return err
	}
	name := httpx.Var(r, "name")
	vs, err := h.feed.Generic().Versions(r.Context(), owner, name)
	if err != nil {
		return err
	}
	if len(vs) == 0 {
		return fmt.Errorf("%w: generic package %s/%s", feed.ErrNotFound, owner, name)
	}
	base := httpx.PublicURL(r)
	view := genericView{Owner: owner, Name: vs[0].Files[0].Name}
	pkgPath := "/api/packages/" + url.PathEscape(owner) + "/generic/" + url.PathEscape(view.Name)
	afterDelete := "" // reload
	if len(vs) == 1 {
		afterDelete = "/packages"
	}
	for i := len(vs) - 1; i >= 0; i-- { // newest first
		v := vs[i]
		gv := genericVersion{Version: v.Version, Created: v.Created, Delete: action{
			Label: "Delete version", Method: http.MethodDelete, Header: "Authorization", Danger: true,
			URL:     pkgPath + "/" + url.PathEscape(v.Version),
			Confirm: "Delete " + view.Name + " " + v.Version + " and all its files?",
			After:   afterDelete,
		}}
		for _, f := range v.Files {
			gv.Files = append(gv.Files, genericFile{Name: f.FileName, Size: f.Size, SHA256: f.SHA256, Created: f.Created,
				URL: base + pkgPath + "/" + url.PathEscape(f.Version) + "/" + url.PathEscape(f.FileName)})
			view.Files++
			view.Size += f.Size
		}
		view.Versions = append(view.Versions, gv)
	}
	latest := view.Versions[0]
	view.Snippets = []snippet{
		{ID: "list", Label: "List versions (JSON)", Text: "curl -fsS '" + base + pkgPath + "'"},
		{ID: "download", Label: "Download", Text: "curl -fL -o '" + latest.Files[0].Name + "' '" + latest.Files[0].URL + "'"},
	}
	h.render(w, r, http.StatusOK, "generic", page{Title: owner + "/" + view.Name, Nav: "packages", Data: view})
	return nil
}
