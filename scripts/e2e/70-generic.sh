#!/usr/bin/env bash
# 70-generic: the generic package registry with curl as the client (issue 6):
# every row of the issue's table, a large upload streamed with flat server memory
# (GENERIC_BIG_MIB, default 2048) compared by SHA-256, and a restart with the
# catalogue deleted that brings every generic file back.
source "$(dirname "$0")/lib.sh"

BIG_MIB=${GENERIC_BIG_MIB:-2048}

start_server
FS=$(build_server)
API=$BASE_URL/api/packages
PUBLISHER_KEY=$("$FS" apikey create --name ci --role publisher --data "$SERVER_DATA")
ACME_KEY=$("$FS" apikey create --name acme-ci --role publisher --owner acme --data "$SERVER_DATA")
READER_KEY=$("$FS" apikey create --name reader --role reader --data "$SERVER_DATA")

# --- owners -------------------------------------------------------------------------------
echo "tool v1" >"$E2E_TMP/tool.txt"
assert_status 403 "$API/acme/generic/tool/1.0.0/tool.txt" -u "ci:$PUBLISHER_KEY" -T "$E2E_TMP/tool.txt"
assert_contains "$(cat "$E2E_TMP/last-body")" "feedserver owner create acme" "403 body"
pass "a publisher cannot push to an owner that does not exist"
assert_eq "$("$FS" owner create acme --data "$SERVER_DATA")" "acme" "owner create"
assert_status 201 "$API/newteam/generic/tool/1.0.0/tool.txt" -u "admin:$ADMIN_KEY" -T "$E2E_TMP/tool.txt"
assert_contains "$("$FS" owner list --data "$SERVER_DATA")" "newteam" "owner list"
pass "owners: created by the sub-command and by an administrator's first push"

# --- upload: every way in ------------------------------------------------------------------
assert_status 201 "$API/acme/generic/tool/1.0.0/tool.txt" -u "ci:$PUBLISHER_KEY" -T "$E2E_TMP/tool.txt"
pass "PUT raw body with Basic auth (curl -T)"
echo "from a form" >"$E2E_TMP/form.txt"
assert_status 201 "$API/acme/generic/tool/1.0.0/form.txt" -X PUT -H "Authorization: Bearer $ACME_KEY" -F "file=@$E2E_TMP/form.txt"
assert_eq "$(curl -fsS "$API/acme/generic/tool/1.0.0/form.txt")" "from a form" "multipart file part"
pass "PUT multipart (curl -F) with a Bearer key limited to the owner"
assert_status 201 "$API/acme/generic/tool/1.0%20beta/tool.txt" -H "Authorization: token $PUBLISHER_KEY" -T "$E2E_TMP/tool.txt"
pass "a version with an inner space"
assert_status 201 "$API/acme/generic/a/_.-+9/-" -u "ci:$PUBLISHER_KEY" -T "$E2E_TMP/tool.txt"
pass "names at the edge of the rules"
assert_status 409 "$API/acme/generic/tool/1.0.0/tool.txt" -u "ci:$PUBLISHER_KEY" -T "$E2E_TMP/tool.txt"
assert_status 409 "$API/acme/generic/TOOL/1.0.0/Tool.TXT" -u "ci:$PUBLISHER_KEY" -T "$E2E_TMP/tool.txt"
pass "a second PUT of the same file is 409, in any case"
assert_status 401 "$API/acme/generic/tool/1.0.0/anon.txt" -T "$E2E_TMP/tool.txt"
assert_status 401 "$API/acme/generic/tool/1.0.0/bad.txt" -u "ci:API-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" -T "$E2E_TMP/tool.txt"
assert_status 403 "$API/acme/generic/tool/1.0.0/reader.txt" -u "ci:$READER_KEY" -T "$E2E_TMP/tool.txt"
assert_status 403 "$API/newteam/generic/tool/1.0.0/other.txt" -u "ci:$ACME_KEY" -T "$E2E_TMP/tool.txt"
pass "401 without or with a wrong key, 403 for a reader or another owner's key"
for bad in "a%20b/1.0/x.txt" "tool/%201.0/x.txt" "tool/1.0/a%3Fb" "-/1.0/x.txt"; do
	assert_status 400 "$API/acme/generic/$bad" -u "ci:$PUBLISHER_KEY" -T "$E2E_TMP/tool.txt"
