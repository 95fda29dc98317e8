package main

import (
	"bytes"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/feedserver/feedserver/protocol/protocoltest"
)

// TestMigrateCommand: a feed served from a data folder (SQLite, packages/)
// moves with `feedserver migrate` to PostgreSQL and an S3 bucket; a server
// started on them serves every package byte-identical with its unlisted
// flag and download count, and a publisher key made before the move pushes
// to it. A second run copies nothing; a target blob with other bytes makes
// the command fail, naming the key.
func TestMigrateCommand(t *testing.T) {
	dsn := pg.NewDatabase(t)
	bucket := vgw.NewBucket(t)
	src := t.TempDir()
	env := map[string]string{"AWS_ACCESS_KEY_ID": bucket.AccessKey, "AWS_SECRET_ACCESS_KEY": bucket.SecretKey, "FEEDSERVER_LOG_LEVEL": "error"}
	cmd := func(args ...string) (string, string, error) {
		var stdout, stderr bytes.Buffer
		err := run(t.Context(), args, envOf(env), &stdout, &stderr)
		return strings.TrimSpace(stdout.String()), stderr.String(), err
	}
	must := func(args ...string) string {
		t.Helper()
		out, errOut, err := cmd(args...)
		if err != nil {
			t.Fatalf("feedserver %s: %v\n%s", strings.Join(args, " "), err, errOut)
		}
		return out
	}
	publisher := must("apikey", "create", "--name", "ci", "--role", "publisher", "-data", src)
	admin := must("apikey", "create", "--name", "root", "--role", "administrator", "-data", src)
	if space := must("space", "create", "--name", "Second", "-data", src); space != "Spaces-2" {
		t.Fatalf("space create = %q", space)
	}

	old := startServerWith(t, nil, "-data", src, "-delete-mode", "unlist")
	packages := map[string][]byte{}
	push := func(s *server, path, key, id, version string) {
		t.Helper()
		nupkg := protocoltest.NupkgPadded(t, id, version, 4096)
		body, ct := protocoltest.Multipart(t, "package", "package.nupkg", nupkg)
		if code, msg := s.status(t, http.MethodPut, path, bytes.NewReader(body), "X-NuGet-ApiKey", key, "Content-Type", ct); code != http.StatusCreated {
			t.Fatalf("push %s %s = %d %s", id, version, code, msg)
		}
		lower := strings.ToLower(id)
		where := "/v3/package/" + lower + "/" + version + "/" + lower + "." + version + ".nupkg"
		if strings.HasPrefix(path, "/Spaces-2/") {
			where = "/api/Spaces-2/packages/" + id + "." + version + "/raw"
		}
		packages[where] = nupkg
	}
	push(old, "/api/v2/package/", publisher, "Moved.A", "1.0.0")
	push(old, "/api/v2/package/", publisher, "Moved.A", "2.0.0")
	push(old, "/Spaces-2/nuget/packages", publisher, "Moved.B", "1.0.0")
	if code, msg := old.status(t, http.MethodDelete, "/api/v2/package/Moved.A/2.0.0", nil, "X-NuGet-ApiKey", admin); code != http.StatusNoContent && code != http.StatusOK {
		t.Fatalf("unlist = %d %s", code, msg)
	}
	for range 3 {
		if code, _ := old.status(t, http.MethodGet, "/api/v2/package/Moved.A/1.0.0", nil); code != 200 {
			t.Fatalf("download = %d", code)
		}
	}
	if code, msg := old.status(t, http.MethodPut, "/api/packages/acme/generic/tool/1.0/tool.bin", strings.NewReader("generic bytes"), "X-NuGet-ApiKey", admin); code != http.StatusCreated {
		t.Fatalf("generic upload = %d %s", code, msg)
	}
	if err := old.stop(); err != nil { // flushes the download counts
		t.Fatal(err)
	}

	out := must("migrate", "-data", src, "--to-database", dsn, "--to-storage", bucket.URL("feed"))
	if !strings.Contains(out, "done in") {
		t.Errorf("migrate printed:\n%s", out)
	}
	again := must("migrate", "-data", src, "--to-database", dsn, "--to-storage", bucket.URL("feed"))
	if fields := strings.Fields(lineOf(again, "package rows")); len(fields) != 6 || fields[2] != "3" || fields[3] != "0" || fields[4] != "3" {
		t.Errorf("second run: want the 3 package rows already there:\n%s", again)
	}

	moved := startServerWith(t, env, "-data", t.TempDir(), "-database", dsn, "-storage", bucket.URL("feed"))
	if code, body := moved.status(t, http.MethodGet, "/api/v2/FindPackagesById()?id='Moved.A'", nil); code != 200 ||
		// Checked before the downloads below, which count too.
		!strings.Contains(string(body), `<d:VersionDownloadCount m:type="Edm.Int32">3</d:VersionDownloadCount>`) {
		t.Errorf("FindPackagesById on the new backends = %d, want Moved.A 1.0.0 with 3 downloads:\n%.2000s", code, body)
	}
	for path, want := range packages {
		if code, got := moved.status(t, http.MethodGet, path, nil, "X-Octopus-ApiKey", admin); code != 200 || !bytes.Equal(got, want) {
			t.Errorf("%s on the new backends = %d (%d bytes), want the pushed bytes", path, code, len(got))
		}
	}
	if code, body := moved.status(t, http.MethodGet, "/v3/registration/moved.a/2.0.0.json", nil); code != 200 || !strings.Contains(string(body), `"listed":false`) {
		t.Errorf("Moved.A 2.0.0 on the new backends = %d %s, want it unlisted", code, body)
	}
	if code, body := moved.status(t, http.MethodGet, "/api/packages/acme/generic/tool/1.0/tool.bin", nil); code != 200 || string(body) != "generic bytes" {
		t.Errorf("generic file on the new backends = %d %q", code, body)
	}
	push(moved, "/api/v2/package/", publisher, "Moved.After", "1.0.0")
	if err := moved.stop(); err != nil {
		t.Fatal(err)
	}

	// A different blob in the target under a source key: the command fails.
	other := t.TempDir()
	must("apikey", "create", "--name", "x", "--role", "publisher", "-data", other)
	dir := filepath.Join(other, "packages", "spaces-1", "nuget", "moved.a")
	if err := os.MkdirAll(dir, 0o750); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "moved.a.1.0.0.nupkg"), []byte("not the same"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, errOut, err := cmd("migrate", "-data", other, "--to-storage", bucket.URL("feed"))
	if err == nil || exitCode(err) != 1 || !strings.Contains(err.Error(), "moved.a.1.0.0.nupkg") || !strings.Contains(err.Error(), "refusing to overwrite") {
		t.Errorf("migrate over a different blob: %v (exit %d)\n%s", err, exitCode(err), errOut)
	}
}

// lineOf is the first line of text that starts with prefix.
func lineOf(text, prefix string) string {
	for _, l := range strings.Split(text, "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), prefix) {
			return strings.TrimSpace(l)
		}
	}
	return ""
}
