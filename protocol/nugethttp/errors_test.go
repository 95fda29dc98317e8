package nugethttp

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/feedserver/feedserver/auth"
	"github.com/feedserver/feedserver/feed"
	"github.com/feedserver/feedserver/index"
	"github.com/feedserver/feedserver/nuget"
	"github.com/feedserver/feedserver/protocol/httpx"
)

// The NuGet table's wording and headers, as NuGet clients read them. (That
// every family answers each sentinel with one status is protocol's
// TestErrorStatusesAgree.)
func TestErrors(t *testing.T) {
	exists := &feed.ExistsError{Entry: index.Entry{ID: "My.Pkg", Version: nuget.MustParseVersion("1.0.0")}}
	fam := New(nil, Options{})
	tests := []struct {
		name      string
		read      bool
		err       error
		status    int
		body      string
		challenge string
		warning   string
		notInBody string
	}{
		{name: "duplicate", err: fmt.Errorf("push: %w", exists), status: 409,
			body: "A package with ID 'My.Pkg' and version '1.0.0' already exists and cannot be modified."},
		{name: "invalid package", err: fmt.Errorf("%w: not a zip", feed.ErrInvalid), status: 400,
			body: "invalid package: not a zip", warning: "invalid package: not a zip"},
		{name: "too large", err: &http.MaxBytesError{Limit: 1}, status: 413,
			body: "The package file exceeds the size limit.", warning: "The package file exceeds the size limit."},
		{name: "push without a key", err: auth.ErrUnauthenticated, status: 401,
			body: msgNoKey, challenge: `ApiKey realm="feedserver"`},
		{name: "push with a wrong key", err: auth.ErrInvalidKey, status: 403, body: msgInvalidKey},
		{name: "read without a key", read: true, err: auth.ErrUnauthenticated, status: 401,
			body: msgReadAuth, challenge: `Basic realm="feedserver"`},
		{name: "read with a wrong key", read: true, err: auth.ErrInvalidKey, status: 401,
			body: msgReadAuth, challenge: `Basic realm="feedserver"`},
		{name: "missing permission", err: fmt.Errorf("push: %w", &auth.MissingPermissionError{Permission: auth.BuiltInFeedPush}), status: 403,
			body: (&auth.MissingPermissionError{Permission: auth.BuiltInFeedPush}).Error()},
		{name: "not found", read: true, err: fmt.Errorf("%w: x", feed.ErrNotFound), status: 404, body: "The package was not found."},
		{name: "refusal", err: httpx.Refuse(httpx.NotFound, "The space Spaces-9 does not exist on this server."), status: 404,
			body: "The space Spaces-9 does not exist on this server."},
		{name: "server fault", read: true, err: errors.New("disk on fire"), status: 500,
			body: "Internal server error. Request id", notInBody: "fire"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			adapt := fam.Publish
			if tt.read {
				adapt = fam.Read
			}
			w := httptest.NewRecorder()
			adapt(func(http.ResponseWriter, *http.Request) error { return tt.err }).ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/", nil))
			body := w.Body.String()
			if w.Code != tt.status || !strings.HasPrefix(body, tt.body) || (tt.notInBody != "" && strings.Contains(body, tt.notInBody)) {
				t.Errorf("%d %q, want %d %q", w.Code, body, tt.status, tt.body)
			}
			if got := w.Header().Get("WWW-Authenticate"); got != tt.challenge {
				t.Errorf("WWW-Authenticate = %q, want %q", got, tt.challenge)
			}
			if got := w.Header().Get("X-NuGet-Warning"); got != tt.warning {
				t.Errorf("X-NuGet-Warning = %q, want %q", got, tt.warning)
			}
			if got := w.Header().Get("Content-Type"); got != "text/plain; charset=utf-8" {
				t.Errorf("Content-Type = %q", got)
			}
		})
	}
}
