package nugetapi

import "net/http"

// This file lends the read side of the NuGet family to the consumption
// packages (protocol/v3: registration, search, autocomplete), so they share
// this package's one error table, read-permission check and cache policy
// instead of growing their own.

// RequireRead checks that the request may read the feed of its route's space
// and returns that space.
func (h *Handler) RequireRead(r *http.Request) (space string, err error) {
	sp := routeSpace(r)
	return sp, h.requireRead(r, sp)
}

// FailRead answers a read request with err through the NuGet error table: a
// missing or wrong credential is a 401 with a Basic challenge, an unknown
// package a 404, a client mistake a 4xx, never a 500.
func (h *Handler) FailRead(w http.ResponseWriter, r *http.Request, err error) {
	h.fail(w, r, err, true)
}

// ListCacheControl is the Cache-Control of generated list documents: always
// revalidated, private when reads need credentials.
func (h *Handler) ListCacheControl() string { return h.cacheControl(cacheList) }
