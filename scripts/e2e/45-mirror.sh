#!/usr/bin/env bash
# 45-mirror: the pull-through mirror (issue 21). A second feedserver on loopback plays the
# upstream and holds Fixture.ChainB and Fixture.ChainC; the mirror holds only Fixture.ChainA
# (A -> B -> C). NuGet.exe 5.8 installs A through the mirror's v3 and v2 URLs and gets B and C
# from the upstream, byte-identical; a version published upstream appears after the metadata
# lifetime; 8 concurrent first downloads cause one upstream download (counted on the
# upstream); a locally pushed id shadows the upstream's; an upstream that needs a key works
# with one and fails cleanly without; an upstream that is slow or answers garbage leaves
# answers within the timeout, from local data, never a 5xx; cache retention drops a cached
# package not downloaded within FEEDSERVER_CACHE_MAX_AGE (and only it), and its next download
# fetches it again; and with the upstream stopped
# and the client's caches cleared, the same install still works from the mirror's cache, also
# after the mirror restarts.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/faultlib.sh"
FIX=$ROOT/fixtures/good
OUT=$E2E_TMP/installed
PKGS=$E2E_TMP/pkgs
mkdir -p "$PKGS"

# push_to URL KEY FILE: NuGet v2 push; fails the script unless 201.
push_to() {
	local code
	code=$(curl -s -o "$E2E_TMP/push-body" -w '%{http_code}' --max-time 60 -X PUT -H "X-NuGet-ApiKey: $2" \
		-F "package=@$3" "$1/api/v2/package") || true
	[[ $code == 201 ]] || fail "push $(basename "$3") to $1: $code $(cat "$E2E_TMP/push-body")"
}

# install_from SOURCE ID: NuGet.exe install (client caches cleared first by nuget_cmd); then
# A, B and C must be in $OUT, byte-identical to the fixtures.
install_chain() {
	local source=$1
	rm -rf "$OUT"
	local out
	out=$(nuget_cmd install Fixture.ChainA -Source "$source" -OutputDirectory "$OUT" -NonInteractive 2>&1) ||
		fail "nuget install Fixture.ChainA from $source: $out"
	local p nupkg
	for p in Fixture.ChainA.1.0.0 Fixture.ChainB.1.1.0 Fixture.ChainC.1.0.0; do
		nupkg=$(find "$OUT" -maxdepth 2 -iname "$p.nupkg" | head -n1)
		[[ -n $nupkg ]] || fail "install from $source did not bring $p: $(find "$OUT" -maxdepth 2) $out"
		cmp -s "$nupkg" "$FIX/$p.nupkg" || fail "installed $p from $source differs from the fixture"
	done
}

# versions_at BASE ID: the flat container's versions of ID at BASE, comma-separated ("" on 404).
versions_at() {
	local code
	code=$(curl -s -o "$E2E_TMP/flat.json" -w '%{http_code}' --max-time 30 "$1/v3/package/${2,,}/index.json")
	case $code in
	200) jq -r '.versions | join(",")' "$E2E_TMP/flat.json" ;;
	404) echo "" ;;
	*) fail "flat container of $2 at $1 answered $code: $(head -c 300 "$E2E_TMP/flat.json")" ;;
	esac
}

# content_gets BASE: the package downloads a server answered (GET of the flat container's files).
content_gets() {
	curl -s "$1/metrics" | awk '/^feedserver_http_requests_total\{/ && /route="\/v3\/package\/\{id\}\/\{version\}\/\{file\}"/ && /method="GET"/ { n += $2 } END { print n + 0 }'
}

# --- the upstream, and the mirror -------------------------------------------------------
start_server
UP_URL=$BASE_URL UP_KEY=$ADMIN_KEY UP_PID=$SERVER_PID
push_to "$UP_URL" "$UP_KEY" "$FIX/Fixture.ChainB.1.1.0.nupkg"
push_to "$UP_URL" "$UP_KEY" "$FIX/Fixture.ChainC.1.0.0.nupkg"
push_to "$UP_URL" "$UP_KEY" "$FIX/Fixture.Versions.1.0.0.nupkg"
push_to "$UP_URL" "$UP_KEY" "$(make_nupkg "$PKGS" Shadow.Lib 9.0.0)"
for i in $(seq 1 8); do
	push_to "$UP_URL" "$UP_KEY" "$(make_nupkg "$PKGS" Busy.Lib "1.0.$i" 256)"
