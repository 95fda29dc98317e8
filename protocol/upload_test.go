package protocol_test

import (
	"bytes"
	"net/http"
	"testing"

	"github.com/feedserver/feedserver/index"
	"github.com/feedserver/feedserver/protocol"
	"github.com/feedserver/feedserver/protocol/protocoltest"
)

// TestUploadsRefuseADeclaredOversizeBody: every upload route reads its body
// through the one upload preamble (httpx.Upload), so a body that declares
// more than max-upload is a 413 on all of them before its framing is read
// (this one has none: a multipart type without a boundary would be a 400),
// and nothing is stored.
func TestUploadsRefuseADeclaredOversizeBody(t *testing.T) {
	const limit = 64 << 10
	env := protocoltest.New(t, protocoltest.WithOptions(func(o *protocol.Options) { o.MaxUploadBytes = limit }))
	body := bytes.Repeat([]byte{'x'}, 2*limit+128<<10)
	for _, tc := range []struct{ method, path string }{
		{PUT, "/api/v2/package/"},
		{POST, "/api/packages/raw"},
		{POST, "/api/Spaces-2/packages/raw"},
		{PUT, "/api/packages/acme/generic/tool/1.0.0/tool.bin"},
	} {
		resp, got := env.Do(t, tc.method, tc.path, bytes.NewReader(body), env.AdminKey, "Content-Type", "multipart/form-data")
		if resp.StatusCode != http.StatusRequestEntityTooLarge {
			t.Errorf("%s %s with %d bytes over a %d-byte limit: %d %s, want 413", tc.method, tc.path, len(body), limit, resp.StatusCode, firstLine(got))
		}
	}
	if files, err := env.Feed.Generic().Versions(t.Context(), "acme", "tool"); err != nil || len(files) != 0 {
		t.Errorf("after a refused upload the generic registry holds %d versions of acme/tool (%v)", len(files), err)
	}
	for _, space := range []string{"Spaces-1", "Spaces-2"} {
		for _, kind := range []index.Kind{index.KindNuGet, index.KindRaw} {
			if entries, err := env.Feed.AllEntries(t.Context(), space, kind); err != nil || len(entries) != 0 {
				t.Errorf("after refused uploads %s holds %d %s packages (%v)", space, len(entries), kind, err)
			}
		}
	}
}
