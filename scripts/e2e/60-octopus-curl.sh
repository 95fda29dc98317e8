#!/usr/bin/env bash
# 60-octopus-curl: the Octopus built-in repository API driven with curl exactly as
# Octopus' docs show it (and the other request forms of docs/protocol/octopus.md §1): uploads
# with every overwrite mode, list/get/download/delete, spaces with space-limited keys,
# and a restart with the catalogue and search index deleted that keeps everything.
source "$(dirname "$0")/lib.sh"

start_server
BIN=$(build_server)
API_KEY=$ADMIN_KEY

# Packages made on the spot: the raw feed identifies archives by file name.
mkdir -p "$E2E_TMP/pkgs"
cd "$E2E_TMP/pkgs"
head -c 4096 /dev/urandom >payload.bin
zip -q MyApp.1.0.0.zip payload.bin
head -c 100 /dev/urandom >>payload.bin
zip -q MyApp.1.0.1.zip payload.bin
tar -czf MyApp.Web.2.0.0-beta.1.tar.gz payload.bin
cp "$ROOT/fixtures/good/Fixture.ChainC.1.0.0.nupkg" .

# status METHOD URL [curl args...]: prints the HTTP status; the body goes to $E2E_TMP/body.
status() {
	local method=$1 url=$2
	shift 2
	curl -s -o "$E2E_TMP/body" -w '%{http_code}' -X "$method" "$@" "$url"
}
body() { cat "$E2E_TMP/body"; }
json() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2], {"d": d}))' "$E2E_TMP/body" "$1"; }

# --- discovery -----------------------------------------------------------------------
assert_eq "$(status GET "$BASE_URL/api")" 200 "GET /api"
assert_eq "$(json 'd["ApiVersion"]')" 3.0.0 "ApiVersion"
install_id=$(json 'd["InstallationId"]')
assert_eq "$(status GET "$BASE_URL/api/spaces?partialName=Default&skip=0&take=2147483647" -H "X-Octopus-ApiKey: $API_KEY")" 200 "spaces"
assert_eq "$(json '[i["Id"] for i in d["Items"] if i["Name"]=="Default"][0]')" Spaces-1 "default space id"
pass "discovery: /api, /api/spaces"

# --- uploads, as the docs write them --------------------------------------------------
assert_eq "$(status POST "$BASE_URL/api/Spaces-1/packages/raw" -H "X-Octopus-ApiKey: $API_KEY" -F "data=@MyApp.1.0.0.zip")" 201 "docs curl upload"
assert_eq "$(json 'd["Id"]')" packages-MyApp.1.0.0 "resource id"
assert_eq "$(json 'd["Hash"]')" "$(sha1sum MyApp.1.0.0.zip | cut -d' ' -f1)" "Hash is the SHA-1"
# The older docs form: default space, no space id.
assert_eq "$(status POST "$BASE_URL/api/packages/raw" -H "X-Octopus-ApiKey: $API_KEY" -F "data=@MyApp.1.0.1.zip")" 201 "upload to /api/packages/raw"
# apikey in the query, fileData field (docs PowerShell/Python).
assert_eq "$(status POST "$BASE_URL/api/Spaces-1/packages/raw?apikey=$API_KEY" -F "fileData=@MyApp.Web.2.0.0-beta.1.tar.gz")" 201 "apikey query upload"
# A .nupkg through the Octopus API is identified by its nuspec.
assert_eq "$(status POST "$BASE_URL/api/Spaces-1/packages/raw" -H "X-Octopus-ApiKey: $API_KEY" -F "file=@Fixture.ChainC.1.0.0.nupkg;filename=C:\\build\\out\\renamed.nupkg")" 201 "nupkg upload"
assert_eq "$(json 'd["PackageId"]')" Fixture.ChainC "nupkg identity"
pass "uploads: docs curl, default space, apikey query, nupkg"

