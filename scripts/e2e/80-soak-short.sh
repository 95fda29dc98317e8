#!/usr/bin/env bash
# 80-soak-short: 30 seconds of scripts/soak against the real server binary: 8 clients push,
# download, search, list and delete at once; then every acknowledged and not deleted package
# downloads byte for byte, deleted ones are gone, the flat container lists exactly the files on
# disk, and `feedserver reindex` afterwards adds and removes nothing. (scripts/soak runs the
# same for 3 minutes.)
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

bin=$(build_server)
(cd "$ROOT" && go build -o "$E2E_TMP/load" ./scripts/load) || fail "go build ./scripts/load"
out=$E2E_TMP/soak.out
if ! "$E2E_TMP/load" soak -server "$bin" -duration "${SOAK_DURATION:-30s}" >"$out" 2>&1; then
	cat "$out"
	fail "the soak failed"
fi
cat "$out"
grep -q '^soak: ok$' "$out" || fail "the soak did not report ok"
pass "soak: $(grep -E '^[0-9]+ operations' "$out")"
