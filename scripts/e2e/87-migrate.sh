#!/usr/bin/env bash
# 87-migrate: a feed on one machine (a data folder: SQLite and packages/) moves to PostgreSQL
# and an S3 bucket with `feedserver migrate`. The folder gets what real clients leave there:
# NuGet.exe pushes (two spaces, one version unlisted, downloads counted), an Octopus upload by
# curl, a generic file, keys made by `feedserver apikey create`, a space and an owner. After
# the move, a server on the new backends alone (a fresh data folder) serves it: NuGet.exe
# installs every package byte-identical, the Octopus archive and the generic file download
# unchanged, the unlisted version stays unlisted, the download count is kept, and the keys
# made before the move push. A second migrate finds everything there; one into a bucket
# that holds other bytes under a key fails, naming it.
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=faultlib.sh
source "$(dirname "$0")/faultlib.sh"

BIN=$(build_server)
# versitygw's posix backend and a throwaway PostgreSQL cluster (scripts/services.sh).
s3_start "$E2E_TMP/s3" || fail "versitygw did not start"
on_exit 's3_stop'
s3_mkbucket feeds || fail "create the bucket feeds"
pg_start || fail "PostgreSQL did not start"
on_exit 'pg_remove'
PG_URL=$(pg_url postgres)
AWS_ENV=(AWS_ACCESS_KEY_ID="$S3_KEY" AWS_SECRET_ACCESS_KEY="$S3_SECRET")
TO_STORAGE="s3://feeds/feed?endpoint=$S3_URL&region=us-east-1&path-style=true"

# --- the single-machine feed --------------------------------------------------------------
src=$E2E_TMP/source
start_on "$src" FEEDSERVER_DELETE_MODE=unlist
wait_ready
cli() { env FEEDSERVER_DATA="$src" "$BIN" "$@"; }
publisher=$(cli apikey create --name ci --role publisher) || fail "apikey create"
space=$(cli space create --name Second) || fail "space create"
assert_eq "$space" Spaces-2 "the new space"
cli owner create acme >/dev/null || fail "owner create"

pkgs=$E2E_TMP/pkgs
mkdir -p "$pkgs"
declare -A pushed # "ID VERSION" -> file
nuget_push() {     # FILE SOURCE KEY
	local out
	out=$(nuget_cmd push "$1" -Source "$2" -ApiKey "$3" 2>&1) || fail "NuGet.exe push $1: $out"
}
for v in 1.0.0 1.1.0; do
	pushed["Moved.Lib $v"]=$(make_nupkg "$pkgs" Moved.Lib $v 64)
	nuget_push "${pushed["Moved.Lib $v"]}" "$BASE_URL/api/v2/package" "$publisher"
done
pushed["Moved.Big 2.0.0"]=$(make_nupkg "$pkgs" Moved.Big 2.0.0 $((6 * 1024)))
nuget_push "${pushed["Moved.Big 2.0.0"]}" "$BASE_URL/api/v2/package" "$ADMIN_KEY"
second=$(make_nupkg "$pkgs" Moved.Second 1.0.0 16)
nuget_push "$second" "$BASE_URL/Spaces-2/nuget/packages" "$publisher"
out=$(nuget_cmd delete Moved.Lib 1.1.0 -Source "$BASE_URL/api/v2/package" -ApiKey "$ADMIN_KEY" 2>&1) || fail "NuGet.exe delete (unlist): $out"
for _ in 1 2 3; do
	assert_status 200 "$BASE_URL/api/v2/package/Moved.Lib/1.0.0"
done
mkdir -p "$E2E_TMP/app"
echo "the app" >"$E2E_TMP/app/run.sh"
(cd "$E2E_TMP/app" && zip -q -X "$pkgs/MyApp.Web.1.2.3.zip" run.sh)
assert_status 201 "$BASE_URL/api/Spaces-2/packages/raw" -X POST -H "X-Octopus-ApiKey: $ADMIN_KEY" -F "file=@$pkgs/MyApp.Web.1.2.3.zip"
head -c 100000 /dev/urandom >"$pkgs/tool.bin"
assert_status 201 "$BASE_URL/api/packages/acme/generic/tool/1.0/tool.bin" -u "ci:$ADMIN_KEY" -T "$pkgs/tool.bin"
stop_server "$SERVER_PID" # flushes the download counts
pass "a data folder with NuGet.exe pushes in two spaces, an unlisted version, downloads, an Octopus upload, a generic file, keys, a space and an owner"

# --- migrate --------------------------------------------------------------------------------
out=$(env "${AWS_ENV[@]}" FEEDSERVER_DATA="$src" "$BIN" migrate --to-database "$PG_URL" --to-storage "$TO_STORAGE" 2>"$E2E_TMP/migrate.err") ||
	fail "migrate: $(cat "$E2E_TMP/migrate.err")"
echo "$out"
grep -q '^migrate: blobs 7/7 (copied 7, already there 0)' "$E2E_TMP/migrate.err" || fail "progress: $(cat "$E2E_TMP/migrate.err")"
grep -q '^migrate: verified: blobs 7 (SHA-512 read back), package rows 5, generic file rows 1, API keys 2, spaces 2, owners 1$' "$E2E_TMP/migrate.err" ||
	fail "verification line: $(cat "$E2E_TMP/migrate.err")"
