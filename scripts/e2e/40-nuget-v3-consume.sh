#!/usr/bin/env bash
# 40-nuget-v3-consume: NuGet.exe 5.8 consumes the feed through the v3 service index:
# install resolves a dependency chain from registration, SemVer2 prereleases come from the
# SemVer2 hive (RegistrationsBaseUrl/Versioned), exact old versions, 4-part versions, ids in
# another case, `nuget search`, and `nuget delete` in both delete modes. Installed .nupkg
# files are byte-identical to the pushed fixtures. The readme, icon and licence URLs from the
# service index and registration return the files the package embeds. A deprecation set with
# PUT /api/admin/deprecation appears in the registration leaf; DELETE clears it.
source "$(dirname "$0")/lib.sh"
FIX=$ROOT/fixtures/good

start_server
SOURCE=$BASE_URL/v3/index.json
OUT=$E2E_TMP/installed

push_ok() {
	local out
	out=$(nuget_cmd push "$FIX/$1" -Source "$SOURCE" -ApiKey "$ADMIN_KEY" 2>&1) || fail "push $1: $out"
}

# install_ok ID DIR ARGS...: nuget install succeeds and the package folder DIR holds a
# .nupkg identical to the fixture DIR.nupkg (folder names are case-insensitive matches).
install_ok() {
	local id=$1 dir=$2
	shift 2
	rm -rf "$OUT"
	local out
	out=$(nuget_cmd install "$id" -Source "$SOURCE" -OutputDirectory "$OUT" "$@" 2>&1) ||
		fail "nuget install $id $*: $out"
	local nupkg
	nupkg=$(find "$OUT" -maxdepth 2 -iname "$dir.nupkg" | head -n1)
	[[ -n $nupkg ]] || fail "nuget install $id $*: no $dir.nupkg under $OUT: $(find "$OUT" -maxdepth 2) $out"
	cmp -s "$nupkg" "$FIX/$dir.nupkg" || fail "installed $nupkg differs from fixtures/good/$dir.nupkg"
}

install_fails() {
	local id=$1
	shift
	rm -rf "$OUT"
	local out
	if out=$(nuget_cmd install "$id" -Source "$SOURCE" -OutputDirectory "$OUT" "$@" 2>&1); then
		fail "nuget install $id $* succeeded, want a failure: $out"
	fi
}

for f in Fixture.ChainC.1.0.0 Fixture.ChainB.1.1.0 Fixture.ChainA.1.0.0 Fixture.Prerelease.1.0.0-beta.1 \
	Fixture.Versions.1.0.0 Fixture.Versions.2.0.0 Fixture.FourPart.1.2.3.4 FiXture.MiXedCase.1.0.0; do
	push_ok "$f.nupkg"
done
pass "pushed the fixtures through $SOURCE"

install_ok Fixture.ChainA Fixture.ChainA.1.0.0
for dep in Fixture.ChainB.1.1.0 Fixture.ChainC.1.0.0; do
	nupkg=$(find "$OUT" -maxdepth 2 -iname "$dep.nupkg" | head -n1)
	[[ -n $nupkg ]] || fail "install Fixture.ChainA did not bring $dep: $(find "$OUT" -maxdepth 2)"
	cmp -s "$nupkg" "$FIX/$dep.nupkg" || fail "installed $dep differs from the fixture"
done
pass "install Fixture.ChainA resolves ChainB 1.1.0 and ChainC 1.0.0 from the feed, byte-identical"

install_fails Fixture.Prerelease
install_ok Fixture.Prerelease Fixture.Prerelease.1.0.0-beta.1 -Prerelease
pass "SemVer2 prerelease: needs -Prerelease, then installs 1.0.0-beta.1"

install_ok Fixture.Versions Fixture.Versions.1.0.0 -Version 1.0.0
install_ok Fixture.Versions Fixture.Versions.2.0.0
pass "exact old version 1.0.0 with -Version; 2.0.0 without"

install_ok Fixture.FourPart Fixture.FourPart.1.2.3.4
pass "four-part version 1.2.3.4"

install_ok fixture.mixedcase FiXture.MiXedCase.1.0.0
install_ok FIXTURE.CHAINC Fixture.ChainC.1.0.0
pass "ids typed in another case"

out=$(nuget_cmd search Fixture.Versions -Source "$SOURCE" 2>&1) || fail "nuget search: $out"
assert_contains "$out" "Fixture.Versions | 2.0.0" "nuget search Fixture.Versions"
out=$(nuget_cmd search Fixture.Prerelease -Source "$SOURCE" 2>&1) || fail "nuget search: $out"
[[ $out != *"Fixture.Prerelease |"* ]] || fail "nuget search without -PreRelease shows the prerelease-only id: $out"
out=$(nuget_cmd search Fixture.Prerelease -PreRelease -Source "$SOURCE" 2>&1) || fail "nuget search -PreRelease: $out"
assert_contains "$out" "Fixture.Prerelease | 1.0.0-beta.1" "nuget search -PreRelease"
pass "nuget search, with and without -PreRelease"

