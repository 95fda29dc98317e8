//go:build browser

// The browser test drives the pages in headless Chromium (Debian's chromium
// package) through chromedp. It runs with `go test -tags browser ./web/`,
// which scripts/e2e/90-web.sh does against a server started from the binary
// (BASE_URL and ADMIN_KEY set); without BASE_URL it starts an in-process
// server. A missing Chromium fails the test: it is never skipped.
//
// Screenshots of the main pages at desktop and phone width go to
// $SCREENSHOT_DIR (default: screenshots/ at the repository root).
package web_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/feedserver/feedserver/fixtures"
	"github.com/feedserver/feedserver/nuget/nugettest"
	"github.com/feedserver/feedserver/protocol/protocoltest"
)

// server is the feed under test: its base URL and an administrator key.
type server struct {
	url, adminKey string
}

func startServer(t *testing.T) server {
	if u := os.Getenv("BASE_URL"); u != "" {
		key := os.Getenv("ADMIN_KEY")
		if key == "" {
			t.Fatal("BASE_URL is set but ADMIN_KEY is not")
		}
		return server{url: strings.TrimSuffix(u, "/"), adminKey: key}
	}
	env := protocoltest.New(t)
	return server{url: env.URL, adminKey: env.AdminKey}
}

// push PUTs a nupkg as NuGet clients do.
func (s server) push(t *testing.T, nupkg []byte) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("package", "package.nupkg")
	fw.Write(nupkg)
	mw.Close()
	req, _ := http.NewRequest(http.MethodPut, s.url+"/api/v2/package/", &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("X-NuGet-ApiKey", s.adminKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("push: %d %s", resp.StatusCode, body)
	}
}

func (s server) status(t *testing.T, path string) int {
	t.Helper()
	resp, err := http.Get(s.url + path)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// get is the body of a GET of path.
func (s server) get(t *testing.T, path string) string {
	t.Helper()
	resp, err := http.Get(s.url + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return string(body)
}

// chromium finds the browser: $CHROMIUM, else chromium on PATH.
func chromium(t *testing.T) string {
	if p := os.Getenv("CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatal("Chromium is not installed (Debian: apt-get install chromium; scripts/install-tools does it): the browser test cannot run")
	return ""
}

func screenshotDir(t *testing.T) string {
	dir := os.Getenv("SCREENSHOT_DIR")
	if dir == "" {
		dir = filepath.Join("..", "screenshots")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	abs, _ := filepath.Abs(dir)
	return abs
}

// browser is one headless Chromium tab with helpers that fail the test.
type browser struct {
	t    *testing.T
	ctx  context.Context
	base string
	// dialogs are the messages of the JavaScript dialogs the page opened.
	dialogs chan string
}

func newBrowser(t *testing.T, base string) *browser {
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromium(t)),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true), // /dev/shm is small in containers
		chromedp.NoFirstRun,
		chromedp.Flag("no-default-browser-check", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	ctx, cancel := chromedp.NewContext(allocCtx)
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil { // starts the browser, bound to ctx (no timeout)
		t.Fatalf("start Chromium: %v", err)
	}
	b := &browser{t: t, ctx: ctx, base: base, dialogs: make(chan string, 16)}
	// Accept every dialog (the confirm() before a delete) and remember it, so
	// a test can tell an alert() from package text apart.
	events := chromedp.Events(ctx, page.JavascriptDialogOpening)
	go func() {
		for ev, err := range events {
			if err != nil {
				return
			}
			select {
			case b.dialogs <- ev.Message:
			default:
			}
			_, _ = chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: true})
		}
	}()
	return b
}

// do runs steps with a timeout, failing the test with what on error.
func (b *browser) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
}

func (b *browser) open(path string) {
	b.t.Helper()
	b.do("open "+path, chromedp.Navigate(b.base+path), chromedp.WaitReady(chromedp.CSS("body")))
}

// eval returns the value of a JavaScript expression.
func eval[T any](b *browser, expr string) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		b.t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// waitFor polls a JavaScript condition until it is true. Errors while
// polling are expected: a navigation destroys the context being asked.
func (b *browser) waitFor(what, expr string) {
	b.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	var lastErr error
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool]("!!("+expr+")"))
		cancel()
		if err == nil && ok {
			return
		}
		lastErr = err
		time.Sleep(100 * time.Millisecond)
	}
	page, _ := chromedp.Run(b.ctx, chromedp.Evaluate[string]("document.querySelector('main') ? document.querySelector('main').innerText : document.body.innerText"))
	b.t.Fatalf("waiting for %s (%s): last error %v\npage text:\n%s", what, expr, lastErr, page)
}

