package octopus

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/feedserver/feedserver/auth"
	"github.com/feedserver/feedserver/protocol/httpx"
)

// Root serves GET /api and /api/ (api-client asks without the slash,
// go-octopusdeploy with it). It needs no key, as on a real server: clients
// read it before anything else, and octo retries it while a server starts.
func (h *Handler) Root(w http.ResponseWriter, r *http.Request) error {
	id := "00000000-0000-4000-8000-000000000000" // no store: nothing to keep an id in
	if h.opts.Spaces != nil {
		var err error
		if id, err = h.opts.Spaces.InstallationID(r.Context()); err != nil {
			return err
		}
	}
	return httpx.WriteJSON(w, r, http.StatusOK, newRoot(linksFor(r), id))
}

// SpaceRoot serves GET /api/{spaceId}: 404 for an unknown space, which
// go-octopusdeploy reports as "the space ID (…) cannot be found".
func (h *Handler) SpaceRoot(w http.ResponseWriter, r *http.Request) error {
	sp, err := h.begin(r, auth.FeedView)
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, r, http.StatusOK, newSpaceRoot(linksFor(r), sp.ID))
}

// visibleSpaces is every space the caller may view: a key limited to
// spaces sees those, one limited to owners only sees none.
func (h *Handler) visibleSpaces(r *http.Request) ([]auth.Space, error) {
	if err := h.authorize(r, auth.FeedView, ""); err != nil {
		return nil, err
	}
	all, err := h.listSpaces(r.Context())
	if err != nil {
		return nil, err
	}
	p := httpx.Principal(r.Context())
	out := all[:0]
	for _, sp := range all {
		if h.policy.Authorize(p, auth.FeedView, auth.Target{Space: sp.ID}) == nil {
			out = append(out, sp)
		}
	}
	return out, nil
}

// Spaces serves GET /api/spaces{?skip,take,ids,partialName,name}: api-client
// searches by partialName and matches Name exactly; octo and go-octopusdeploy
// page through it looking for IsDefault.
func (h *Handler) Spaces(w http.ResponseWriter, r *http.Request) error {
	spaces, err := h.visibleSpaces(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	skip, take, err := paging(q, defaultTake)
	if err != nil {
		return err
	}
	partial := strings.ToLower(queryValue(q, "partialName"))
	name := queryValue(q, "name")
	ids := queryValues(q, "ids")
	l := linksFor(r)
	var items []spaceResource
	for _, sp := range spaces {
		switch {
		case partial != "" && !strings.Contains(strings.ToLower(sp.Name), partial):
			continue
		case name != "" && !strings.EqualFold(sp.Name, name):
			continue
		case len(ids) > 0 && !containsFold(ids, sp.ID):
			continue
		}
		items = append(items, newSpace(l, sp))
	}
	total := len(items)
	items = page(items, skip, take)
	return httpx.WriteJSON(w, r, http.StatusOK, newCollection("Space", items, total, skip, take, l.api("/spaces"), q))
}

// SpacesAll serves GET /api/spaces/all, a bare array (the octopus CLI
// resolves --space with it, matching Name case-insensitively, then Id).
func (h *Handler) SpacesAll(w http.ResponseWriter, r *http.Request) error {
	spaces, err := h.visibleSpaces(r)
	if err != nil {
		return err
	}
	l := linksFor(r)
	items := make([]spaceResource, 0, len(spaces))
	for _, sp := range spaces {
		items = append(items, newSpace(l, sp))
	}
	return httpx.WriteJSON(w, r, http.StatusOK, items)
}

// Space serves GET /api/spaces/{id} (octo --space Spaces-N).
func (h *Handler) Space(w http.ResponseWriter, r *http.Request) error {
	sp, err := h.begin(r, auth.FeedView)
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, r, http.StatusOK, newSpace(linksFor(r), sp))
}

// CurrentUser serves GET /api/users/me: the key's principal as a service
// account. Anonymous callers get the 401 a real server gives.
func (h *Handler) CurrentUser(w http.ResponseWriter, r *http.Request) error {
	p, err := h.knownCaller(r)
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, r, http.StatusOK, newUser(linksFor(r), p))
}

