package protocol_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/feedserver/feedserver/protocol/protocoltest"
)

// TestKeysInPathsNeverLogged: a key typed where no key belongs (a path
// segment, a search, a user agent) stays out of the access log too.
func TestKeysInPathsNeverLogged(t *testing.T) {
	env := protocoltest.New(t)
	key := env.AdminKey
	for _, rq := range []struct{ method, path string }{
		{http.MethodGet, "/api/packages/" + key},
		{http.MethodGet, "/api/Spaces-1/packages/packages-" + key + ".1.0.0/raw"},
		{http.MethodDelete, "/nuget/" + key + "/1.0.0"},
		{http.MethodGet, "/v3/search?q=" + key},
		{http.MethodGet, "/packages?q=" + strings.ToLower(key)},
		{http.MethodGet, "/" + key},
		{http.MethodGet, "/api/packages/x/generic/" + key + "/1.0.0/f"},
		{http.MethodGet, "/api/API%2D" + key[4:]},
	} {
		env.Do(t, rq.method, rq.path, nil, "", "User-Agent", "script "+key)
	}
	logs := env.Logs()
	if strings.Count(logs, `"msg":"request"`) < 8 || !strings.Contains(logs, "API-REDACTED") {
		t.Fatalf("the access log does not look like it logged the requests:\n%s", logs)
	}
	if strings.Contains(logs, key[4:]) || strings.Contains(strings.ToLower(logs), strings.ToLower(key[4:])) {
		t.Errorf("the key appears in the logs:\n%s", logs)
	}
}