// noDialog fails the test if the page opened a dialog (an alert() from
// package text) within half a second.
func (b *browser) noDialog(where string) {
	b.t.Helper()
	select {
	case msg := <-b.dialogs:
		b.t.Errorf("a dialog opened on %s: %q", where, msg)
	case <-time.After(500 * time.Millisecond):
	}
}

func (b *browser) text(sel string) string {
	b.t.Helper()
	return eval[string](b, fmt.Sprintf("(document.querySelector(%q) || {innerText: ''}).innerText", sel))
}

// screenshot saves the whole page at desktop and phone width and checks
// that the phone layout needs no sideways scrolling.
func (b *browser) screenshot(dir, name string) {
	b.t.Helper()
	for _, size := range []struct {
		suffix        string
		width, height int64
		mobile        bool
	}{{"desktop", 1280, 900, false}, {"phone", 390, 844, true}} {
		emulate := chromedp.EmulateViewport(size.width, size.height)
		if size.mobile {
			emulate = chromedp.EmulateViewport(size.width, size.height, chromedp.EmulateScale(2), chromedp.EmulateMobile)
		}
		b.do("emulate "+size.suffix, emulate)
		if size.mobile {
			if w := eval[int](b, "document.documentElement.scrollWidth"); w > int(size.width) {
				wide := eval[string](b, `Array.from(document.querySelectorAll("body *")).filter(e => e.getBoundingClientRect().right > 391).slice(0, 5).map(e => e.tagName + "#" + e.id + "." + e.className).join(", ")`)
				b.t.Errorf("%s at phone width is %dpx wide: it scrolls sideways (%s)", name, w, wide)
			}
		}
		ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		cancel()
		if err != nil {
			b.t.Fatalf("screenshot %s: %v", name, err)
		}
		if err := os.WriteFile(filepath.Join(dir, name+"-"+size.suffix+".png"), png, 0o644); err != nil {
			b.t.Fatal(err)
		}
	}
	b.do("reset viewport", chromedp.EmulateViewport(1280, 900))
}