done
pass "upstream at $UP_URL holds ChainB, ChainC, Versions 1.0.0, Shadow.Lib 9.0.0 and Busy.Lib"

TTL=3
start_server FEEDSERVER_UPSTREAM="$UP_URL/v3/index.json" FEEDSERVER_UPSTREAM_TIMEOUT=2s \
	FEEDSERVER_UPSTREAM_METADATA_TTL=${TTL}s
MIRROR_URL=$BASE_URL MIRROR_KEY=$ADMIN_KEY MIRROR_PID=$SERVER_PID MIRROR_DATA=$SERVER_DATA MIRROR_LOG=$SERVER_LOG
MIRROR_STORE=$STORE_DIR
push_to "$MIRROR_URL" "$MIRROR_KEY" "$FIX/Fixture.ChainA.1.0.0.nupkg"
push_to "$MIRROR_URL" "$MIRROR_KEY" "$(make_nupkg "$PKGS/local" Shadow.Lib 1.0.0)"

# --- install through the mirror's v3 and v2 URLs ----------------------------------------
install_chain "$MIRROR_URL/v3/index.json"
pass "NuGet.exe install Fixture.ChainA through the mirror's v3 URL brings ChainB and ChainC from the upstream, byte-identical"
install_chain "$MIRROR_URL/api/v2"
pass "the same through the mirror's v2 URL (FindPackagesById() lists upstream versions)"
for f in fixture.chainb/fixture.chainb.1.1.0.nupkg fixture.chainc/fixture.chainc.1.0.0.nupkg; do
	[[ -f $MIRROR_STORE/spaces-1/cached/$f ]] || fail "no cached file $f: $(find "$MIRROR_STORE" -type f)"
done
[[ ! -e $MIRROR_STORE/spaces-1/cached/fixture.chaina ]] || fail "the pushed ChainA was cached as well"
pass "ChainB and ChainC are stored under spaces-1/cached/, ChainA stays a pushed package"

# --- a new upstream version shows after the metadata lifetime ----------------------------
assert_eq "$(versions_at "$MIRROR_URL" Fixture.Versions)" "1.0.0" "Fixture.Versions through the mirror"
push_to "$UP_URL" "$UP_KEY" "$FIX/Fixture.Versions.2.0.0.nupkg"
assert_eq "$(versions_at "$MIRROR_URL" Fixture.Versions)" "1.0.0" "within the metadata lifetime"
sleep $((TTL + 1))
assert_eq "$(versions_at "$MIRROR_URL" Fixture.Versions)" "1.0.0,2.0.0" "after the metadata lifetime"
pass "a version published upstream appears after the metadata lifetime (${TTL}s), not before"

# The web page marks what came from the upstream and names it.
page=$(curl -fsS "$MIRROR_URL/packages/Fixture.ChainB")
assert_contains "$page" "cached from $UP_URL/v3/index.json" "the page of the cached Fixture.ChainB"
page=$(curl -fsS "$MIRROR_URL/packages/Fixture.Versions/2.0.0")
assert_contains "$page" "from $UP_URL/v3/index.json, not cached yet" "the page of the upstream-only Fixture.Versions 2.0.0"
page=$(curl -fsS "$MIRROR_URL/packages/Fixture.ChainA")
[[ $page != *'id="origin"'* ]] || fail "the page of the pushed Fixture.ChainA is marked as the upstream's"
pass "the web page marks cached and upstream-only versions with the upstream's URL, pushed ones not"

# --- 8 concurrent first downloads: one upstream download --------------------------------
before=$(content_gets "$UP_URL")
clients=()
for i in $(seq 1 8); do
	curl -s -o "$E2E_TMP/busy-$i" -w '%{http_code}\n' --max-time 30 \
		"$MIRROR_URL/v3/package/busy.lib/1.0.1/busy.lib.1.0.1.nupkg" >"$E2E_TMP/busy-$i.code" &
	clients+=($!)
done
wait "${clients[@]}" # not a bare wait: the servers are children too
for i in $(seq 1 8); do
	assert_eq "$(cat "$E2E_TMP/busy-$i.code")" 200 "concurrent first download $i"
	cmp -s "$E2E_TMP/busy-$i" "$PKGS/Busy.Lib.1.0.1.nupkg" || fail "concurrent first download $i differs from the upstream's package"
