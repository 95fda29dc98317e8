package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/feedserver/feedserver/auth"
	"github.com/feedserver/feedserver/feed"
	"github.com/feedserver/feedserver/index"
	"github.com/feedserver/feedserver/protocol/httpx"
)

// The JSON endpoints this package owns: API key management and the listing
// state of any package kind. Administrator only; cross-site state changes are
// refused for the whole server (httpx.CrossOrigin), and the key must come in a
// header, which a cross-site form cannot send anyway.

// errNoKeyStore is a key endpoint on a server without a key database.
var errNoKeyStore = httpx.NewError(httpx.Unavailable, "this server has no API key store")

// apiError is the body of every error of these endpoints: Octopus' shape, so
// the page's script reads one shape for uploads and administration alike.
type apiError struct {
	ErrorMessage string   `json:"ErrorMessage"`
	Errors       []string `json:"Errors"`
}

// apiMessage is the one table of wording of the JSON endpoints: the text of
// a failure of class f.Class, whose status is the class's; what it does not
// word, every family words alike (httpx.Failure.Text: a key's description
// says what is wrong with it, errNoKeyStore says it as is).
func apiMessage(f *httpx.Failure) string {
	switch f.Class {
	case httpx.Unauthenticated:
		return "An administrator API key is required (X-NuGet-ApiKey or X-Octopus-ApiKey)."
	case httpx.InvalidKey:
		return "The API key is not valid: it is unknown, revoked or expired."
	case httpx.NotFound:
		return f.Err.Error()
	}
	return f.Text()
}

// writeAPIError answers a failure with the Octopus error body.
func writeAPIError(w http.ResponseWriter, r *http.Request, f *httpx.Failure) {
	_ = httpx.WriteJSON(w, r, f.Status, apiError{ErrorMessage: apiMessage(f), Errors: []string{}})
}

// admin checks an administrator request. (Cross-site state changes never get
// here: httpx.CrossOrigin refuses them for the whole server.)
func (h *Handler) admin(r *http.Request) error {
	return httpx.Require(r.Context(), h.policy, auth.AdministerSystem, auth.Target{})
}

// keyJSON is one API key as the admin API shows it: never the key itself.
type keyJSON struct {
	ID        string     `json:"id"`
	Name      string     `json:"name"`
	Role      auth.Role  `json:"role"`
	Spaces    []string   `json:"spaces"`
	Owners    []string   `json:"owners"`
	Created   time.Time  `json:"created"`
	Expires   *time.Time `json:"expires,omitempty"`
	RevokedAt *time.Time `json:"revokedAt,omitempty"`
	LastUsed  *time.Time `json:"lastUsed,omitempty"`
	Active    bool       `json:"active"`
}

