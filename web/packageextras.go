package web

import (
	"context"
	"errors"
	"html/template"
	"net/url"
	"strings"

	"github.com/feedserver/feedserver/feed"
	"github.com/feedserver/feedserver/index"
	"github.com/feedserver/feedserver/nuget"
)

// This file holds what the package page shows of a NuGet package beyond its
// manifest: the embedded readme, icon and licence file, and its deprecation.

// deprecationView is a version's deprecation as the page words it.
type deprecationView struct {
	Reasons      string // "Legacy, CriticalBugs" in words
	Message      string
	AlternateID  string
	AlternateVer string // "" for any version
	AlternateURL string // "" when this feed does not have it
}

// reasonWords is a reason in words, as the registration documentation
// describes it.
func reasonWords(r nuget.DeprecationReason) string {
	switch r {
	case nuget.DeprecationLegacy:
		return "no longer maintained"
	case nuget.DeprecationCriticalBugs:
		return "has critical bugs"
	}
	return "other"
}

func (h *Handler) deprecationView(ctx context.Context, e index.Entry) *deprecationView {
	d := e.Deprecation
	if d == nil {
		return nil
	}
	var words []string
	for _, r := range d.Reasons {
		words = append(words, reasonWords(r))
	}
	v := &deprecationView{Reasons: strings.Join(words, ", "), Message: d.Message}
	if a := d.AlternatePackage; a != nil {
		v.AlternateID = string(a.ID)
		if a.Version != nil {
			v.AlternateVer = a.Version.String()
		}
		if vs, err := h.feed.Versions(ctx, e.Space, index.KindNuGet, string(a.ID)); err == nil && len(vs) > 0 {
			alt := vs[len(vs)-1]
			if a.Version != nil {
				alt.Version = *a.Version
			}
			v.AlternateURL = packageURL(alt.ID, alt.Version, e.Space, index.KindNuGet, a.Version != nil)
		}
	}
	return v
}

// deprecationForm is what the page's deprecation form starts from: the
// current version's deprecation, or nothing.
type deprecationForm struct {
	Space, ID, Version                 string
	Legacy, CriticalBugs, Other        bool
	Message, AlternateID, AlternateVer string
}

func newDeprecationForm(e index.Entry) *deprecationForm {
	f := &deprecationForm{Space: e.Space, ID: string(e.ID), Version: e.Version.String()}
	if d := e.Deprecation; d != nil {
		for _, r := range d.Reasons {
			switch r {
			case nuget.DeprecationLegacy:
				f.Legacy = true
			case nuget.DeprecationCriticalBugs:
				f.CriticalBugs = true
			case nuget.DeprecationOther:
				f.Other = true
			}
		}
		f.Message = d.Message
		if a := d.AlternatePackage; a != nil {
			f.AlternateID = string(a.ID)
			if a.Version != nil {
				f.AlternateVer = a.Version.String()
			}
		}
	}
	return f
}

// embeddedView is what the page shows of the files a package embeds.
type embeddedView struct {
	Readme  template.HTML // rendered and sanitised; "" when none
	License string        // the licence file's text, shown as text
	IconURL string        // where the flat container serves the icon; "" when none
	Problem string        // why a file the nuspec names is not shown
}

// embedded reads the readme and licence file e's nuspec names, each on its
// own so that a broken one does not hide the other, and points at the icon
// the flat container serves (the default space's NuGet packages only: the
// page shows it through the URL clients use, under the same headers).
func (h *Handler) embedded(ctx context.Context, e index.Entry) embeddedView {
	var v embeddedView
	m := e.Manifest
	if e.Kind != index.KindNuGet || m == nil {
		return v
	}
	if m.Icon != "" && e.Space == feed.DefaultSpace {
		id, ver := url.PathEscape(e.ID.Lower()), url.PathEscape(e.Version.Lower())
		v.IconURL = "/v3/package/" + id + "/" + ver + "/icon"
	}
	var problems []string
	if m.Readme != "" {
		files, err := h.feed.ReadEmbedded(ctx, e, &nuget.Manifest{ID: m.ID, Version: m.Version, Readme: m.Readme})
		if err == nil && files.Readme != nil {
			v.Readme, err = h.markdown.render(files.Readme.Data)
		}
		if err != nil {
			problems = append(problems, h.embeddedProblem("readme", e, err))
		}
	}
	if m.License != nil && strings.EqualFold(m.License.Type, "file") {
		files, err := h.feed.ReadEmbedded(ctx, e, &nuget.Manifest{ID: m.ID, Version: m.Version, License: m.License})
		if err == nil && files.License != nil {
			v.License = string(files.License.Data)
		}
		if err != nil {
			problems = append(problems, h.embeddedProblem("licence file", e, err))
		}
	}
	v.Problem = strings.Join(problems, " ")
	return v
}

// embeddedProblem words a file the page cannot show; a package's own
// mistake is said on the page, anything else is logged too.
func (h *Handler) embeddedProblem(what string, e index.Entry, err error) string {
	if !errors.Is(err, feed.ErrInvalid) {
		h.log.Warn("package page: cannot read an embedded file", "file", what, "id", e.ID, "version", e.Version.String(), "err", err)
		return "The " + what + " cannot be read now."
	}
	return "The " + what + " cannot be shown: " + err.Error() + "."
}