done
pass "invalid name, version and file name are 400: $(head -c 200 "$E2E_TMP/last-body")"
for path in "acme/generic/../1.0/x.txt" "acme/generic/tool/../x.txt" "acme/generic/tool/1.0/.." \
	"../generic/tool/1.0/x.txt" "acme/generic/%2e%2e/1.0/x.txt" "acme/generic/tool/%2e%2e%2f%2e%2e/x.txt" \
	"acme/generic/tool/1.0/..%2f..%2fetc%2fpasswd" "%2e%2e/generic/tool/1.0/x.txt" "acme/generic/tool/1.0/a%5cb"; do
	# Not -T: curl treats a last segment ".." as a folder and appends the local file name.
	assert_status 400 "$API/$path" --path-as-is -X PUT -u "ci:$PUBLISHER_KEY" --data-binary "@$E2E_TMP/tool.txt"
done
pass "traversal attempts in every segment are 400"

# --- download ------------------------------------------------------------------------------
headers=$(curl -fsS -D - -o "$E2E_TMP/got.txt" "$API/acme/generic/tool/1.0.0/tool.txt")
cmp -s "$E2E_TMP/got.txt" "$E2E_TMP/tool.txt" || fail "downloaded file differs"
want_sum=$(sha256sum <"$E2E_TMP/tool.txt" | cut -d' ' -f1)
assert_contains "$headers" "X-Checksum-Sha256: $want_sum" "headers"
assert_contains "$headers" "Content-Type: application/octet-stream" "headers"
assert_contains "$headers" 'Content-Disposition: attachment; filename="tool.txt"' "headers"
assert_contains "$headers" "Etag: \"$want_sum\"" "headers"
assert_eq "$(curl -fsS -r 0-3 "$API/acme/generic/tool/1.0.0/tool.txt")" "tool" "Range"
assert_status 304 "$API/acme/generic/tool/1.0.0/tool.txt" -H "If-None-Match: \"$want_sum\""
assert_status 200 "$API/acme/generic/tool/1.0.0/tool.txt" -I
assert_status 404 "$API/acme/generic/tool/1.0.0/missing.txt"
pass "GET/HEAD: 200 octet-stream, checksum, ETag, Range, 304, 404"

# --- listing and delete ----------------------------------------------------------------------
listing=$(curl -fsS "$API/acme/generic/tool")
assert_contains "$listing" '"version": "1.0 beta"' "listing"
assert_contains "$listing" "\"sha256\": \"$want_sum\"" "listing"
pass "listing JSON"
assert_status 403 "$API/acme/generic/tool/1.0%20beta/tool.txt" -X DELETE -u "ci:$PUBLISHER_KEY"
assert_status 204 "$API/acme/generic/tool/1.0%20beta/tool.txt" -X DELETE -u "admin:$ADMIN_KEY"
assert_status 404 "$API/acme/generic/tool/1.0%20beta" -X DELETE -u "admin:$ADMIN_KEY"
pass "deleting the last file deletes the version"
assert_status 201 "$API/acme/generic/tool/9.9/a.txt" -u "ci:$PUBLISHER_KEY" -T "$E2E_TMP/tool.txt"
assert_status 204 "$API/acme/generic/tool/9.9" -X DELETE -H "Authorization: Bearer $ADMIN_KEY"
assert_status 404 "$API/acme/generic/tool/9.9/a.txt"
pass "DELETE a version"

