#!/usr/bin/env bash
# 50-nuget-v2: NuGet.exe 5.8 consumes the v2 OData feed at /api/v2/: install resolves a
# dependency chain from the feed, an exact old version, a SemVer2 prerelease with
# -Prerelease, a 4-part version and an id typed in another case; nuget list with and
# without -Prerelease and -AllVersions prints exactly the expected lines; installed
# packages are byte-identical to the pushed ones; an unknown id fails cleanly. A second
# space's v2 feed (/Spaces-2/api/v2/) takes a push from a key limited to it and installs from
# it, and Spaces-1's feed does not show that package.
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
start_server
FIX=$ROOT/fixtures/good
SRC=$BASE_URL/api/v2/

for f in Fixture.ChainA.1.0.0 Fixture.ChainB.1.1.0 Fixture.ChainC.1.0.0 Fixture.Versions.1.0.0 \
	Fixture.Versions.2.0.0 Fixture.Prerelease.1.0.0-beta.1 Fixture.FourPart.1.2.3.4; do
	out=$(nuget_cmd push "$FIX/$f.nupkg" -Source "$BASE_URL/api/v2/package" -ApiKey "$ADMIN_KEY" 2>&1) ||
		fail "push $f: $out"
done
pass "pushed 7 fixtures"

# The feed documents NuGet reads before it queries.
assert_status 200 "$SRC"
assert_status 200 "${SRC}\$metadata"
assert_contains "$(cat "$E2E_TMP/last-body")" 'FunctionImport Name="Search"' "\$metadata"
assert_status 200 "${SRC}FindPackagesById()?id='No.Such.Package'&semVerLevel=2.0.0"
pass "service document, \$metadata, empty feed for an unknown id"

# same_bytes DIR NAME: the installed DIR/NAME/NAME.nupkg is the pushed fixture, byte for byte.
same_bytes() {
	cmp -s "$1/$2/$2.nupkg" "$FIX/$2.nupkg" || fail "installed $2.nupkg differs from the fixture (or is missing): $(ls "$1")"
}

# install NAME ARGS...: nuget install into a fresh folder, printed on stdout.
install() {
	local dir out
	dir=$(mktemp -d "$E2E_TMP/install.XXXXXX")
	out=$(nuget_cmd install "$@" -Source "$SRC" -OutputDirectory "$dir" 2>&1) || fail "nuget install $*: $out"
	echo "$dir"
}

dir=$(install Fixture.ChainA)
for p in Fixture.ChainA.1.0.0 Fixture.ChainB.1.1.0 Fixture.ChainC.1.0.0; do same_bytes "$dir" "$p"; done
pass "install resolves the chain A -> B -> C from the feed, byte-identical"

dir=$(install Fixture.Versions -Version 1.0.0)
same_bytes "$dir" Fixture.Versions.1.0.0
[[ ! -d $dir/Fixture.Versions.2.0.0 ]] || fail "asked for 1.0.0, got 2.0.0 too"
dir=$(install Fixture.Versions)
same_bytes "$dir" Fixture.Versions.2.0.0
pass "install of an exact old version and of the latest"

dir=$(install Fixture.Prerelease -Prerelease)
same_bytes "$dir" Fixture.Prerelease.1.0.0-beta.1
if out=$(nuget_cmd install Fixture.Prerelease -Source "$SRC" -OutputDirectory "$E2E_TMP/no-pre" 2>&1); then
	fail "install of a prerelease-only id without -Prerelease succeeded: $out"
fi
pass "SemVer2 prerelease installs with -Prerelease only"

dir=$(install Fixture.FourPart)
same_bytes "$dir" Fixture.FourPart.1.2.3.4
pass "4-part version"

dir=$(install fixture.chainc -Version 1.0.0)
found=$(cd "$dir" && ls)
[[ ${found,,} == "fixture.chainc.1.0.0" ]] || fail "different-case install made: $found"
cmp -s "$dir/$found/$found.nupkg" "$FIX/Fixture.ChainC.1.0.0.nupkg" || fail "different-case install: bytes differ"
pass "id typed in another case"

# Octopus users add http://server/nuget/ as a source: the same feed answers there.
dir=$(mktemp -d "$E2E_TMP/install.XXXXXX")
out=$(nuget_cmd install Fixture.ChainA -Source "$BASE_URL/nuget/" -OutputDirectory "$dir" 2>&1) || fail "install from /nuget/: $out"
for p in Fixture.ChainA.1.0.0 Fixture.ChainB.1.1.0 Fixture.ChainC.1.0.0; do same_bytes "$dir" "$p"; done
pass "install from the /nuget/ source"

if out=$(nuget_cmd install No.Such.Package -Source "$SRC" -OutputDirectory "$E2E_TMP/unknown" 2>&1); then
	fail "install of an unknown id succeeded: $out"
