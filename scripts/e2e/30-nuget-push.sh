#!/usr/bin/env bash
# NuGet.exe 5.8 pushes to every publish URL (v2, Octopus' /nuget/packages, ?replace=true,
# the v3 service index), meets 409/-SkipDuplicate, 401 and 403, deletes, and the
# downloaded .nupkg is byte-identical to the pushed one. curl covers raw bodies and the
# error codes NuGet.exe does not show.
source "$(dirname "$0")/lib.sh"
start_server
BIN=$(build_server)
FIX=$ROOT/fixtures/good
PUBLISHER_KEY=$("$BIN" apikey create --name e2e-publisher --role publisher --data "$SERVER_DATA")
[[ $PUBLISHER_KEY == API-* ]] || fail "apikey create printed '$PUBLISHER_KEY'"

# push_ok SOURCE FILE KEY: nuget push succeeds.
push_ok() {
	local out
	out=$(nuget_cmd push "$2" -Source "$1" -ApiKey "$3" 2>&1) || fail "push $2 to $1: $out"
	assert_contains "$out" "Your package was pushed" "push $2 to $1"
}
# flat_versions ID: the flat container's version list.
flat_versions() { curl -fsS "$BASE_URL/v3/package/$1/index.json"; }

push_ok "$BASE_URL/api/v2/package" "$FIX/Fixture.Plain.1.0.0.nupkg" "$ADMIN_KEY"
pass "push to /api/v2/package"
push_ok "$BASE_URL/nuget/packages" "$FIX/Fixture.Versions.1.0.0.nupkg" "$PUBLISHER_KEY"
pass "push to /nuget/packages with a publisher key"
push_ok "$BASE_URL/v3/index.json" "$FIX/Fixture.Versions.2.0.0.nupkg" "$PUBLISHER_KEY"
pass "push via the v3 service index"
assert_eq "$(flat_versions fixture.versions)" '{"versions":["1.0.0","2.0.0"]}' "flat container versions"

# A duplicate is 409: the push fails and says how to skip; -SkipDuplicate exits 0.
if out=$(nuget_cmd push "$FIX/Fixture.Plain.1.0.0.nupkg" -Source "$BASE_URL/api/v2/package" -ApiKey "$ADMIN_KEY" 2>&1); then
	fail "duplicate push succeeded: $out"
fi
assert_contains "$out" "409" "duplicate push output"
assert_contains "$out" "SkipDuplicate" "duplicate push output"
out=$(nuget_cmd push "$FIX/Fixture.Plain.1.0.0.nupkg" -Source "$BASE_URL/api/v2/package" -ApiKey "$ADMIN_KEY" -SkipDuplicate 2>&1) ||
	fail "-SkipDuplicate push failed: $out"
assert_contains "$out" "already exists" "-SkipDuplicate output"
pass "409 on a duplicate, -SkipDuplicate exits 0"

# ?replace=true overwrites for an administrator (NuGet.exe sends ?replace=true/), not for a publisher.
if out=$(nuget_cmd push "$FIX/Fixture.Versions.1.0.0.nupkg" -Source "$BASE_URL/nuget/packages?replace=true" -ApiKey "$PUBLISHER_KEY" 2>&1); then
	fail "a publisher replaced a package: $out"
fi
assert_contains "$out" "403" "publisher replace"
push_ok "$BASE_URL/nuget/packages?replace=true" "$FIX/Fixture.Versions.1.0.0.nupkg" "$ADMIN_KEY"
pass "replace=true: 403 for a publisher, replaced by an administrator"

# No key: 401. A wrong key: 403.
if out=$(nuget_cmd push "$FIX/Fixture.Prerelease.1.0.0-beta.1.nupkg" -Source "$BASE_URL/api/v2/package" 2>&1); then
	fail "push without a key succeeded: $out"
fi
assert_contains "$out" "401" "push without a key"
if out=$(nuget_cmd push "$FIX/Fixture.Prerelease.1.0.0-beta.1.nupkg" -Source "$BASE_URL/api/v2/package" -ApiKey "API-WRONGWRONGWRONGWRONGWRONGWRONG" 2>&1); then
	fail "push with a wrong key succeeded: $out"