done
after=$(content_gets "$UP_URL")
assert_eq "$((after - before))" 1 "package downloads the upstream answered for 8 concurrent first downloads"
pass "8 concurrent first downloads of one package: all byte-identical, one download from the upstream"

# --- dependency confusion: a pushed id shadows the upstream's ---------------------------
assert_eq "$(versions_at "$MIRROR_URL" Shadow.Lib)" "1.0.0" "Shadow.Lib (pushed 1.0.0 here, 9.0.0 upstream)"
assert_status 404 "$MIRROR_URL/v3/package/shadow.lib/9.0.0/shadow.lib.9.0.0.nupkg"
reg=$(curl -fsS "$MIRROR_URL/v3/registration-semver2/shadow.lib/index.json")
[[ $reg != *9.0.0* ]] || fail "the registration of a pushed id lists the upstream's 9.0.0: $reg"
pass "a locally pushed id shadows the same id upstream: no upstream version listed or served"

# An administrator's allow list lets one id take both.
start_server FEEDSERVER_UPSTREAM="$UP_URL/v3/index.json" FEEDSERVER_UPSTREAM_ALLOW=Shadow.Lib
push_to "$BASE_URL" "$ADMIN_KEY" "$PKGS/local/Shadow.Lib.1.0.0.nupkg"
assert_eq "$(versions_at "$BASE_URL" Shadow.Lib)" "1.0.0,9.0.0" "Shadow.Lib allowed"
stop_server "$SERVER_PID"
pass "FEEDSERVER_UPSTREAM_ALLOW=Shadow.Lib merges local and upstream versions of that id"

# --- an upstream that needs a key -----------------------------------------------------------
start_server FEEDSERVER_REQUIRE_READ_KEY=on
KEYED_URL=$BASE_URL KEYED_KEY=$ADMIN_KEY
push_to "$KEYED_URL" "$KEYED_KEY" "$FIX/Fixture.ChainC.1.0.0.nupkg"
start_server FEEDSERVER_UPSTREAM="$KEYED_URL/v3/index.json" FEEDSERVER_UPSTREAM_API_KEY="$KEYED_KEY"
assert_eq "$(versions_at "$BASE_URL" Fixture.ChainC)" "1.0.0" "through a mirror with the upstream's key"
assert_status 200 "$BASE_URL/v3/package/fixture.chainc/1.0.0/fixture.chainc.1.0.0.nupkg"
cmp -s "$E2E_TMP/last-body" "$FIX/Fixture.ChainC.1.0.0.nupkg" || fail "the package through the keyed mirror differs"
grep -q "$KEYED_KEY" "$SERVER_LOG" && fail "the mirror logged the upstream's key"
stop_server "$SERVER_PID"
start_server FEEDSERVER_UPSTREAM="$KEYED_URL/v3/index.json" FEEDSERVER_UPSTREAM_API_KEY=API-WRONGWRONGWRONGWRONGWRONGWRONG1
assert_status 404 "$BASE_URL/v3/package/fixture.chainc/index.json"
assert_status 404 "$BASE_URL/v3/package/fixture.chainc/1.0.0/fixture.chainc.1.0.0.nupkg"
grep -q "upstream unavailable" "$SERVER_LOG" || fail "no log line says the upstream refused: $(tail -5 "$SERVER_LOG")"
grep -q "API-WRONGWRONG" "$SERVER_LOG" && fail "the mirror logged the wrong key"
stop_server "$SERVER_PID"
pass "an upstream that needs a key: works with FEEDSERVER_UPSTREAM_API_KEY, a clean 404 and a log line with a wrong one, no key logged"

# --- a slow upstream, and one that answers garbage ----------------------------------------
MODE=$E2E_TMP/proxy-mode
echo pass >"$MODE"
PROXY_PORT=$(free_port)
python3 - "$PROXY_PORT" "$UP_URL" "$MODE" >"$E2E_TMP/proxy.log" 2>&1 <<'PY' &
import http.server, sys, time, urllib.request
port, upstream, mode_file = int(sys.argv[1]), sys.argv[2], sys.argv[3]
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        mode = open(mode_file).read().strip()
        if mode == "slow":
            time.sleep(10)
        if mode == "garbage":
            body = b"<html>this is not json \x00\xff"
            self.send_response(200); self.send_header("Content-Length", str(len(body))); self.end_headers()
            self.wfile.write(body); return
        try:
            with urllib.request.urlopen(upstream + self.path) as r:
                body = r.read().replace(upstream.encode(), f"http://127.0.0.1:{port}".encode())
                self.send_response(r.status)
        except urllib.error.HTTPError as e:
            body = e.read(); self.send_response(e.code)
        self.send_header("Content-Length", str(len(body))); self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a): pass
