package protocol_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/feedserver/feedserver/protocol/protocoltest"
)

// nugetExe finds NuGet.exe 5.8's wrapper (scripts/install-tools puts it in
// .tools/bin), or $FEEDSERVER_NUGET.
func nugetExe(t *testing.T) string {
	if testing.Short() {
		t.Skip("NuGet.exe under Mono is slow; skipped with -short")
	}
	if p := os.Getenv("FEEDSERVER_NUGET"); p != "" {
		return p
	}
	_, file, _, _ := runtime.Caller(0)
	p := filepath.Join(filepath.Dir(file), "..", ".tools", "bin", "nuget")
	if _, err := os.Stat(p); err != nil {
		t.Skip("NuGet.exe not installed (run scripts/install-tools)")
	}
	return p
}

// runNuGet runs NuGet.exe non-interactively with a deadline: a client that
// waits for a credential prompt fails the test instead of hanging it.
func runNuGet(t *testing.T, exe, home string, args ...string) (string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, exe, append(args, "-NonInteractive")...)
	cmd.Env = append(os.Environ(), "HOME="+home, "XDG_CONFIG_HOME="+home)
	cmd.Dir = home
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("nuget %s timed out (waiting for credentials?):\n%s", strings.Join(args, " "), out.String())
	}
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return out.String(), code
}

// TestNuGetExe drives NuGet.exe 5.8 through push, duplicate, -SkipDuplicate,
// the auth failures and delete; the e2e script covers the wider flows.
func TestNuGetExe(t *testing.T) {
	exe := nugetExe(t)
	env := protocoltest.New(t)
	home := t.TempDir()
	pkg := protocoltest.Nupkg(t, "NuGetExe.Pkg", "1.0.0")
	file := filepath.Join(home, "NuGetExe.Pkg.1.0.0.nupkg")
	if err := os.WriteFile(file, pkg, 0o644); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(home, "Bad.Pkg.1.0.0.nupkg")
	if err := os.WriteFile(bad, []byte("not a zip"), 0o644); err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		name     string
		args     []string
		wantCode int
		wantOut  string
	}{
		{"no key", []string{"push", file, "-Source", env.URL + "/api/v2/package"}, 1, "401"},
		{"wrong key", []string{"push", file, "-Source", env.URL + "/api/v2/package", "-ApiKey", "API-WRONGWRONGWRONGWRONGWRONGWRONG"}, 1, "403"},
		{"bad package shows the server's reason", []string{"push", bad, "-Source", env.URL + "/api/v2/package", "-ApiKey", env.PublisherKey}, 1, "not a zip"},
		{"push via v3 index", []string{"push", file, "-Source", env.URL + "/v3/index.json", "-ApiKey", env.PublisherKey}, 0, "Your package was pushed"},
		{"duplicate", []string{"push", file, "-Source", env.URL + "/nuget/packages", "-ApiKey", env.PublisherKey}, 1, "409"},
		{"skip duplicate", []string{"push", file, "-Source", env.URL + "/nuget/packages", "-ApiKey", env.PublisherKey, "-SkipDuplicate"}, 0, "already exists"},
		{"publisher cannot replace", []string{"push", file, "-Source", env.URL + "/nuget/packages?replace=true", "-ApiKey", env.PublisherKey}, 1, "403"},
		{"admin replaces", []string{"push", file, "-Source", env.URL + "/nuget/packages?replace=true", "-ApiKey", env.AdminKey}, 0, "Your package was pushed"},
		{"publisher cannot delete", []string{"delete", "NuGetExe.Pkg", "1.0.0", "-Source", env.URL + "/api/v2/package", "-ApiKey", env.PublisherKey}, 1, "403"},
		{"admin deletes", []string{"delete", "NuGetExe.Pkg", "1.0.0", "-Source", env.URL + "/api/v2/package", "-ApiKey", env.AdminKey}, 0, "was deleted"},
	}
	for _, s := range steps {
		out, code := runNuGet(t, exe, home, s.args...)
		if code != s.wantCode || !strings.Contains(out, s.wantOut) {
			t.Errorf("%s: exit %d, want %d with %q in the output:\n%s", s.name, code, s.wantCode, s.wantOut, out)
		}
	}
}