# Default delete mode: the version is gone, its exact install fails, the other stays.
out=$(nuget_cmd delete Fixture.Versions 1.0.0 -Source "$SOURCE" -ApiKey "$ADMIN_KEY" 2>&1) || fail "nuget delete: $out"
install_fails Fixture.Versions -Version 1.0.0
install_ok Fixture.Versions Fixture.Versions.2.0.0
pass "delete mode 'delete': the deleted version no longer installs"

# Unlist mode (nuget.org's): the version leaves search and latest, but installs by exact version.
start_server FEEDSERVER_DELETE_MODE=unlist
SOURCE=$BASE_URL/v3/index.json
push_ok Fixture.Versions.1.0.0.nupkg
push_ok Fixture.Versions.2.0.0.nupkg
out=$(nuget_cmd delete Fixture.Versions 2.0.0 -Source "$SOURCE" -ApiKey "$ADMIN_KEY" 2>&1) || fail "nuget delete (unlist): $out"
reg=$(curl -fsS "$BASE_URL/v3/registration-semver2/fixture.versions/index.json")
assert_contains "$reg" '"listed":false' "registration after unlisting 2.0.0"
install_ok Fixture.Versions Fixture.Versions.2.0.0 -Version 2.0.0
# (`nuget install` without -Version still takes 2.0.0: NuGet.exe 5.8 asks the registration for
# its latest version with unlisted ones included, whatever the server says.)
out=$(nuget_cmd search Fixture.Versions -Source "$SOURCE" 2>&1) || fail "nuget search: $out"
assert_contains "$out" "Fixture.Versions | 1.0.0" "nuget search after unlisting"
[[ $out != *"| 2.0.0"* ]] || fail "nuget search shows the unlisted 2.0.0: $out"
pass "delete mode 'unlist': listed:false in registration, exact install of 2.0.0 works, search shows 1.0.0 only"

# Readme, icon and licence: the URLs a client finds (ReadmeUriTemplate/6.13.0 in the service
# index, iconUrl and licenseUrl in registration) return the files the package embeds, byte
# for byte, as package bytes (nosniff, sandbox CSP, never HTML).
push_ok Fixture.LicenseFile.1.0.0.nupkg
push_ok Fixture.Readme.1.0.0.nupkg
python3 - "$SOURCE" "$FIX" <<'PY' || fail "readme, icon and licence URLs"
import json, sys, urllib.request, zipfile
source, fix = sys.argv[1], sys.argv[2]
def get(url):
    with urllib.request.urlopen(url) as r:
        return r.read(), r.headers
index = json.loads(get(source)[0])
template = [r["@id"] for r in index["resources"] if r["@type"] == "ReadmeUriTemplate/6.13.0"][0]
base = [r["@id"] for r in index["resources"] if r["@type"] == "RegistrationsBaseUrl/3.6.0"][0]
reg = json.loads(get(base + "fixture.licensefile/index.json")[0])
entry = reg["items"][0]["items"][0]["catalogEntry"]
checks = [
    (template.replace("{lower_id}", "fixture.readme").replace("{lower_version}", "1.0.0"),
     "Fixture.Readme.1.0.0.nupkg", "README.md", "text/markdown"),
    (entry["iconUrl"], "Fixture.LicenseFile.1.0.0.nupkg", "icon.png", "image/png"),
    (entry["licenseUrl"], "Fixture.LicenseFile.1.0.0.nupkg", "LICENSE.txt", "text/plain"),
]
for url, pkg, name, ctype in checks:
    body, h = get(url)
    want = zipfile.ZipFile(f"{fix}/{pkg}").read(name)
    assert body == want, f"{url}: {body!r} is not {pkg}'s {name}"
    assert h["Content-Type"].startswith(ctype), f"{url}: Content-Type {h['Content-Type']}"
    assert h["X-Content-Type-Options"] == "nosniff" and h["Content-Security-Policy"].startswith("sandbox"), f"{url}: {h}"
    print(f"{url}: {len(body)} bytes, {h['Content-Type']}")
PY
assert_status 404 "$BASE_URL/v3/package/fixture.readme/1.0.0/icon"
pass "ReadmeUriTemplate, iconUrl and licenseUrl serve the embedded files; a missing one is 404"