// UserSpaces serves GET /api/users/{id}/spaces, a bare array: Octopus.Client
// picks the IsDefault one when no space was named.
func (h *Handler) UserSpaces(w http.ResponseWriter, r *http.Request) error {
	p, err := h.knownCaller(r)
	if err != nil {
		return err
	}
	if id := httpx.Var(r, "userId"); !strings.EqualFold(id, userID(p)) && !strings.EqualFold(id, "me") {
		return fmt.Errorf("%w: user %s", errNotFound, id)
	}
	spaces, err := h.visibleSpaces(r)
	if err != nil {
		return err
	}
	l := linksFor(r)
	items := make([]spaceResource, 0, len(spaces))
	for _, sp := range spaces {
		items = append(items, newSpace(l, sp))
	}
	return httpx.WriteJSON(w, r, http.StatusOK, items)
}

// knownCaller is the principal of a request that carried a valid key.
func (h *Handler) knownCaller(r *http.Request) (auth.Principal, error) {
	ctx := r.Context()
	if err := httpx.AuthError(ctx); err != nil {
		return auth.Principal{}, err
	}
	p := httpx.Principal(ctx)
	if p.Anonymous {
		return auth.Principal{}, fmt.Errorf("%w: users/me needs an API key", auth.ErrUnauthenticated)
	}
	return p, nil
}

// Feeds serves GET /api/{spaceId}/feeds{?feedType,partialName,name,ids,skip,take}:
// the built-in feed is the only one. The octopus CLI asks feedType=BuiltIn&take=1.
func (h *Handler) Feeds(w http.ResponseWriter, r *http.Request) error {
	sp, err := h.begin(r, auth.FeedView)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	skip, take, err := paging(q, defaultTake)
	if err != nil {
		return err
	}
	l := linksFor(r)
	f := newFeed(l, sp.ID)
	var items []feedResource
	if feedMatches(f, q) {
		items = append(items, f)
	}
	total := len(items)
	items = page(items, skip, take)
	return httpx.WriteJSON(w, r, http.StatusOK, newCollection("Feed", items, total, skip, take, l.space(sp.ID, "/feeds"), q))
}

func feedMatches(f feedResource, q map[string][]string) bool {
	if t := queryValue(q, "feedType"); t != "" && !strings.EqualFold(t, f.FeedType) {
		return false
	}
	if p := queryValue(q, "partialName"); p != "" && !strings.Contains(strings.ToLower(f.Name), strings.ToLower(p)) {
		return false
	}
	if n := queryValue(q, "name"); n != "" && !strings.EqualFold(n, f.Name) {
		return false
	}
	if ids := queryValues(q, "ids"); len(ids) > 0 && !containsFold(ids, f.ID) {
		return false
	}
	return true
}

// FeedsAll serves GET /api/{spaceId}/feeds/all, a bare array.
func (h *Handler) FeedsAll(w http.ResponseWriter, r *http.Request) error {
	sp, err := h.begin(r, auth.FeedView)
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, r, http.StatusOK, []feedResource{newFeed(linksFor(r), sp.ID)})
}

// Feed serves GET /api/{spaceId}/feeds/{feedId}.
func (h *Handler) Feed(w http.ResponseWriter, r *http.Request) error {
	sp, err := h.begin(r, auth.FeedView)
	if err != nil {
		return err
	}
	if err := checkFeed(r); err != nil {
		return err
	}
	return httpx.WriteJSON(w, r, http.StatusOK, newFeed(linksFor(r), sp.ID))
}

// checkFeed refuses a feed id other than the built-in feed's.
func checkFeed(r *http.Request) error {
	if id := httpx.Var(r, "feedId"); !strings.EqualFold(id, builtInFeedID) {
		return fmt.Errorf("%w: feed %s (this server has only the built-in feed, %s)", errNotFound, id, builtInFeedID)
	}
	return nil
}

// FeedStats serves GET /api/{spaceId}/feeds/stats: the number of package
// versions in the space's built-in feed.
func (h *Handler) FeedStats(w http.ResponseWriter, r *http.Request) error {
	sp, err := h.begin(r, auth.FeedView)
	if err != nil {
		return err
	}
	entries, err := h.allEntries(r.Context(), sp.ID, "")
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, r, http.StatusOK, feedStatsResource{TotalPackages: len(entries)})
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

// page cuts items to [skip, skip+take).
func page[T any](items []T, skip, take int) []T {
	if skip >= len(items) {
		return nil
	}
	items = items[skip:]
	if take < len(items) {
		items = items[:take]
	}
	return items
}
