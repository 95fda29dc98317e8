package v3

import (
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/feedserver/feedserver/feed"
	"github.com/feedserver/feedserver/nuget"
	"github.com/feedserver/feedserver/protocol/httpx"
)

// SymbolKeyVar is the route variable of Symbol: the SSQP key, still encoded.
const SymbolKeyVar = "ssqpKey"

// Symbol serves GET {base}/download/symbols/{file}/{signature}FFFFFFFF/{file}:
// a Portable PDB of a pushed symbol package by its Simple Symbol Query
// Protocol key, the request Visual Studio, dotnet-symbol and WinDbg send to
// a symbol server (docs/protocol/nuget.md §12.3). The key is matched
// ignoring case, on the path decoded once: Microsoft.SymbolStore before
// 2021 escaped the key's slashes as %2F (dotnet/symstore#260).
//
// Any key the feed does not have is 404, never another 4xx: Microsoft.SymbolStore
// (HttpSymbolStore.cs) takes 404 as "not here" and any other client error
// as the failure of the whole server. The SymbolChecksum header (§12.4):
// absent, the PDB is served (WinDbg's dbghelp does not send it); present,
// only a PDB whose checksum it names is, else 404; malformed, 400.
func (h *Handler) Symbol(w http.ResponseWriter, r *http.Request) error {
	sp, err := h.fam.RequireRead(r)
	if err != nil {
		return err
	}
	key := httpx.Var(r, SymbolKeyVar) // decoded once
	parts := strings.Split(key, "/")
	if len(parts) != 3 || parts[0] == "" || parts[1] == "" || !strings.EqualFold(parts[0], parts[2]) {
		return fmt.Errorf("%w: %q is not a symbol key ({file}/{id}/{file})", feed.ErrNotFound, key)
	}
	values := r.Header.Values("SymbolChecksum")
	sums, err := nuget.ParseSymbolChecksumHeader(strings.Join(values, ";"))
	if err != nil {
		return fmt.Errorf("%w: %w", feed.ErrInvalid, err)
	}
	pdb, err := h.feed.OpenSymbol(r.Context(), sp, key, sums, len(values) > 0)
	if err != nil {
		return err
	}
	defer pdb.Close()
	hdr := w.Header()
	httpx.PackageBytes(hdr, "application/octet-stream", parts[2])
	hdr.Set("Content-Length", strconv.FormatInt(pdb.File.Size, 10))
	hdr.Set("Cache-Control", h.fam.ListCacheControl())
	hdr.Set("Vary", "SymbolChecksum")
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodHead {
		return nil
	}
	_, _ = io.Copy(w, pdb) // the status is sent: a failure now can only cut the body short
	return nil
}