# Deprecation: an administrator sets it with PUT /api/admin/deprecation, and the catalog entry
# NuGet clients read (RegistrationsBaseUrl/3.6.0, the SemVer 2.0.0 hive) carries it; bad
# requests change nothing; DELETE clears it.
deprecation_of() { # VERSION: the deprecation object of Fixture.Versions VERSION, or null
	curl -fsS "$BASE_URL/v3/registration-semver2/fixture.versions/index.json" | python3 -c '
import json, sys
reg = json.load(sys.stdin)
entries = [l["catalogEntry"] for p in reg["items"] for l in p["items"]]
print(json.dumps([e.get("deprecation") for e in entries if e["version"] == sys.argv[1]][0], sort_keys=True))' "$1"
}
deprecation_api() { # METHOD BODY [curl args]: prints the status
	local method=$1 body=$2
	shift 2
	curl -s -o "$E2E_TMP/last-body" -w '%{http_code}' -X "$method" -H 'Content-Type: application/json' \
		--data-binary "$body" "$@" "$BASE_URL/api/admin/deprecation"
}
assert_eq "$(deprecation_of 1.0.0)" "null" "deprecation before any PUT"
status=$(deprecation_api PUT '{"id":"fixture.versions","versions":["1.0"],"reasons":["CriticalBugs","Legacy"],"message":"Broken; use Fixture.Readme.","alternatePackageId":"Fixture.Readme"}' \
	-H "X-NuGet-ApiKey: $ADMIN_KEY")
assert_eq "$status" 200 "PUT /api/admin/deprecation: $(cat "$E2E_TMP/last-body")"
want='{"@id": "'$BASE_URL'/v3/registration-semver2/fixture.versions/1.0.0.json#catalogEntry/deprecation", "@type": "deprecation", "alternatePackage": {"@id": "'$BASE_URL'/v3/registration-semver2/fixture.versions/1.0.0.json#catalogEntry/deprecation/alternatePackage", "@type": "alternatePackage", "id": "Fixture.Readme", "range": "*"}, "message": "Broken; use Fixture.Readme.", "reasons": ["Legacy", "CriticalBugs"]}'
assert_eq "$(deprecation_of 1.0.0)" "$want" "registration after PUT"
assert_eq "$(deprecation_of 2.0.0)" "null" "the version not named"
pass "PUT /api/admin/deprecation: the registration's catalog entry carries reasons, message and alternatePackage"

long=$(python3 -c 'print("x" * 1001)')
for bad in \
	"400 PUT {\"id\":\"Fixture.Versions\",\"versions\":[\"2.0.0\"],\"reasons\":[\"Obsolete\"]}" \
	"400 PUT {\"id\":\"Fixture.Versions\",\"versions\":[\"2.0.0\"],\"reasons\":[\"Legacy\"],\"message\":\"$long\"}" \
	"400 PUT {\"id\":\"Fixture.Versions\",\"versions\":[\"2.0.0\"],\"reasons\":[\"Legacy\"]" \
	"400 PUT {\"id\":\"Fixture.Versions\",\"versions\":[\"2.0.0\"],\"reasons\":[\"Legacy\"],\"alternatePackageId\":\"No.Such.Package\"}" \
	"404 PUT {\"id\":\"Fixture.Versions\",\"versions\":[\"2.0.0\",\"9.9.9\"],\"reasons\":[\"Legacy\"]}" \
	"404 DELETE {\"id\":\"Fixture.Versions\",\"versions\":[\"1.0.0\",\"9.9.9\"]}"; do
	read -r want_status method body <<<"$bad"
	assert_eq "$(deprecation_api "$method" "$body" -H "X-NuGet-ApiKey: $ADMIN_KEY")" "$want_status" "$method ${body:0:80}: $(cat "$E2E_TMP/last-body")"
done
assert_eq "$(deprecation_api DELETE '{"id":"Fixture.Versions","versions":["1.0.0"]}')" 401 "DELETE without a key"
assert_eq "$(deprecation_of 1.0.0)" "$want" "1.0.0 after refused requests"
assert_eq "$(deprecation_of 2.0.0)" "null" "2.0.0 after refused requests"
pass "unknown reason, too long message, malformed JSON, missing alternate: 400; unknown version: 404; no key: 401; nothing changed"

assert_eq "$(deprecation_api DELETE '{"space":"Spaces-1","id":"Fixture.Versions","versions":["1.0.0"]}' -H "X-NuGet-ApiKey: $ADMIN_KEY")" 200 \
	"DELETE /api/admin/deprecation: $(cat "$E2E_TMP/last-body")"
assert_eq "$(deprecation_of 1.0.0)" "null" "registration after DELETE"
pass "DELETE /api/admin/deprecation clears it from the registration"
