#!/usr/bin/env bash
# 86-reindex-readiness: the server answers while its start-up re-index runs. 20,000 packages
# are written straight into the package directory of a stopped server (scripts/load genfiles);
# on restart, while the re-index reads them, /readyz answers 503, /healthz 200, and a package
# catalogued before is downloaded, listed and found; then /readyz turns 200 and the new
# packages are all there. (scripts/long-test does the same at 100,000.)
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=faultlib.sh
source "$(dirname "$0")/faultlib.sh"

n=${READINESS_FILES:-20000}
pkgs=$E2E_TMP/pkgs
mkdir -p "$pkgs"
(cd "$ROOT" && go build -o "$E2E_TMP/load" ./scripts/load) || fail "go build ./scripts/load"

start_server
f=$(make_nupkg "$pkgs" Ready.Before 1.0.0 64)
assert_eq "$(push_nupkg "$f")" 201 "push Ready.Before"
stop_server "$SERVER_PID"
"$E2E_TMP/load" genfiles -data "$SERVER_DATA" -n "$n" -shape versions -ids 20 -prefix Ready.Gen

start_on "$SERVER_DATA"
reads=0
while :; do
	code=$(curl -s -o /dev/null -w '%{http_code}' "$BASE_URL/readyz")
	[[ $code == 503 ]] || break
	assert_status 200 "$BASE_URL/healthz"
	assert_served_as "$f" Ready.Before 1.0.0
	assert_eq "$(flat_versions Ready.Before)" 1.0.0 "flat container of Ready.Before during the re-index"
	assert_status 200 "$BASE_URL/v3/search?q=Ready.Before"
	assert_contains "$(cat "$E2E_TMP/last-body")" '"id":"Ready.Before"' "search during the re-index"
	reads=$((reads + 1))
done
assert_eq "$code" 200 "/readyz after the re-index"
((reads > 0)) || fail "the re-index of $n files was over before the first probe; nothing was tested (raise READINESS_FILES)"
pass "$reads rounds of reads served while the re-index ran (/readyz 503, /healthz 200)"

grep -q "msg=\"re-index finished\".* added=$n .*failed=0" "$SERVER_LOG" || fail "the re-index did not add $n files: $(grep 're-index finished' "$SERVER_LOG")"
assert_eq "$(flat_versions Ready.Gen.P0 | wc -l)" $((n / 20)) "versions of Ready.Gen.P0 after the re-index"
assert_eq "$(metric feedserver_reindex_files_added_total)" "$n" "feedserver_reindex_files_added_total"
pass "after /readyz turned 200, all $n new packages are catalogued"