fi
assert_contains "$out" "403" "push with a wrong key"
pass "no key 401, wrong key 403"

# The downloaded package is the pushed one, byte for byte (v3 flat container and v2 download).
curl -fsS -o "$E2E_TMP/dl.nupkg" "$BASE_URL/v3/package/fixture.plain/1.0.0/fixture.plain.1.0.0.nupkg"
cmp "$E2E_TMP/dl.nupkg" "$FIX/Fixture.Plain.1.0.0.nupkg" || fail "flat-container download differs"
curl -fsS -o "$E2E_TMP/dl2.nupkg" "$BASE_URL/api/v2/package/Fixture.Plain/1.0.0"
cmp "$E2E_TMP/dl2.nupkg" "$FIX/Fixture.Plain.1.0.0.nupkg" || fail "v2 download differs"
pass "downloads are byte-identical"

# nuget delete: a publisher may not (403), an administrator may; then it is gone.
if out=$(nuget_cmd delete Fixture.Versions 2.0.0 -Source "$BASE_URL/api/v2/package" -ApiKey "$PUBLISHER_KEY" 2>&1); then
	fail "a publisher deleted a package: $out"
fi
assert_contains "$out" "403" "publisher delete"
out=$(nuget_cmd delete Fixture.Versions 2.0.0 -Source "$BASE_URL/api/v2/package" -ApiKey "$ADMIN_KEY" 2>&1) || fail "delete: $out"
assert_eq "$(flat_versions fixture.versions)" '{"versions":["1.0.0"]}' "versions after delete"
assert_status 404 "$BASE_URL/v3/package/fixture.versions/2.0.0/fixture.versions.2.0.0.nupkg"
pass "nuget delete: 403 for a publisher, removed by an administrator"

# curl: a raw body, and the codes for a bad package, no key and an oversize upload.
assert_status 201 "$BASE_URL/api/v2/package/" -X PUT -H "X-NuGet-ApiKey: $ADMIN_KEY" --data-binary "@$FIX/Fixture.FourPart.1.2.3.4.nupkg"
assert_status 400 "$BASE_URL/api/v2/package/" -X PUT -H "X-NuGet-ApiKey: $ADMIN_KEY" --data-binary "@$ROOT/fixtures/bad/not-a-zip.nupkg"
assert_status 401 "$BASE_URL/api/v2/package/" -X PUT --data-binary "@$FIX/Fixture.Readme.1.0.0.nupkg"
for bad in "$ROOT"/fixtures/bad/*; do
	code=$(curl -s -o "$E2E_TMP/body" -w '%{http_code}' -X PUT -H "X-NuGet-ApiKey: $ADMIN_KEY" -F "package=@$bad" "$BASE_URL/api/v2/package/")
	[[ $code == 400 || $code == 413 ]] || fail "bad fixture $(basename "$bad"): status $code, body $(head -c 300 "$E2E_TMP/body")"
	[[ -s $E2E_TMP/body ]] || fail "bad fixture $(basename "$bad"): empty error body"
done
stored=$(find "$STORE_DIR" -name '*.nupkg' | wc -l)
assert_eq "$stored" 3 "packages stored after the bad pushes (Plain, Versions 1.0.0, FourPart, and none of the bad ones)"
pass "raw body 201; bad packages 400 with a message and nothing stored; no key 401"

# Keys never reach the log in clear text. Access log lines reach the file
# within 100 ms of their request (the server batches them).
sleep 0.3
if grep -q -e "$ADMIN_KEY" -e "$PUBLISHER_KEY" "$SERVER_LOG"; then
	fail "an API key appears in the server log"
fi
if dump_databases | grep -a -q -e "$ADMIN_KEY" -e "$PUBLISHER_KEY"; then
	fail "an API key appears in clear text in a database"
fi
pass "no key in the log or the databases"
