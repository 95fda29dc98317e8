package octopus_test

import (
	"bytes"
	"context"
	"crypto/sha1"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/feedserver/feedserver/auth"
	"github.com/feedserver/feedserver/internal/golden"
	"github.com/feedserver/feedserver/protocol"
	"github.com/feedserver/feedserver/protocol/protocoltest"
)

// env is a server with two spaces ("Default" Spaces-1 and "Second"
// Spaces-2) and, beside protocoltest's unrestricted keys, one publisher key
// limited to each space.
type env struct {
	*protocoltest.Env
	Spaces             *auth.Spaces
	Space1Key          string // publisher, Spaces-1 only
	Space2Key          string // publisher, Spaces-2 only
	Space2AdminKey     string // administrator, Spaces-2 only
	InstallationIDWant string
}

func newEnv(t testing.TB, opts ...protocoltest.Option) *env {
	t.Helper()
	ctx := context.Background()
	db, err := sql.Open("sqlite3", "file:"+filepath.Join(t.TempDir(), "spaces.db")+"?_journal_mode=WAL&_busy_timeout=10000")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	spaces, err := auth.NewSpaces(ctx, auth.SQLite(db))
	if err != nil {
		t.Fatal(err)
	}
	if sp, err := spaces.Create(ctx, "Second"); err != nil || sp.ID != "Spaces-2" {
		t.Fatalf("create space: got %v, %v, want Spaces-2", sp, err)
	}
	opts = append([]protocoltest.Option{protocoltest.WithOptions(func(o *protocol.Options) { o.Spaces = spaces })}, opts...)
	e := &env{Env: protocoltest.New(t, opts...), Spaces: spaces}
	for _, k := range []struct {
		name  string
		role  auth.Role
		space string
		dst   *string
	}{
		{"space1-publisher", auth.RolePublisher, "Spaces-1", &e.Space1Key},
		{"space2-publisher", auth.RolePublisher, "Spaces-2", &e.Space2Key},
		{"space2-admin", auth.RoleAdministrator, "Spaces-2", &e.Space2AdminKey},
	} {
		*k.dst, _, err = e.Keys.Create(ctx, auth.KeySpec{Name: k.name, Role: k.role, Spaces: []string{k.space}})
		if err != nil {
			t.Fatal(err)
		}
	}
	return e
}

// req is one request as a client sends it.
type req struct {
	method string
	path   string
	header map[string]string
	body   []byte
}

// send sends a request and returns the status and body.
func (e *env) send(t testing.TB, r req) (int, []byte, http.Header) {
	t.Helper()
	hr, err := http.NewRequest(r.method, e.URL+r.path, bytes.NewReader(r.body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range r.header {
		hr.Header.Set(k, v)
	}
	resp, err := e.Server.Client().Do(hr)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, data, resp.Header
}

// get is a GET with the Octopus key header ("" for none).
func (e *env) get(t testing.TB, path, key string) (int, []byte) {
	t.Helper()
	h := map[string]string{"Accept": "application/json"}
	if key != "" {
		h["X-Octopus-ApiKey"] = key
	}
	code, body, _ := e.send(t, req{method: http.MethodGet, path: path, header: h})
	return code, body
}

// upload POSTs a multipart body with one file part, as the Go client and
// octopackjs send it (field "file", part type application/octet-stream).
func (e *env) upload(t testing.TB, path, key, fileName string, data []byte) (int, []byte) {
	t.Helper()
	body, ct := multipartBody(t, "file", fileName, "application/octet-stream", data)
	code, out, _ := e.send(t, req{method: http.MethodPost, path: path, body: body,
		header: map[string]string{"X-Octopus-ApiKey": key, "Content-Type": ct, "Accept": "application/json"}})
	return code, out
}

// multipartBody builds a body with one file part of the given part type.
func multipartBody(t testing.TB, field, fileName, partType string, data []byte) ([]byte, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="%s"; filename="%s"`, field, fileName))
	h.Set("Content-Type", partType)
	w, err := mw.CreatePart(h)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(data)
	mw.Close()
	return buf.Bytes(), mw.FormDataContentType()
}

// archive is a stand-in zip: the raw feed identifies it by file name only.
func archive(seed uint64, size int) []byte {
	data := make([]byte, size)
	r := rand.NewChaCha8([32]byte{byte(seed), byte(seed >> 8)})
	_, _ = r.Read(data)
	copy(data, "PK\x03\x04")
	return data
}

func sha1hex(b []byte) string {
	s := sha1.Sum(b)
	return hex.EncodeToString(s[:])
}

// decode unmarshals a JSON body into a generic map or slice.
func decode[T any](t testing.TB, body []byte) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatalf("decode %s: %v", body, err)
	}
	return v
}

type obj = map[string]any

// str reads a string field; a missing field or another type is "".
func str(o obj, name string) string {
	s, _ := o[name].(string)
	return s
}

func num(o obj, name string) float64 {
	n, _ := o[name].(float64)
	return n
}

func links(o obj) obj {
	l, _ := o["Links"].(map[string]any)
	return l
}

func items(o obj) []obj {
	raw, _ := o["Items"].([]any)
	out := make([]obj, 0, len(raw))
	for _, it := range raw {
		m, _ := it.(map[string]any)
		out = append(out, m)
	}
	return out
}

func wantStatus(t testing.TB, what string, got int, body []byte, want int) {
	t.Helper()
	if got != want {
		t.Fatalf("%s: got status %d (%s), want %d", what, got, body, want)
	}
}

// expandTemplate fills an RFC 6570 link the simple way the clients do for
// these links: path variables replaced, the query part dropped or filled.
func expandTemplate(link string, vars map[string]string) string {
	path, query, _ := strings.Cut(link, "{?")
	for k, v := range vars {
		path = strings.ReplaceAll(path, "{"+k+"}", v)
		path = strings.ReplaceAll(path, "{/"+k+"}", "/"+v)
	}
	path = regexp.MustCompile(`\{/?[a-zA-Z]+\}`).ReplaceAllString(path, "")
	var q []string
	for _, name := range strings.Split(strings.TrimSuffix(query, "}"), ",") {
		if v, ok := vars[name]; ok && name != "" {
			q = append(q, name+"="+v)
		}
	}
	if len(q) > 0 {
		path += "?" + strings.Join(q, "&")
	}
	return path
}

// normalise replaces what differs between runs (times, ids made at random)
// so a wire document can be compared with its golden file.
func normalise(body []byte) []byte {
	s := string(body)
	s = regexp.MustCompile(`"(Published|LastModifiedOn)": "[^"]+"`).ReplaceAllString(s, `"$1": "<time>"`)
	s = regexp.MustCompile(`"InstallationId": "[^"]+"`).ReplaceAllString(s, `"InstallationId": "<guid>"`)
	s = regexp.MustCompile(`Users-[a-z0-9]{12}`).ReplaceAllString(s, `Users-<key>`)
	s = regexp.MustCompile(`"(Username|DisplayName)": "[^"]+"`).ReplaceAllString(s, `"$1": "<name>"`)
	return []byte(s)
}

// golden compares a normalised body with testdata/name, or rewrites it with -update.
func checkGolden(t testing.TB, name string, body []byte) {
	t.Helper()
	golden.Check(t, filepath.Join("testdata", name), normalise(body))
}