http.server.ThreadingHTTPServer(("127.0.0.1", port), H).serve_forever()
PY
PROXY_PID=$!
on_exit "kill $PROXY_PID 2>/dev/null"
for _ in $(seq 1 50); do curl -fs -o /dev/null "http://127.0.0.1:$PROXY_PORT/v3/index.json" && break; sleep 0.1; done
start_server FEEDSERVER_UPSTREAM="http://127.0.0.1:$PROXY_PORT/v3/index.json" FEEDSERVER_UPSTREAM_TIMEOUT=1s \
	FEEDSERVER_UPSTREAM_METADATA_TTL=1s
push_to "$BASE_URL" "$ADMIN_KEY" "$FIX/Fixture.Plain.1.0.0.nupkg"
assert_status 200 "$BASE_URL/v3/package/fixture.chainc/1.0.0/fixture.chainc.1.0.0.nupkg"
for mode in slow garbage; do
	# An id this mirror has never asked the upstream about, and its version there.
	case $mode in
	slow) fresh=fixture.chainb fresh_version=1.1.0 ;;
	garbage) fresh=fixture.versions fresh_version=1.0.0 ;;
	esac
	echo "$mode" >"$MODE"
	sleep 1.2 # past the metadata lifetime: the next read asks the upstream
	for path in v3/package/fixture.chainc/index.json v3/package/fixture.plain/index.json \
		v3/package/fixture.chainc/1.0.0/fixture.chainc.1.0.0.nupkg v3/registration-semver2/fixture.chainc/index.json \
		"api/v2/FindPackagesById()?id=%27Fixture.ChainC%27" "v3/package/$fresh/index.json" \
		"v3/package/$fresh/$fresh_version/$fresh.$fresh_version.nupkg"; do
		read -r code took < <(curl -s -o "$E2E_TMP/body" -w '%{http_code} %{time_total}\n' --max-time 20 "$BASE_URL/$path")
		[[ $code != 5* && $code != 000 ]] || fail "$mode upstream: $path answered $code"
		awk -v t="$took" 'BEGIN { exit !(t < 2.5) }' || fail "$mode upstream: $path took ${took}s, want under the 1s timeout plus a margin"
		case $path in
		*$fresh*) assert_eq "$code" 404 "$mode upstream: $path (never asked for here)" ;;
		*) assert_eq "$code" 200 "$mode upstream: $path (cached or local)" ;;
		esac
	done
	pass "$mode upstream: cached and local answers 200, uncached 404, each within the timeout plus a margin, no 5xx"
	echo pass >"$MODE"
	sleep 1.2
	assert_eq "$(versions_at "$BASE_URL" $fresh)" "$(curl -fsS "$UP_URL/v3/package/$fresh/index.json" | jq -r '.versions | join(",")')" "$fresh after the $mode upstream recovered"
done
stop_server "$SERVER_PID"
pass "the mirror reads the upstream again once it answers"

# --- cache retention: cached packages go by last download, pushed ones stay ---------------
# A mirror whose cache keeps what was downloaded in the last 3 seconds: ChainC is cached and
# then left alone, Fixture.Versions is cached and downloaded again just before the run.
start_server FEEDSERVER_UPSTREAM="$UP_URL/v3/index.json" FEEDSERVER_CACHE_MAX_AGE=3s
push_to "$BASE_URL" "$ADMIN_KEY" "$FIX/Fixture.ChainA.1.0.0.nupkg"
assert_status 200 "$BASE_URL/v3/package/fixture.chainc/1.0.0/fixture.chainc.1.0.0.nupkg"
assert_status 200 "$BASE_URL/v3/package/fixture.versions/1.0.0/fixture.versions.1.0.0.nupkg"
sleep 4
assert_status 200 "$BASE_URL/v3/package/fixture.versions/1.0.0/fixture.versions.1.0.0.nupkg"
sleep 1.5 # the download count (and its time) reaches the catalogue within a second
code=$(curl -s -o "$E2E_TMP/retention.json" -w '%{http_code}' --max-time 60 -X POST 	-H "X-NuGet-ApiKey: $ADMIN_KEY" "$BASE_URL/api/admin/retention")
assert_eq "$code" 200 "POST /api/admin/retention: $(head -c 300 "$E2E_TMP/retention.json")"
assert_eq "$(jq -r '[.items[] | .kind + ":" + .id + ":" + .version] | join(",")' "$E2E_TMP/retention.json")" \
	"cached:fixture.chainc:1.0.0" "what cache retention dropped"