# --- a large upload with flat memory ----------------------------------------------------------
vm() { awk -v k="$1:" '$1 == k { print $2 }' "/proc/$SERVER_PID/status"; }
hwm_before=$(vm VmHWM)
rss_before=$(vm VmRSS)
start=$SECONDS
# Random bytes generated on the fly (no 2 GiB source file), hashed on the way out.
head -c "$((BIG_MIB * 1024 * 1024))" /dev/urandom | tee >(sha256sum | cut -d' ' -f1 >"$E2E_TMP/big.up.sha") |
	curl -fsS -o /dev/null -u "ci:$PUBLISHER_KEY" -T - "$API/acme/generic/big/1.0/big.bin" ||
	fail "large upload failed"
up_secs=$((SECONDS - start))
hwm_after=$(vm VmHWM)
rss_after=$(vm VmRSS)
start=$SECONDS
down_sum=$(curl -fsS "$API/acme/generic/big/1.0/big.bin" | sha256sum | cut -d' ' -f1)
down_secs=$((SECONDS - start))
for _ in $(seq 1 50); do [[ -s $E2E_TMP/big.up.sha ]] && break; sleep 0.1; done
assert_eq "$down_sum" "$(cat "$E2E_TMP/big.up.sha")" "SHA-256 of the ${BIG_MIB} MiB download"
echo "large upload: ${BIG_MIB} MiB in ${up_secs}s, download in ${down_secs}s; server VmHWM ${hwm_before} -> ${hwm_after} kB, VmRSS ${rss_before} -> ${rss_after} kB"
growth=$((hwm_after - hwm_before))
((growth < 64 * 1024)) || fail "server peak memory grew by ${growth} kB during a ${BIG_MIB} MiB upload"
pass "a ${BIG_MIB} MiB upload streamed with flat server memory (peak +${growth} kB) and came back byte-identical"
assert_contains "$(curl -fsS "$BASE_URL/metrics")" 'feedserver_received_bytes_total{protocol="generic"}' "metrics"
pass "bytes received are counted under protocol=\"generic\""

# --- identical content is stored once -------------------------------------------------------
assert_status 201 "$API/acme/generic/copy/1.0/same-as-tool.txt" -u "ci:$PUBLISHER_KEY" -T "$E2E_TMP/tool.txt"
blobs=$(find "$STORE_DIR/generic/blobs" -type f -name "$want_sum" | wc -l)
assert_eq "$blobs" "1" "blobs holding tool.txt's content"
pass "identical content is stored once"

# --- restart with the catalogue deleted -------------------------------------------------------
before=$(for p in tool a copy big; do curl -fsS "$API/acme/generic/$p"; done)
stop_server "$SERVER_PID"
drop_catalogue
port=$(free_port)
BASE_URL=http://127.0.0.1:$port
API=$BASE_URL/api/packages
env FEEDSERVER_DATA="$SERVER_DATA" FEEDSERVER_LISTEN="127.0.0.1:$port" "$FS" >>"$SERVER_LOG" 2>&1 &
SERVER_PID=$!
on_exit "stop_server $SERVER_PID"
for _ in $(seq 1 200); do
	curl -fsS -o /dev/null "$BASE_URL/readyz" 2>/dev/null && break
	sleep 0.1
done
assert_status 200 "$BASE_URL/readyz"
after=$(for p in tool a copy big; do curl -fsS "$API/acme/generic/$p"; done)
assert_eq "${after//127.0.0.1:$port/HOST}" "$(echo "$before" | sed -E 's#127\.0\.0\.1:[0-9]+#HOST#g')" "listings after the rebuild"
assert_eq "$(curl -fsS "$API/acme/generic/tool/1.0.0/tool.txt")" "tool v1" "a file after the rebuild"
assert_status 201 "$API/acme/generic/tool/1.0.0/new.txt" -u "ci:$PUBLISHER_KEY" -T "$E2E_TMP/tool.txt"
pass "restart with the catalogue deleted: every generic file is back with its name, version and owner"
