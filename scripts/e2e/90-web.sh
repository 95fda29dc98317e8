#!/usr/bin/env bash
# 90-web: the web page (issue 8) in headless Chromium against the real binary:
# `go test -tags browser ./web/` (web/browser_test.go) with BASE_URL and ADMIN_KEY of a
# server started here. On the empty feed it follows the list's links to the examples and
# the upload form; then it searches, opens a package and its dependency, uploads through
# the form (and again, for the conflict), reads the examples, deletes a version as an
# administrator, manages API keys and checks that a <script> description stays text; a
# package's readme is rendered with its <script> shown as text, its icon loads and its licence
# shows, and an administrator deprecates a version through the page's form and clears it.
# Screenshots at desktop and phone width go to $SCREENSHOT_DIR (default <repo>/screenshots).
# A missing Chromium fails the test (scripts/install-tools installs Debian's chromium).
source "$(dirname "$0")/lib.sh"

command -v chromium >/dev/null 2>&1 || fail "chromium is not installed: run scripts/install-tools"

start_server
export SCREENSHOT_DIR=${SCREENSHOT_DIR:-$ROOT/screenshots}
mkdir -p "$SCREENSHOT_DIR"
touch "$E2E_TMP/before-browser-test"

(cd "$ROOT" && BASE_URL=$BASE_URL ADMIN_KEY=$ADMIN_KEY go test -tags browser -count=1 -run '^TestBrowser$' -v ./web/) \
	>"$E2E_TMP/browser-test.log" 2>&1 || {
	cat "$E2E_TMP/browser-test.log" >&2
	echo "--- server log (tail)" >&2
	tail -n 50 "$SERVER_LOG" >&2
	fail "browser test failed"
}
grep -E '^\s*--- (PASS|FAIL)' "$E2E_TMP/browser-test.log"
pass "web page in headless Chromium: empty feed, search, package page, upload, conflict, examples, delete, keys, escaping, readme/icon/licence, deprecation"

shots=$(find "$SCREENSHOT_DIR" -name '*.png' -newer "$E2E_TMP/before-browser-test" | wc -l)
((shots >= 10)) || fail "expected at least 10 fresh screenshots in $SCREENSHOT_DIR, found $shots"
pass "$shots screenshots in $SCREENSHOT_DIR"