[[ ! -e $STORE_DIR/spaces-1/cached/fixture.chainc/fixture.chainc.1.0.0.nupkg ]] || fail "the dropped ChainC's file stayed"
[[ -f $STORE_DIR/spaces-1/cached/fixture.versions/fixture.versions.1.0.0.nupkg ]] || fail "the recently downloaded Fixture.Versions was dropped"
assert_status 200 "$BASE_URL/v3/package/fixture.chaina/1.0.0/fixture.chaina.1.0.0.nupkg"
dropped=$(curl -s "$BASE_URL/metrics" | awk '/^feedserver_retention_deleted_total\{/ && /kind="cached"/ { n += $2 } END { print n + 0 }')
assert_eq "$dropped" 1 "feedserver_retention_deleted_total{kind=cached}"
pass "cache retention (FEEDSERVER_CACHE_MAX_AGE=3s) drops the cached package not downloaded since, keeps the one downloaded again and the pushed ChainA"
before=$(content_gets "$UP_URL")
assert_status 200 "$BASE_URL/v3/package/fixture.chainc/1.0.0/fixture.chainc.1.0.0.nupkg"
cmp -s "$E2E_TMP/last-body" "$FIX/Fixture.ChainC.1.0.0.nupkg" || fail "ChainC fetched again differs from the fixture"
assert_eq "$(($(content_gets "$UP_URL") - before))" 1 "upstream downloads for the dropped ChainC's next download"
[[ -f $STORE_DIR/spaces-1/cached/fixture.chainc/fixture.chainc.1.0.0.nupkg ]] || fail "ChainC is not cached again"
stop_server "$SERVER_PID"
pass "the dropped package's next download fetches it from the upstream again, byte-identical, and caches it"

# --- the upstream stopped: the cache still restores -------------------------------------
stop_server "$UP_PID"
install_chain "$MIRROR_URL/v3/index.json"
install_chain "$MIRROR_URL/api/v2"
pass "upstream stopped, client caches cleared: install Fixture.ChainA through the mirror's v3 and v2 URLs still works"
assert_eq "$(versions_at "$MIRROR_URL" Fixture.ChainB)" "1.1.0" "ChainB with the upstream down"
grep -q "upstream unavailable" "$MIRROR_LOG" || fail "no log line says the upstream is down"
errors=$(curl -s "$MIRROR_URL/metrics" | awk '/^feedserver_upstream_requests_total\{/ && /result="error"/ { n += $2 } END { print n + 0 }')
stale=$(curl -s "$MIRROR_URL/metrics" | awk '/^feedserver_upstream_metadata_cache_total\{/ && /result="stale"/ { n += $2 } END { print n + 0 }')
((errors > 0 && stale > 0)) || fail "with the upstream down: feedserver_upstream_requests_total{result=error} $errors, metadata_cache_total{result=stale} $stale"
pass "the mirror logs and counts answering without the upstream (upstream errors $errors, stale metadata served $stale)"

# A restart with the upstream still down: the cache is in the catalogue and the store, not
# only in the process's memory.
stop_server "$MIRROR_PID"
BASE_URL=$MIRROR_URL ADMIN_KEY=$MIRROR_KEY
start_on "$MIRROR_DATA" FEEDSERVER_UPSTREAM="$UP_URL/v3/index.json" FEEDSERVER_UPSTREAM_TIMEOUT=2s
wait_ready
install_chain "$MIRROR_URL/v3/index.json"
install_chain "$MIRROR_URL/api/v2"
pass "mirror restarted with the upstream still down: install Fixture.ChainA through v3 and v2 still works from the cache"