# --- overwrite modes -----------------------------------------------------------------
assert_eq "$(status POST "$BASE_URL/api/Spaces-1/packages/raw" -H "X-Octopus-ApiKey: $API_KEY" -F "data=@MyApp.1.0.0.zip")" 409 "duplicate"
assert_contains "$(body)" "A package with the same ID and version already exists" "409 body"
assert_eq "$(status POST "$BASE_URL/api/Spaces-1/packages/raw?overwriteMode=IgnoreIfExists" -H "X-Octopus-ApiKey: $API_KEY" -F "data=@MyApp.1.0.0.zip")" 200 "IgnoreIfExists"
cp MyApp.1.0.1.zip replacement.zip
assert_eq "$(status POST "$BASE_URL/api/Spaces-1/packages/raw?overwriteMode=OverwriteExisting" -H "X-Octopus-ApiKey: $API_KEY" -F "data=@replacement.zip;filename=MyApp.1.0.0.zip")" 201 "OverwriteExisting"
assert_eq "$(json 'd["PackageSizeBytes"]')" "$(stat -c %s MyApp.1.0.1.zip)" "overwritten size"
assert_eq "$(status POST "$BASE_URL/api/Spaces-1/packages/raw?replace=true" -H "X-Octopus-ApiKey: $API_KEY" -F "data=@MyApp.1.0.0.zip")" 201 "legacy replace=true"
assert_eq "$(status POST "$BASE_URL/api/Spaces-1/packages/raw" -H "X-Octopus-ApiKey: $API_KEY" -F "data=@payload.bin;filename=MyApp.zip")" 400 "a name without a version"
assert_contains "$(body)" "<PackageId>.<Version>" "400 says how to name the file"
assert_eq "$(status POST "$BASE_URL/api/Spaces-1/packages/raw" -F "data=@MyApp.1.0.0.zip")" 401 "no key"
pass "overwrite modes: 409, 200 ignored, 201 overwritten, replace=true, 400, 401"

# --- list, get, download, delete -------------------------------------------------------
assert_eq "$(status GET "$BASE_URL/api/Spaces-1/packages?nuGetPackageId=MyApp" -H "X-Octopus-ApiKey: $API_KEY")" 200 "list by id"
assert_eq "$(json 'd["TotalResults"]')" 2 "MyApp versions"
assert_eq "$(json '" ".join(i["Version"] for i in d["Items"])')" "1.0.1 1.0.0" "newest first"
assert_eq "$(status GET "$BASE_URL/api/Spaces-1/packages?filter=myapp&latest=true" -H "X-Octopus-ApiKey: $API_KEY")" 200 "latest by filter"
assert_eq "$(json '" ".join(i["Id"] for i in d["Items"])')" "packages-MyApp.1.0.1 packages-MyApp.Web.2.0.0-beta.1" "latest per id"
assert_eq "$(status GET "$BASE_URL/api/Spaces-1/packages/packages-MyApp.1.0.1" -H "X-Octopus-ApiKey: $API_KEY")" 200 "get with prefix"
raw=$(json 'd["Links"]["Raw"]')
assert_eq "$(status GET "$BASE_URL/api/Spaces-1/packages/MyApp.1.0.1" -H "X-Octopus-ApiKey: $API_KEY")" 200 "get without prefix"
curl -fsS -H "X-Octopus-ApiKey: $API_KEY" -o downloaded.zip "$BASE_URL$raw" || fail "download $raw"
cmp -s downloaded.zip MyApp.1.0.1.zip || fail "download differs from the upload"
assert_eq "$(status GET "$BASE_URL/api/Spaces-1/feeds/feeds-builtin/packages/versions?packageId=MyApp.Web" -H "X-Octopus-ApiKey: $API_KEY")" 200 "feed versions"
assert_eq "$(json 'd["Items"][0]["Version"]')" 2.0.0-beta.1 "feed versions item"
pass "list, get (both id forms), download, feed versions"

