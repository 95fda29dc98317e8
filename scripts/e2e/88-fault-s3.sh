#!/usr/bin/env bash
# 88-fault-s3: the server on an S3 store (versitygw on loopback, -storage s3://…), stopped
# and started again under it. NuGet.exe pushes and installs through it; four curl clients
# push while the store is stopped: every answer is 201 or 503, never a 500; a download,
# NuGet.exe's push and /readyz answer 503 while it is down; nothing partial is in the
# bucket (a 60 MiB multipart upload cut by the stop included); when the store is back the
# same server process serves every acknowledged package byte-identical and takes the
# refused pushes. Then the catalogue is deleted and the re-index brings every package back
# from the bucket.
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=faultlib.sh
source "$(dirname "$0")/faultlib.sh"

command -v jq >/dev/null || fail "jq missing"

# versitygw's posix backend (scripts/services.sh): objects are plain files under S3_ROOT.
BUCKET=feeds
s3_start "$E2E_TMP/s3" || fail "versitygw did not start"
on_exit 's3_stop'
s3_mkbucket "$BUCKET" || fail "create the bucket"

# s3_versions ID: versions of ID with an object in the bucket, from the gateway's files.
s3_versions() {
	local id=${1,,} f
	for f in "$S3_ROOT/$BUCKET/feed/spaces-1/nuget/$id/$id".*.nupkg; do
		[[ -f $f ]] || continue
		f=${f##*/}
		f=${f#"$id".}
		echo "${f%.nupkg}"
	done | sort
}

pkgs=$E2E_TMP/pkgs
mkdir -p "$pkgs"
S3_ENV=(AWS_ACCESS_KEY_ID="$S3_KEY" AWS_SECRET_ACCESS_KEY="$S3_SECRET"
	FEEDSERVER_STORAGE="s3://$BUCKET/feed?endpoint=$S3_URL&region=us-east-1&path-style=true")
start_on "$E2E_TMP/data" "${S3_ENV[@]}"
wait_ready
server_pid=$SERVER_PID
grep -q 'msg="package store" store="s3://feeds/feed at '"$S3_URL"'"' "$SERVER_LOG" || fail "the log does not name the S3 store"
if grep -q "$S3_SECRET" "$SERVER_LOG"; then fail "the secret is in the log"; fi

# --- the store up: a real client pushes and installs --------------------------------------
f=$(make_nupkg "$pkgs" S3.Before 1.0.0 64)
out=$(nuget_cmd push "$f" -Source "$BASE_URL/api/v2/package" -ApiKey "$ADMIN_KEY" 2>&1) || fail "NuGet.exe push: $out"
out=$(nuget_cmd install S3.Before -Version 1.0.0 -Source "$BASE_URL/v3/index.json" -OutputDirectory "$E2E_TMP/installed" 2>&1) ||
	fail "NuGet.exe install: $out"
cmp -s "$f" "$E2E_TMP/installed/S3.Before.1.0.0/S3.Before.1.0.0.nupkg" || fail "the installed package differs from the pushed one"
assert_eq "$(s3_versions S3.Before)" 1.0.0 "S3.Before in the bucket"
pass "NuGet.exe pushed S3.Before and installed it byte-identical from the bucket"

# --- four pushers; the store stops under them ---------------------------------------------
start_pushers "$pkgs" S3 64
s3_stop
echo "the store stopped after $(cat "$pkgs"/acks-* | wc -l) pushes"

# While it is down: a download, /readyz and NuGet.exe's push answer 503.
assert_status 503 "$BASE_URL/v3/package/s3.before/1.0.0/s3.before.1.0.0.nupkg"
assert_contains "$(cat "$E2E_TMP/last-body")" "unavailable" "the 503's text"
assert_status 503 "$BASE_URL/readyz"
assert_contains "$(cat "$E2E_TMP/last-body")" "package store" "/readyz names the store"
assert_status 200 "$BASE_URL/healthz"
assert_status 200 "$BASE_URL/v3/package/s3.before/index.json" # the catalogue still answers
f=$(make_nupkg "$pkgs" S3.During 1.0.0 64)
if out=$(nuget_cmd push "$f" -Source "$BASE_URL/api/v2/package" -ApiKey "$ADMIN_KEY" 2>&1); then
	fail "NuGet.exe push succeeded with the store down: $out"
fi
assert_contains "$out" "503" "NuGet.exe's message"
big=$(make_nupkg "$pkgs" S3.Big 1.0.0 $((20 * 1024)))
assert_eq "$(push_nupkg "$big")" 503 "a 20 MiB push (multipart) while the store is down"
pass "store down: downloads, /readyz and pushes (NuGet.exe, a multipart one) answer 503; the catalogue still answers"

wait_pushers
acked=("${ACKED[@]}")
refused=("${REFUSED[@]}")

# --- the store back: the same process serves and takes pushes again -----------------------
s3_resume || fail "versitygw did not start again"
wait_ready 10
assert_status 200 "$BASE_URL/readyz"
kill -0 "$server_pid" || fail "the server is gone"
for id in S3.Before "${acked[@]}"; do
	assert_served_as "$pkgs/$id.1.0.0.nupkg" "$id" 1.0.0
done
for id in "${refused[@]}" S3.During S3.Big; do
	assert_eq "$(flat_versions "$id")" "" "versions served for refused $id"
	assert_eq "$(s3_versions "$id")" "" "objects in the bucket for refused $id"
done
pass "store back, same server process: ${#acked[@]} acknowledged packages served byte-identical; nothing of the ${#refused[@]} refused ones"
for id in "${refused[@]}" S3.During; do
	assert_eq "$(push_nupkg "$pkgs/$id.1.0.0.nupkg")" 201 "push $id again"
done
out=$(nuget_cmd push "$big" -Source "$BASE_URL/api/v2/package" -ApiKey "$ADMIN_KEY" 2>&1) || fail "NuGet.exe push of 20 MiB: $out"
assert_served_as "$big" S3.Big 1.0.0
pass "the refused pushes, and the 20 MiB one by NuGet.exe, succeed once the store is back"

# --- a multipart upload cut by the store stopping: nothing visible ------------------------
huge=$(make_nupkg "$pkgs" S3.Huge 1.0.0 $((60 * 1024)))
code_file=$E2E_TMP/huge-code
(push_nupkg "$huge" >"$code_file") &
huge_pid=$!
# The upload has begun when the gateway holds a part of it.
for _ in $(seq 1 300); do
	find "$S3_ROOT/$BUCKET" -path '*multipart*' -type f 2>/dev/null | grep -q . && break
	sleep 0.02
done
s3_stop
wait "$huge_pid" || true
code=$(cat "$code_file")
s3_resume || fail "versitygw did not start again"
if [[ $code == 201 ]]; then
	echo "note: the 60 MiB upload completed before the stop"
	assert_served_as "$huge" S3.Huge 1.0.0
else
	assert_eq "$code" 503 "the 60 MiB push cut by the stop"
	assert_eq "$(flat_versions S3.Huge)" "" "versions served for the cut push"
	assert_eq "$(s3_versions S3.Huge)" "" "objects in the bucket for the cut push"
	pass "a 60 MiB multipart upload cut by the stop answered 503 and left no object"
fi

# --- the catalogue deleted: the re-index brings every package back from the bucket --------
stop_server "$server_pid"
rm -rf "$E2E_TMP/data/catalog.db"* "$E2E_TMP/data/search"
start_on "$E2E_TMP/data" "${S3_ENV[@]}"
wait_ready
for id in S3.Before "${acked[@]}" "${refused[@]}" S3.During S3.Big; do
	assert_served_as "$pkgs/$id.1.0.0.nupkg" "$id" 1.0.0
done
grep -q 're-index finished.* failed=0' "$SERVER_LOG" || fail "the re-index failed on some file: $(grep 're-index' "$SERVER_LOG" | tail -2)"
pass "catalogue deleted: the re-index over the bucket brought back all $((${#acked[@]} + ${#refused[@]} + 3)) packages"
