package admin

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/feedserver/feedserver/auth"
	"github.com/feedserver/feedserver/feed"
	"github.com/feedserver/feedserver/nuget"
	"github.com/feedserver/feedserver/protocol/httpx"
)

// maxDeprecationBody bounds a deprecation request: a message of at most
// nuget.MaxDeprecationMessageLength and the versions of one package.
const maxDeprecationBody = 256 << 10

// deprecationTarget names the versions a request is about; the space
// defaults to Spaces-1.
type deprecationTarget struct {
	Space    string   `json:"space"`
	ID       string   `json:"id"`
	Versions []string `json:"versions"`
}

// deprecationRequest is the body of PUT /api/admin/deprecation.
type deprecationRequest struct {
	deprecationTarget
	Reasons                 []string `json:"reasons"`
	Message                 string   `json:"message"`
	AlternatePackageID      string   `json:"alternatePackageId"`
	AlternatePackageVersion string   `json:"alternatePackageVersion"`
}

// deprecationAnswer is the answer to both methods: the versions changed and
// what they now say (null once cleared).
type deprecationAnswer struct {
	Space       string           `json:"space"`
	ID          string           `json:"id"`
	Versions    []string         `json:"versions"`
	Deprecation *deprecationJSON `json:"deprecation"`
}

type deprecationJSON struct {
	Reasons                 []string `json:"reasons"`
	Message                 string   `json:"message"`
	AlternatePackageID      string   `json:"alternatePackageId,omitempty"`
	AlternatePackageVersion string   `json:"alternatePackageVersion,omitempty"`
}

// SetDeprecation serves PUT /api/admin/deprecation: deprecate versions of a
// NuGet package (feed.SetDeprecation has the rules).
func (h *Handler) SetDeprecation(w http.ResponseWriter, r *http.Request) error {
	if err := administersSomeSpace(r); err != nil {
		return err
	}
	var req deprecationRequest
	if err := decodeBody(w, r, &req); err != nil {
		return err
	}
	space, err := h.requireSpaceAdmin(r, req.deprecationTarget)
	if err != nil {
		return err
	}
	d, err := nuget.NewDeprecation(req.Reasons, req.Message, req.AlternatePackageID, req.AlternatePackageVersion)
	if err != nil {
		return err
	}
	return h.setDeprecation(w, r, space, req.deprecationTarget, d)
}

// ClearDeprecation serves DELETE /api/admin/deprecation with a body
// {"space", "id", "versions"}: the versions are no longer deprecated.
func (h *Handler) ClearDeprecation(w http.ResponseWriter, r *http.Request) error {
	if err := administersSomeSpace(r); err != nil {
		return err
	}
	var req deprecationTarget
	if err := decodeBody(w, r, &req); err != nil {
		return err
	}
	space, err := h.requireSpaceAdmin(r, req)
	if err != nil {
		return err
	}
	return h.setDeprecation(w, r, space, req, nil)
}

// administersSomeSpace refuses, before the body is read, a caller that
// administers no space at all: an anonymous caller learns that it needs a
// key, a reader that it may not, whatever its body says.
func administersSomeSpace(r *http.Request) error {
	if err := httpx.AuthError(r.Context()); err != nil {
		return err
	}
	_, err := auth.Policy{}.Scope(httpx.Principal(r.Context()), auth.BuiltInFeedAdminister)
	return err
}

// requireSpaceAdmin checks the request names a package and that the key
// administers its space (BuiltInFeedAdminister, as unlisting needs).
func (h *Handler) requireSpaceAdmin(r *http.Request, t deprecationTarget) (string, error) {
	space := feed.CanonicalSpace(t.Space)
	if err := httpx.Require(r.Context(), auth.Policy{}, auth.BuiltInFeedAdminister, auth.Target{Space: space}); err != nil {
		return "", err
	}
	if t.ID == "" {
		return "", fmt.Errorf("%w: the body names no package id", errBadRequest)
	}
	return space, nil
}

func (h *Handler) setDeprecation(w http.ResponseWriter, r *http.Request, space string, t deprecationTarget, d *nuget.Deprecation) error {
	changed, err := h.feed.SetDeprecation(r.Context(), space, t.ID, t.Versions, d)
	if err != nil {
		return err
	}
	out := deprecationAnswer{Space: space, ID: string(changed[0].ID), Versions: []string{}}
	for _, e := range changed {
		out.Versions = append(out.Versions, e.Version.Full())
	}
	if d != nil {
		out.Deprecation = &deprecationJSON{Message: d.Message}
		for _, r := range d.Reasons {
			out.Deprecation.Reasons = append(out.Deprecation.Reasons, string(r))
		}
		if a := d.AlternatePackage; a != nil {
			out.Deprecation.AlternatePackageID = string(a.ID)
			if a.Version != nil {
				out.Deprecation.AlternatePackageVersion = a.Version.String()
			}
		}
	}
	h.log.Info("package deprecation changed", "space", space, "package", out.ID, "versions", out.Versions,
		"deprecated", d != nil, "by", httpx.Principal(r.Context()).String(), "id", httpx.RequestID(r.Context()))
	return httpx.WriteJSON(w, r, http.StatusOK, out)
}

// decodeBody reads one bounded JSON object into v, refusing unknown fields
// and anything after it; every mistake is errBadRequest.
func decodeBody(w http.ResponseWriter, r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxDeprecationBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		if errors.Is(err, io.EOF) {
			return fmt.Errorf("%w: a JSON body is required", errBadRequest)
		}
		return fmt.Errorf("%w: the body is not valid JSON: %v", errBadRequest, err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return fmt.Errorf("%w: the body has more than one JSON value", errBadRequest)
	}
	return nil
}