fi
assert_contains "$out" "Unable to find package" "unknown id install"
pass "unknown id fails cleanly: $(grep -m1 'Unable to find package' <<<"$out")"

# list LABEL WANT ARGS...: nuget list prints exactly WANT. The feed answers sorted by id,
# versions ascending; NuGet.exe prints the versions of one id newest first.
list() {
	local label=$1 want=$2 out
	shift 2
	out=$(nuget_cmd list -Source "$SRC" "$@" 2>&1) || fail "nuget list $*: $out"
	out=$(tr -d '\r' <<<"$out")
	assert_eq "$out" "$want" "nuget list $label"
	pass "nuget list $label"
}
list "(no flags)" "Fixture.ChainA 1.0.0
Fixture.ChainB 1.1.0
Fixture.ChainC 1.0.0
Fixture.FourPart 1.2.3.4
Fixture.Versions 2.0.0"
list "-Prerelease" "Fixture.ChainA 1.0.0
Fixture.ChainB 1.1.0
Fixture.ChainC 1.0.0
Fixture.FourPart 1.2.3.4
Fixture.Prerelease 1.0.0-beta.1
Fixture.Versions 2.0.0" -Prerelease
list "-AllVersions" "Fixture.ChainA 1.0.0
Fixture.ChainB 1.1.0
Fixture.ChainC 1.0.0
Fixture.FourPart 1.2.3.4
Fixture.Versions 2.0.0
Fixture.Versions 1.0.0" -AllVersions
list "-AllVersions -Prerelease" "Fixture.ChainA 1.0.0
Fixture.ChainB 1.1.0
Fixture.ChainC 1.0.0
Fixture.FourPart 1.2.3.4
Fixture.Prerelease 1.0.0-beta.1
Fixture.Versions 2.0.0
Fixture.Versions 1.0.0" -AllVersions -Prerelease

# --- a second space's v2 feed ------------------------------------------------------------
# /Spaces-2/api/v2/ is Spaces-2's own v2 feed: a key limited to Spaces-2 pushes there with
# NuGet.exe and not to Spaces-1; NuGet.exe installs from it byte-identically; Spaces-1's
# feed does not show the package.
BIN=$(build_server)
assert_eq "$("$BIN" space create --name Second --data "$SERVER_DATA")" Spaces-2 "space create"
KEY2=$("$BIN" apikey create --name s2 --role publisher --space Spaces-2 --data "$SERVER_DATA") || fail "apikey create"
SRC2=$BASE_URL/Spaces-2/api/v2/
PKG2=Fixture.Plain.1.0.0
if out=$(nuget_cmd push "$FIX/$PKG2.nupkg" -Source "$BASE_URL/api/v2/package" -ApiKey "$KEY2" 2>&1); then
	fail "a Spaces-2 key pushed to Spaces-1: $out"
fi
out=$(nuget_cmd push "$FIX/$PKG2.nupkg" -Source "${SRC2}package" -ApiKey "$KEY2" 2>&1) || fail "push to Spaces-2: $out"
pass "a Spaces-2 key pushes to ${SRC2}package with NuGet.exe, not to Spaces-1"

dir=$(mktemp -d "$E2E_TMP/install.XXXXXX")
out=$(nuget_cmd install Fixture.Plain -Source "$SRC2" -OutputDirectory "$dir" 2>&1) || fail "install from $SRC2: $out"
same_bytes "$dir" "$PKG2"
dir=$(mktemp -d "$E2E_TMP/install.XXXXXX")
out=$(nuget_cmd install Fixture.Plain -Source "$BASE_URL/Spaces-02/nuget/" -OutputDirectory "$dir" 2>&1) || fail "install from /Spaces-02/nuget/: $out"
same_bytes "$dir" "$PKG2"
pass "install from $SRC2 and /Spaces-02/nuget/, byte-identical"

if out=$(nuget_cmd install Fixture.Plain -Source "$SRC" -OutputDirectory "$E2E_TMP/not-in-1" 2>&1); then
	fail "Spaces-2's package installed from Spaces-1's feed: $out"
fi
out=$(nuget_cmd list Fixture.Plain -Source "$SRC" 2>&1) || fail "nuget list in Spaces-1: $out"
[[ $out != *Fixture.Plain* ]] || fail "Spaces-1's list shows Spaces-2's package: $out"
out=$(tr -d '\r' <<<"$(nuget_cmd list -Source "$SRC2" 2>&1)")
assert_eq "$out" "Fixture.Plain 1.0.0" "nuget list in Spaces-2"
assert_status 404 "$BASE_URL/Spaces-9/api/v2/"
pass "Spaces-1's feed does not show it; Spaces-2's lists only it; an unknown space is 404"
