package protocol_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"syscall"
	"testing"

	"github.com/feedserver/feedserver/auth"
	"github.com/feedserver/feedserver/feed"
	feedgeneric "github.com/feedserver/feedserver/feed/generic"
	"github.com/feedserver/feedserver/index"
	"github.com/feedserver/feedserver/nuget"
	adminapi "github.com/feedserver/feedserver/protocol/admin"
	"github.com/feedserver/feedserver/protocol/generic"
	"github.com/feedserver/feedserver/protocol/httpx"
	"github.com/feedserver/feedserver/protocol/nugethttp"
	"github.com/feedserver/feedserver/protocol/octopus"
	"github.com/feedserver/feedserver/protocol/protocoltest"
	"github.com/feedserver/feedserver/web"
)

// errorSentinels are the errors the layers below the protocols return
// (wrapped), each with the one status every family answers it with.
var errorSentinels = []struct {
	name   string
	err    error
	status int
}{
	{"feed.ErrInvalid", feed.ErrInvalid, 400},
	{"generic.InvalidError", &feedgeneric.InvalidError{Part: "version", Value: "..", Reason: `".." is not allowed`}, 400},
	{"feed.ErrInvalidPolicy", feed.ErrInvalidPolicy, 400},
	{"auth.ErrInvalidOwner", auth.ErrInvalidOwner, 400},
	{"auth.ErrInvalidSpec", auth.ErrInvalidSpec, 400},
	{"httpx.ErrBadUpload", httpx.ErrBadUpload, 400},
	{"context.Canceled", context.Canceled, 400},
	{"auth.ErrUnauthenticated", auth.ErrUnauthenticated, 401},
	{"auth.ErrInvalidKey", auth.ErrInvalidKey, 401},
	{"auth.ErrForbidden", auth.ErrForbidden, 403},
	{"auth.MissingPermissionError", &auth.MissingPermissionError{Permission: auth.BuiltInFeedPush}, 403},
	{"auth.OutOfScopeError", &auth.OutOfScopeError{Target: auth.Target{Space: "Spaces-2"}}, 403},
	{"feed.ErrForbidden", feed.ErrForbidden, 403},
	{"feed.ErrNotFound", feed.ErrNotFound, 404},
	{"auth.ErrNotFound", auth.ErrNotFound, 404},
	{"feed.ErrExists", feed.ErrExists, 409},
	{"generic.ExistsError", &feedgeneric.ExistsError{File: feedgeneric.File{Owner: "o", Name: "n", Version: "1", FileName: "f"}}, 409},
	{"feed.ExistsError", &feed.ExistsError{Entry: index.Entry{ID: "A", Version: nuget.MustParseVersion("1.0.0")}}, 409},
	{"auth.ErrExists", auth.ErrExists, 409},
	{"feed.ErrBusy", feed.ErrBusy, 409},
	{"feed.ErrTooLarge", feed.ErrTooLarge, 413},
	{"http.MaxBytesError", &http.MaxBytesError{Limit: 1}, 413},
	{"http.MaxBytesError in a bad upload", fmt.Errorf("%w: %w", httpx.ErrBadUpload, &http.MaxBytesError{Limit: 1}), 413},
	{"feed.ErrUnavailable", fmt.Errorf("%w: dial tcp 10.0.0.5:5432: connection refused", feed.ErrUnavailable), 503},
	{"auth.ErrUnavailable", fmt.Errorf("%w: dial tcp 10.0.0.5:5432: connection refused", auth.ErrUnavailable), 503},
	{"feed.ErrStoreUnavailable", fmt.Errorf("open x: s3: %w: dial tcp 10.0.0.5:5432: connection refused", feed.ErrStoreUnavailable), 503},
	{"syscall.ENOSPC", &os.PathError{Op: "write", Path: "/data/x", Err: syscall.ENOSPC}, 507},
	{"syscall.EDQUOT", &os.PathError{Op: "write", Path: "/data/x", Err: syscall.EDQUOT}, 507},
	{"feed.ErrNoSpace", fmt.Errorf("store x: s3: commit %q: %w (QuotaExceeded)", "x", feed.ErrNoSpace), 507},
	{"anything else", errors.New("disk on fire"), 500},
}

// errorTexts are words every family's answer to a sentinel holds (the
// families share them: httpx.Failure.Text): a backend that is down is named
// (the database or the package store), never its address, so an operator
// reading a client's log knows which to look at.
var errorTexts = map[string]string{
	"feed.ErrUnavailable":      "database is unavailable",
	"auth.ErrUnavailable":      "database is unavailable",
	"feed.ErrStoreUnavailable": "package store is unavailable",
	"context.Canceled":         "The request was cancelled.",
}

// errorStatusExceptions are the few answers a family gives against its
// class's status, each for a client that needs it. Anything else differing
// fails TestErrorStatusesAgree.
var errorStatusExceptions = map[string]map[string]int{
	// NuGet prompts for credentials on a 403 only when it sent no key
	// (NuGet.Client promptOn403: !hasApiKey); a 401 would prompt for a key
	// the user just typed.
	"nuget publish": {"auth.ErrInvalidKey": 403},
}

// TestErrorStatusesAgree: every family answers every sentinel (wrapped, as
// the layers below return them) with the same status, the one its class
// has, but for the exceptions above; and no answer shows the address of a
// database that did not answer, nor a server path.
func TestErrorStatusesAgree(t *testing.T) {
	env := protocoltest.New(t, protocoltest.Quiet())
	oct, err := octopus.New(env.Feed, octopus.Options{})
	if err != nil {
		t.Fatal(err)
	}
	wp, err := web.New(env.Feed, web.Options{})
	if err != nil {
		t.Fatal(err)
	}
	nugetFamily := nugethttp.New(env.Feed, nugethttp.Options{})
	adm := adminapi.New(env.Feed, adminapi.Options{})
	gen := generic.New(env.Feed.Generic(), generic.Options{})
	families := []struct {
		name  string
		adapt func(httpx.HandlerFunc) http.Handler
	}{
		{"nuget read", nugetFamily.Read},
		{"nuget publish", nugetFamily.Publish},
		{"octopus", oct.Serve},
		{"generic", gen.Serve},
		{"admin", adm.Serve},
		{"web page", wp.ServePage},
		{"web api", wp.ServeAPI},
	}
	for _, fam := range families {
		for _, s := range errorSentinels {
			want := s.status
			if ex, ok := errorStatusExceptions[fam.name][s.name]; ok {
				want = ex
			}
			wrapped := fmt.Errorf("the layer below: %w", s.err)
			h := fam.adapt(func(http.ResponseWriter, *http.Request) error { return wrapped })
			w := httptest.NewRecorder()
			h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/", nil))
			if w.Code != want {
				t.Errorf("%s answers %s with %d, want %d", fam.name, s.name, w.Code, want)
			}
			if w.Body.Len() == 0 {
				t.Errorf("%s answers %s with an empty body", fam.name, s.name)
			}
			if text, ok := errorTexts[s.name]; ok && !strings.Contains(w.Body.String(), text) {
				t.Errorf("%s answers %s with %q, want it to say %q", fam.name, s.name, w.Body.String(), text)
			}
			if body := w.Body.String(); strings.Contains(body, "5432") || strings.Contains(body, "/data/") {
				t.Errorf("%s answers %s with an address or a path: %q", fam.name, s.name, body)
			}
		}
	}
}