# --- spaces and space-limited keys -----------------------------------------------------
space2=$("$BIN" space create --name Operations --data "$SERVER_DATA") || fail "space create"
assert_eq "$space2" Spaces-2 "new space id"
key2=$("$BIN" apikey create --name ops --role administrator --space "$space2" --data "$SERVER_DATA") || fail "apikey create"
assert_eq "$(status POST "$BASE_URL/api/$space2/packages/raw" -H "X-Octopus-ApiKey: $key2" -F "data=@MyApp.1.0.0.zip")" 201 "push to Spaces-2"
assert_eq "$(status POST "$BASE_URL/api/Spaces-1/packages/raw?overwriteMode=IgnoreIfExists" -H "X-Octopus-ApiKey: $key2" -F "data=@MyApp.1.0.0.zip")" 403 "Spaces-2 key pushes to Spaces-1"
assert_eq "$(status GET "$BASE_URL/api/Spaces-1/packages" -H "X-Octopus-ApiKey: $key2")" 403 "Spaces-2 key reads Spaces-1"
assert_eq "$(status DELETE "$BASE_URL/api/Spaces-1/packages/packages-MyApp.1.0.1" -H "X-Octopus-ApiKey: $key2")" 403 "Spaces-2 key deletes in Spaces-1"
assert_eq "$(status GET "$BASE_URL/api/$space2/packages" -H "X-Octopus-ApiKey: $key2")" 200 "Spaces-2 list"
assert_eq "$(json 'd["TotalResults"]')" 1 "Spaces-2 holds only its own package"
assert_eq "$(status GET "$BASE_URL/api/Spaces-3/packages" -H "X-Octopus-ApiKey: $API_KEY")" 404 "unknown space"
pass "spaces: create, space-limited key refused elsewhere, unknown space 404"

# --- delete (plain DELETE and .NET's override) ----------------------------------------
assert_eq "$(status DELETE "$BASE_URL/api/Spaces-1/packages/packages-MyApp.1.0.0" -H "X-Octopus-ApiKey: $API_KEY")" 200 "delete"
assert_eq "$(status POST "$BASE_URL/api/Spaces-1/packages/raw" -H "X-Octopus-ApiKey: $API_KEY" -F "data=@MyApp.1.0.0.zip")" 201 "re-push after delete"
assert_eq "$(status POST "$BASE_URL/api/Spaces-1/packages/packages-MyApp.1.0.0" -H "X-Octopus-ApiKey: $API_KEY" -H "X-HTTP-Method-Override: DELETE")" 200 "delete via override"
assert_eq "$(status GET "$BASE_URL/api/Spaces-1/packages/packages-MyApp.1.0.0" -H "X-Octopus-ApiKey: $API_KEY")" 404 "deleted"
pass "delete and X-HTTP-Method-Override"

# --- restart with the catalogue and search index deleted ------------------------------
before=$(curl -fsS -H "X-Octopus-ApiKey: $API_KEY" "$BASE_URL/api/Spaces-1/packages?take=2147483647" |
	python3 -c 'import json,sys; print(" ".join(sorted(i["Id"]+"="+i["Hash"] for i in json.load(sys.stdin)["Items"])))')
stop_server "$SERVER_PID"
drop_catalogue
port=${BASE_URL##*:}
env FEEDSERVER_DATA="$SERVER_DATA" FEEDSERVER_LISTEN="127.0.0.1:$port" "$BIN" >>"$SERVER_LOG" 2>&1 &
SERVER_PID=$!
on_exit "stop_server $SERVER_PID"
for _ in $(seq 1 100); do
	curl -fsS -o /dev/null "$BASE_URL/readyz" 2>/dev/null && break
	sleep 0.1
done
assert_eq "$(status GET "$BASE_URL/readyz")" 200 "ready after restart"
after=$(curl -fsS -H "X-Octopus-ApiKey: $API_KEY" "$BASE_URL/api/Spaces-1/packages?take=2147483647" |
	python3 -c 'import json,sys; print(" ".join(sorted(i["Id"]+"="+i["Hash"] for i in json.load(sys.stdin)["Items"])))')
assert_eq "$after" "$before" "Spaces-1 packages after re-index"
assert_eq "$(status GET "$BASE_URL/api/$space2/packages" -H "X-Octopus-ApiKey: $key2")" 200 "Spaces-2 after restart"
assert_eq "$(json 'd["TotalResults"]')" 1 "Spaces-2 package after re-index"
assert_eq "$(status GET "$BASE_URL/api")" 200 "root after restart"
assert_eq "$(json 'd["InstallationId"]')" "$install_id" "InstallationId is stable"
pass "restart with the catalogue and search index deleted keeps packages, spaces, keys and InstallationId"