func toKeyJSON(k auth.KeyInfo, now time.Time) keyJSON {
	return keyJSON{ID: k.ID, Name: k.Name, Role: k.Role, Spaces: nonNil(k.Spaces), Owners: nonNil(k.Owners),
		Created: k.Created, Expires: k.Expires, RevokedAt: k.RevokedAt, LastUsed: k.LastUsed, Active: k.Active(now)}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// ListKeys serves GET /api/admin/apikeys: every key, revoked ones included.
func (h *Handler) ListKeys(w http.ResponseWriter, r *http.Request) error {
	if err := h.admin(r); err != nil {
		return err
	}
	if h.opts.Keys == nil {
		return errNoKeyStore
	}
	keys, err := h.opts.Keys.List(r.Context())
	if err != nil {
		return err
	}
	now := time.Now()
	out := make([]keyJSON, 0, len(keys))
	for _, k := range keys {
		out = append(out, toKeyJSON(k, now))
	}
	return httpx.WriteJSON(w, r, http.StatusOK, out)
}

// createKeyRequest is the body of POST /api/admin/apikeys.
type createKeyRequest struct {
	Name    string     `json:"name"`
	Role    string     `json:"role"`
	Spaces  []string   `json:"spaces"`
	Owners  []string   `json:"owners"`
	Expires *time.Time `json:"expires"`
}

// createKeyResponse shows the new key once; it is stored only as a digest.
type createKeyResponse struct {
	Key string `json:"key"`
	keyJSON
}

// maxJSONBody bounds the body of the admin endpoints.
const maxJSONBody = 64 << 10

// CreateKey serves POST /api/admin/apikeys: 201 with the key, shown once.
func (h *Handler) CreateKey(w http.ResponseWriter, r *http.Request) error {
	if err := h.admin(r); err != nil {
		return err
	}
	if h.opts.Keys == nil {
		return errNoKeyStore
	}
	var req createKeyRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	role, err := auth.ParseRole(req.Role)
	if err != nil {
		return fmt.Errorf("%w: %v", errBadRequest, err)
	}
	key, info, err := h.opts.Keys.Create(r.Context(), auth.KeySpec{
		Name: req.Name, Role: role, Spaces: req.Spaces, Owners: req.Owners, Expires: req.Expires})
	if err != nil {
		return err
	}
	h.log.Info("api key created", "key_id", info.ID, "name", info.Name, "role", info.Role,
		"by", httpx.Principal(r.Context()).String())
	return httpx.WriteJSON(w, r, http.StatusCreated, createKeyResponse{Key: key, keyJSON: toKeyJSON(info, time.Now())})
}

// RevokeKey serves DELETE /api/admin/apikeys/{id}: 204. Only an id is taken,
// never a name or a key: the path reaches the access log.
func (h *Handler) RevokeKey(w http.ResponseWriter, r *http.Request) error {
	if err := h.admin(r); err != nil {
		return err
	}
	if h.opts.Keys == nil {
		return errNoKeyStore
	}
	id := httpx.Var(r, "keyId")
	if !strings.HasPrefix(strings.ToLower(id), "apikeys-") {
		return fmt.Errorf("%w: revoke a key by its id (apikeys-…)", errBadRequest)
	}
	if err := h.opts.Keys.Revoke(r.Context(), id); err != nil {
		return err
	}
	h.log.Info("api key revoked", "key_id", id, "by", httpx.Principal(r.Context()).String())
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// listedRequest is the body of PUT .../listed.
type listedRequest struct {
	Listed *bool `json:"listed"`
}

// SetListed serves PUT /api/admin/packages/{spaceId}/{kind}/{id}/{version}/listed
// with {"listed": bool}: unlist or relist a version of any kind (NuGet's
// relist covers only NuGet packages, and its DELETE may be set to delete).
func (h *Handler) SetListed(w http.ResponseWriter, r *http.Request) error {
	space := feed.CanonicalSpace(httpx.Var(r, "spaceId"))
	if err := httpx.Require(r.Context(), h.policy, auth.BuiltInFeedAdminister, auth.Target{Space: space}); err != nil {
		return err
	}
	kind := index.Kind(httpx.Var(r, "kind"))
	if kind != index.KindNuGet && kind != index.KindRaw {
		return fmt.Errorf("%w: kind must be nuget or raw", errBadRequest)
	}
	var req listedRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	if req.Listed == nil {
		return fmt.Errorf("%w: the body must be {\"listed\": true|false}", errBadRequest)
	}
	e, err := h.feed.SetListed(r.Context(), space, kind, httpx.Var(r, "id"), httpx.Var(r, "version"), *req.Listed)
	if err != nil {
		return err
	}
	h.log.Info("package listing changed", "id", e.ID, "version", e.Version.Original(), "space", space,
		"listed", e.Listed, "by", httpx.Principal(r.Context()).String())
	return httpx.WriteJSON(w, r, http.StatusOK, map[string]any{"id": string(e.ID), "version": e.Version.Full(), "listed": e.Listed})
}

// decodeJSON reads a bounded JSON body into v; mistakes are errBadRequest.
func decodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxJSONBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		if errors.Is(err, io.EOF) {
			return fmt.Errorf("%w: a JSON body is required", errBadRequest)
		}
		return fmt.Errorf("%w: the body is not valid JSON: %v", errBadRequest, err)
	}
	return nil
}