func TestBrowser(t *testing.T) {
	srv := startServer(t)
	shots := screenshotDir(t)
	b := newBrowser(t, srv.url)

	// Before the first push: the server was started for this test.
	t.Run("an empty feed points to the examples and the upload form", func(t *testing.T) {
		b.t = t
		b.open("/packages")
		if got := b.text(".count"); !strings.Contains(got, "No packages here yet.") {
			t.Fatalf("the empty feed's list says %q, want it to start with \"No packages here yet.\" (was the server empty?)", got)
		}
		b.screenshot(shots, "packages-empty")
		b.do("follow Show examples", chromedp.Click(chromedp.CSS(`.count a[href="/examples"]`)))
		b.waitFor("the examples page", `location.pathname === "/examples"`)
		b.open("/packages")
		b.do("follow upload a package", chromedp.Click(chromedp.CSS(`.count a[href="/upload"]`)))
		b.waitFor("the upload page", `location.pathname === "/upload" && !!document.getElementById("upload-file")`)
	})

	for _, n := range []string{"Fixture.ChainA.1.0.0.nupkg", "Fixture.ChainB.1.1.0.nupkg", "Fixture.ChainC.1.0.0.nupkg",
		"Fixture.Versions.1.0.0.nupkg", "Fixture.Versions.2.0.0.nupkg", "Fixture.Xss.1.0.0.nupkg",
		"Fixture.LicenseFile.1.0.0.nupkg", "Fixture.Groups.3.0.0.nupkg"} {
		srv.push(t, fixtures.Good(n))
	}

	t.Run("search finds a package", func(t *testing.T) {
		b.t = t
		b.open("/")
		b.waitFor("the package list", `location.pathname === "/packages" && !!document.querySelector(".pkglist")`)
		b.do("search", chromedp.SendKeys(chromedp.ID("q"), "ChainA"), chromedp.Submit(chromedp.ID("q")))
		b.waitFor("search results", `location.search.includes("q=ChainA") && !!document.querySelector('.pkglist a[href="/packages/Fixture.ChainA"]')`)
		if first := b.text(".pkglist .pkg-id"); first != "Fixture.ChainA" {
			t.Errorf("first hit is %q, want Fixture.ChainA", first)
		}
		b.screenshot(shots, "packages-search")
		b.open("/packages")
		b.screenshot(shots, "packages")
	})

	t.Run("package page shows its dependencies", func(t *testing.T) {
		b.t = t
		b.open("/packages?q=ChainA")
		b.do("open the package", chromedp.Click(chromedp.CSS(`.pkglist a[href="/packages/Fixture.ChainA"]`)))
		b.waitFor("the package page", `location.pathname === "/packages/Fixture.ChainA" && !!document.getElementById("dependencies")`)
		deps := b.text("#dependencies")
		if !strings.Contains(deps, "Fixture.ChainB") || !strings.Contains(deps, "[1.0.0, 2.0.0)") {
			t.Errorf("dependencies section: %q", deps)
		}
		b.do("follow the dependency", chromedp.Click(chromedp.CSS(`#dependencies a[href="/packages/Fixture.ChainB"]`)))
		b.waitFor("the dependency's page", `location.pathname === "/packages/Fixture.ChainB"`)
		if install := b.text("#snip-nuget"); !strings.Contains(install, "-Source "+srv.url+"/v3/index.json") {
			t.Errorf("nuget install snippet %q lacks the source URL", install)
		}
		b.open("/packages/Fixture.LicenseFile/1.0.0")
		b.screenshot(shots, "package")
	})

	t.Run("keyboard", func(t *testing.T) {
		b.t = t
		b.open("/packages")
		b.do("tab", chromedp.KeyEvent("\t"))
		if got := eval[string](b, "document.activeElement.className"); got != "skip" {
			t.Errorf("first Tab focuses %q, want the skip link", got)
		}
	})

	dir := t.TempDir()
	upload := filepath.Join(dir, "Web.Upload.1.0.0.nupkg")
	if err := os.WriteFile(upload, nugettest.Build(t, nugettest.Spec{ID: "Web.Upload", Version: "1.0.0", Description: "uploaded through the page"}), 0o644); err != nil {
		t.Fatal(err)
	}

	t.Run("upload through the form creates a package", func(t *testing.T) {
		b.t = t
		b.open("/upload")
		b.do("fill the form",
			chromedp.SendKeys(chromedp.ID("apikey"), srv.adminKey),
			chromedp.Click(chromedp.ID("remember-key")),
			chromedp.SetUploadFiles(chromedp.ID("upload-file"), []string{upload}),
		)
		b.screenshot(shots, "upload")
		b.do("upload", chromedp.Click(chromedp.ID("upload-submit")))
		b.waitFor("the upload result", `document.getElementById("upload-result").classList.contains("ok")`)
		if got := b.text("#upload-result"); !strings.Contains(got, "Created Web.Upload 1.0.0") {
			t.Errorf("upload result %q", got)
		}
		if got := eval[float64](b, `document.getElementById("upload-progress").value`); got != 100 {
			t.Errorf("progress bar at %v, want 100", got)
		}
		if code := srv.status(t, "/v3/package/web.upload/1.0.0/web.upload.1.0.0.nupkg"); code != 200 {
			t.Errorf("the uploaded package downloads with %d, want 200", code)
		}
		// The key stays in this tab's session storage only: no cookie, not in the page.
		if c := eval[string](b, "document.cookie"); c != "" {
			t.Errorf("the page set a cookie: %q", c)
		}
		if !eval[bool](b, `sessionStorage.getItem("feedserver.apikey") === `+fmt.Sprintf("%q", srv.adminKey)) {
			t.Errorf("the key was not remembered in sessionStorage")
		}
		b.open("/upload")
		if got := eval[string](b, `document.getElementById("apikey").value`); got != srv.adminKey {
			t.Errorf("the key field was not refilled from sessionStorage")
		}
		if eval[bool](b, `document.documentElement.outerHTML.includes(`+fmt.Sprintf("%q", srv.adminKey)+`) && !document.getElementById("apikey").value`) {
			t.Errorf("the key is in the page's HTML")
		}
	})

	t.Run("duplicate upload shows the conflict", func(t *testing.T) {
		b.t = t
		b.open("/upload")
		b.do("upload again", chromedp.SetUploadFiles(chromedp.ID("upload-file"), []string{upload}), chromedp.Click(chromedp.ID("upload-submit")))
		b.waitFor("the conflict", `!document.getElementById("upload-conflict").hidden`)
		if got := b.text("#upload-result"); !strings.Contains(got, "already exists") {
			t.Errorf("conflict text %q does not say the package exists", got)
		}
		b.screenshot(shots, "upload-conflict")
		b.do("replace", chromedp.Click(chromedp.ID("upload-overwrite")))
		b.waitFor("the replacement", `document.getElementById("upload-result").classList.contains("ok")`)
		if got := b.text("#upload-result"); !strings.Contains(got, "Replaced Web.Upload 1.0.0") {
			t.Errorf("overwrite result %q", got)
		}
	})

	t.Run("examples show this server's URL", func(t *testing.T) {
		b.t = t
		b.open("/examples")
		for _, id := range []string{"ex-nuget-push", "ex-dotnet-push", "ex-octo", "ex-curl-raw", "ex-curl-generic", "ex-nuget-config", "ex-teamcity"} {
			if got := b.text("#" + id); !strings.Contains(got, srv.url) {
				t.Errorf("%s: %q lacks %s", id, got, srv.url)
			}
		}
		b.screenshot(shots, "examples")
	})

	t.Run("administrator deletes a version", func(t *testing.T) {
		b.t = t
		b.open("/packages/Fixture.Versions/1.0.0")
		// The key is still in this tab's session storage from the upload.
		if got := eval[string](b, `document.getElementById("apikey").value`); got != srv.adminKey {
			b.do("open the tools", chromedp.Click(chromedp.CSS("#admin-tools summary")))
			b.do("type the key", chromedp.SendKeys(chromedp.ID("apikey"), srv.adminKey))
		}
		b.do("delete 1.0.0", chromedp.Click(chromedp.CSS(`button.act.danger[data-url*="/1.0.0"]`)))
		select {
		case msg := <-b.dialogs:
			if !strings.Contains(msg, "Delete Fixture.Versions 1.0.0") {
				t.Errorf("confirmation %q", msg)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("no confirmation was asked")
		}
		b.waitFor("the page after the delete", `location.pathname === "/packages/Fixture.Versions" && !!document.querySelector("table.versions")`)
		versions := b.text("table.versions tbody")
		if strings.Contains(versions, "1.0.0") || !strings.Contains(versions, "2.0.0") {
			t.Errorf("versions after the delete: %q", versions)
		}
		if code := srv.status(t, "/v3/package/fixture.versions/1.0.0/fixture.versions.1.0.0.nupkg"); code != 404 {
			t.Errorf("the deleted version downloads with %d, want 404", code)
		}
	})

	t.Run("administer page", func(t *testing.T) {
		b.t = t
		b.open("/admin")
		b.do("create a key", chromedp.SendKeys(chromedp.ID("key-name"), "browser-made"), chromedp.Click(chromedp.CSS(`#key-create button[type=submit]`)))
		b.waitFor("the new key", `!document.getElementById("key-new").hidden`)
		if got := b.text("#key-new-value"); !strings.HasPrefix(got, "API-") {
			t.Errorf("new key shown as %q", got)
		}
		b.waitFor("the key table", `!document.getElementById("keys-table").hidden && document.getElementById("keys-table").innerText.includes("browser-made")`)
		b.screenshot(shots, "admin")
		b.do("revoke it", chromedp.Click(chromedp.CSS(`#keys-table button[aria-label="Revoke browser-made"]`)))
		<-b.dialogs
		b.waitFor("the revocation", `document.getElementById("keys-result").innerText.includes("Revoked browser-made")`)
	})

	t.Run("re-index and retention", func(t *testing.T) {
		b.t = t
		// protocol/admin serves these endpoints; the page drives them.
		b.open("/admin")
		b.do("start a re-index", chromedp.Click(chromedp.ID("reindex-start")))
		b.waitFor("the re-index to finish", `document.getElementById("reindex-result").innerText.startsWith("Idle.") && document.getElementById("reindex-result").innerText.includes("runs: ")`)
		if !eval[bool](b, `document.getElementById("retention-run").disabled`) {
			t.Errorf("Apply retention is enabled before a dry run")
		}
		b.do("dry run", chromedp.Click(chromedp.ID("retention-dry")))
		b.waitFor("the dry-run report", `document.getElementById("retention-result").innerText.startsWith("Dry run: would delete")`)
		if eval[bool](b, `document.getElementById("retention-run").disabled`) {
			t.Errorf("Apply retention is still disabled after the dry run")
		}
	})

	t.Run("script in a description is shown as text", func(t *testing.T) {
		b.t = t
		b.open("/packages/Fixture.Xss")
		if got := b.text("#description"); !strings.Contains(got, "<script>alert(1)</script>") {
			t.Errorf("description shows %q, want the script as text", got)
		}
		if n := eval[int](b, "document.scripts.length"); n != 1 {
			t.Errorf("the page has %d script elements, want only its own", n)
		}
		b.screenshot(shots, "package-xss")
		b.open("/packages?q=Xss")
		b.noDialog("the package pages")
	})

	t.Run("readme, icon and licence; a script in the readme is text", func(t *testing.T) {
		b.t = t
		srv.push(t, nugettest.Build(t, embeddedSpec(t, "Web.Readme")))
		b.open("/packages/Web.Readme/1.0.0")
		b.waitFor("the readme", `!!document.querySelector("#readme h1")`)
		if got := b.text("#readme h1"); got != "Readme heading" {
			t.Errorf("the readme's heading reads %q", got)
		}
		if got := b.text("#readme"); !strings.Contains(got, "<script>document.title='pwned'</script>") {
			t.Errorf("the readme shows %q, want the script as text", got)
		}
		if got := eval[string](b, "document.title"); strings.Contains(got, "pwned") {
			t.Errorf("the readme's script ran: the title is %q", got)
		}
		if n := eval[int](b, "document.scripts.length"); n != 1 {
			t.Errorf("the page has %d script elements, want only its own", n)
		}
		if n := eval[int](b, `document.querySelectorAll("#readme [onerror], #readme [onclick], #readme a[href^='javascript']").length`); n != 0 {
			t.Errorf("the readme kept %d handlers or script links", n)
		}
		// The icon comes from the flat container with the headers of package
		// bytes (attachment, nosniff, sandbox CSP); an <img> still shows it.
		b.waitFor("the icon to load", `document.getElementById("pkg-icon").complete`)
		if w := eval[int](b, `document.getElementById("pkg-icon").naturalWidth`); w != 8 {
			t.Errorf("the icon is %dpx wide as loaded, want 8 (blocked?)", w)
		}
		if got := b.text("#licence-text"); !strings.Contains(got, "Licence line one.") || !strings.Contains(got, "<b>not bold</b>") {
			t.Errorf("the licence shows %q", got)
		}
		b.screenshot(shots, "package-readme")
		b.noDialog("the readme page")
	})

	t.Run("administrator deprecates a version and clears it", func(t *testing.T) {
		b.t = t
		b.open("/packages/Fixture.Versions/2.0.0")
		if got := eval[string](b, `document.getElementById("apikey").value`); got != srv.adminKey {
			b.do("open the tools", chromedp.Click(chromedp.CSS("#admin-tools summary")))
			b.do("type the key", chromedp.SendKeys(chromedp.ID("apikey"), srv.adminKey))
		}
		b.do("fill the deprecation form",
			chromedp.Click(chromedp.CSS("#deprecate-tools summary")),
			chromedp.Click(chromedp.CSS(`#deprecate-form input[value="Legacy"]`)),
			chromedp.SendKeys(chromedp.ID("deprecate-message"), "Replaced by <ChainA>."),
			chromedp.SendKeys(chromedp.ID("deprecate-alt-id"), "Fixture.ChainA"),
		)
		b.do("deprecate", chromedp.Click(chromedp.ID("deprecate-submit")))
		b.waitFor("the deprecation banner", `!!document.getElementById("deprecation")`)
		if got := b.text("#deprecation"); !strings.Contains(got, "no longer maintained") || !strings.Contains(got, "Replaced by <ChainA>.") ||
			!strings.Contains(got, "Use instead: Fixture.ChainA") {
			t.Errorf("the banner reads %q", got)
		}
		if reg := srv.get(t, "/v3/registration-semver2/fixture.versions/index.json"); !strings.Contains(reg, `"reasons":["Legacy"]`) {
			t.Errorf("the registration after the form's PUT: %s", reg)
		}
		b.screenshot(shots, "package-deprecated")
		b.do("open the form", chromedp.Click(chromedp.CSS("#deprecate-tools summary")))
		b.do("clear", chromedp.Click(chromedp.ID("deprecate-clear")))
		b.waitFor("the banner to go", `!document.getElementById("deprecation") && document.readyState === "complete" && !!document.getElementById("deprecate-form")`)
		if reg := srv.get(t, "/v3/registration-semver2/fixture.versions/index.json"); strings.Contains(reg, `"deprecation"`) {
			t.Errorf("the registration after the form's DELETE: %s", reg)
		}
	})
	t.Logf("screenshots in %s", shots)
}