pass "migrate copied and verified 7 blobs, 5 package rows, the generic row, 2 keys, 2 spaces and the owner"

# --- the server on PostgreSQL and S3 ---------------------------------------------------------
BASE_URL="" # a new port
start_on "$E2E_TMP/replica" "${AWS_ENV[@]}" FEEDSERVER_DATABASE="$PG_URL" FEEDSERVER_STORAGE="$TO_STORAGE"
wait_ready
# Before the installs below, which count too.
count=$(curl -fsS "$BASE_URL/api/v2/FindPackagesById()?id='Moved.Lib'" | grep -o '<d:VersionDownloadCount m:type="Edm.Int32">[0-9]*' | head -1 | grep -o '[0-9]*$')
assert_eq "$count" 3 "downloads of Moved.Lib 1.0.0"
for k in "${!pushed[@]}"; do
	read -r id v <<<"$k"
	out=$(nuget_cmd install "$id" -Version "$v" -Source "$BASE_URL/v3/index.json" -OutputDirectory "$E2E_TMP/installed" 2>&1) ||
		fail "NuGet.exe install $id $v: $out"
	cmp -s "${pushed[$k]}" "$E2E_TMP/installed/$id.$v/$id.$v.nupkg" || fail "$id $v installed from the new backends differs from the pushed file"
done
curl -fsS -o "$E2E_TMP/second.nupkg" -H "X-Octopus-ApiKey: $ADMIN_KEY" "$BASE_URL/api/Spaces-2/packages/Moved.Second.1.0.0/raw" || fail "download Moved.Second from Spaces-2"
cmp -s "$second" "$E2E_TMP/second.nupkg" || fail "Moved.Second in Spaces-2 differs"
pass "NuGet.exe installs every package from the new backends byte-identical; Spaces-2's package downloads unchanged"

curl -fsS -o "$E2E_TMP/app.zip" -H "X-Octopus-ApiKey: $ADMIN_KEY" "$BASE_URL/api/Spaces-2/packages/MyApp.Web.1.2.3/raw" || fail "Octopus download"
cmp -s "$pkgs/MyApp.Web.1.2.3.zip" "$E2E_TMP/app.zip" || fail "the Octopus archive differs"
curl -fsS -o "$E2E_TMP/tool.bin" "$BASE_URL/api/packages/acme/generic/tool/1.0/tool.bin" || fail "generic download"
cmp -s "$pkgs/tool.bin" "$E2E_TMP/tool.bin" || fail "the generic file differs"
listed=$(curl -fsS "$BASE_URL/v3/registration/moved.lib/1.1.0.json" | jq -r .listed)
assert_eq "$listed" false "Moved.Lib 1.1.0 listed"
pass "the Octopus archive and the generic file are unchanged; Moved.Lib 1.1.0 is still unlisted and 1.0.0 kept its 3 downloads"

after=$(make_nupkg "$pkgs" Moved.After 1.0.0 8)
nuget_push "$after" "$BASE_URL/api/v2/package" "$publisher"
assert_served_as "$after" Moved.After 1.0.0
spaces=$(curl -fsS -H "X-Octopus-ApiKey: $ADMIN_KEY" "$BASE_URL/api/spaces/all" | jq -r '.[].Name' | sort | paste -sd,)
assert_eq "$spaces" "Default,Second" "spaces on the new backends"
owners=$(env "${AWS_ENV[@]}" FEEDSERVER_DATA="$E2E_TMP/replica" FEEDSERVER_DATABASE="$PG_URL" "$BIN" owner list | tail -n +2 | awk '{print $1}' | paste -sd,)
assert_eq "$owners" acme "owners on the new backends"
pass "the publisher key made before the move pushes with NuGet.exe to the new backends; spaces and owners moved"
stop_server "$SERVER_PID"

# --- again, and into a bucket that disagrees ---------------------------------------------------
out=$(env "${AWS_ENV[@]}" FEEDSERVER_DATA="$src" "$BIN" migrate --to-database "$PG_URL" --to-storage "$TO_STORAGE" 2>"$E2E_TMP/migrate2.err") ||
	fail "second migrate: $(cat "$E2E_TMP/migrate2.err")"
grep -q '^migrate: blobs 7/7 (copied 0, already there 7)' "$E2E_TMP/migrate2.err" || fail "second run: $(cat "$E2E_TMP/migrate2.err")"
pass "a second migrate copies nothing and verifies everything again"

s3_mkbucket other || fail "create the bucket other"
key=spaces-1/nuget/moved.lib/moved.lib.1.0.0.nupkg
mkdir -p "$S3_ROOT/other/feed/${key%/*}"
echo "not the package" >"$S3_ROOT/other/feed/$key"
if env "${AWS_ENV[@]}" FEEDSERVER_DATA="$src" "$BIN" migrate --to-storage "${TO_STORAGE/feeds/other}" >/dev/null 2>"$E2E_TMP/migrate3.err"; then
	fail "migrate into a bucket with another blob under $key succeeded"
fi
assert_contains "$(cat "$E2E_TMP/migrate3.err")" "already holds a different blob at $key" "the refusal"
assert_eq "$(cat "$S3_ROOT/other/feed/$key")" "not the package" "the bucket's blob"
pass "migrate into a bucket that holds other bytes under a key exits non-zero, names the key and leaves it"
