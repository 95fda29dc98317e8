#!/usr/bin/env bash
# 51-nuget-287: Debian 12's own NuGet (the `nuget` package: NuGet 2.8.7 under Mono,
# HTTP/1.0, a multipart push whose file part ends with a bare LF) pushes to the v2 URL,
# lists and installs: the pushed and installed packages are byte-identical to the
# fixtures; a second push of one version and a push with a wrong key fail cleanly.
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
NUGET2=${NUGET2:-/usr/bin/nuget}
[[ -x $NUGET2 ]] || fail "Debian's nuget (2.8.7) missing at $NUGET2: run scripts/install-tools"
start_server
FIX=$ROOT/fixtures/good
SRC=$BASE_URL/api/v2/

# nuget2 ARGS...: NuGet 2.8.7 with a private HOME, run in $WORK. It is given relative
# paths: it misreads absolute Unix paths as sources and options. Its `list` sizes its
# output to the console and prints blank lines forever when the width is 0 (no
# terminal), so every call runs under script(1) on a terminal 160 columns wide.
WORK=$E2E_TMP/nuget2
mkdir -p "$WORK/home"
nuget2() {
	local cmd
	printf -v cmd '%q ' "$NUGET2" "$@" -NonInteractive
	(cd "$WORK" && HOME=$WORK/home timeout 120 script -qec "stty cols 160 rows 50; $cmd" /dev/null </dev/null) |
		tr -d '\r' | sed 's/\x1b\[[0-9;?]*[a-zA-Z]//g; s/\x1b[=>]//g'
	return "${PIPESTATUS[0]}"
}

for f in Fixture.ChainA.1.0.0 Fixture.ChainB.1.1.0 Fixture.ChainC.1.0.0 Fixture.Versions.1.0.0 Fixture.Versions.2.0.0; do
	cp "$FIX/$f.nupkg" "$WORK/"
	out=$(nuget2 push "$f.nupkg" "$ADMIN_KEY" -Source "${SRC}package") || fail "NuGet 2.8.7 push $f: $out"
	assert_contains "$out" "Your package was pushed" "push $f"
	id=${f%%.[0-9]*}
	version=${f#"$id".}
	curl -fsS -o "$E2E_TMP/got.nupkg" "$BASE_URL/v3/package/${id,,}/$version/${id,,}.$version.nupkg" ||
		fail "$f is not served after NuGet 2.8.7 pushed it"
	cmp -s "$E2E_TMP/got.nupkg" "$FIX/$f.nupkg" || fail "$f as stored differs from the file NuGet 2.8.7 pushed"
done
pass "NuGet 2.8.7 pushed 5 packages; each is stored byte for byte"

if out=$(nuget2 push Fixture.ChainA.1.0.0.nupkg "$ADMIN_KEY" -Source "${SRC}package"); then
	fail "a second push of Fixture.ChainA 1.0.0 succeeded: $out"
fi
assert_contains "$out" "Conflict" "second push"
if out=$(nuget2 push Fixture.ChainC.1.0.0.nupkg "$(new_api_key)" -Source "${SRC}package"); then
	fail "a push with an unknown key succeeded: $out"
fi
[[ $out =~ \(40[13]\) ]] || fail "push with an unknown key: no 401 or 403 in: $out"
pass "a second push of a version is a conflict; an unknown key is refused"

out=$(nuget2 list -Source "$SRC") || fail "NuGet 2.8.7 list: $out"
want=$'Fixture.ChainA 1.0.0\nFixture.ChainB 1.1.0\nFixture.ChainC 1.0.0\nFixture.Versions 2.0.0'
assert_eq "$(grep -v '^$' <<<"$out")" "$want" "nuget list"
out=$(nuget2 list Versions -AllVersions -Source "$SRC") || fail "NuGet 2.8.7 list -AllVersions: $out"
assert_eq "$(grep -v '^$' <<<"$out")" $'Fixture.Versions 1.0.0\nFixture.Versions 2.0.0' "nuget list Versions -AllVersions"
pass "NuGet 2.8.7 lists the latest versions, and every version with -AllVersions"

out=$(nuget2 install Fixture.ChainA -Source "$SRC" -OutputDirectory out) || fail "NuGet 2.8.7 install: $out"
for f in Fixture.ChainA.1.0.0 Fixture.ChainB.1.1.0 Fixture.ChainC.1.0.0; do
	cmp -s "$WORK/out/$f/$f.nupkg" "$FIX/$f.nupkg" || fail "installed $f differs from the fixture: $(ls "$WORK/out")"
done
out=$(nuget2 install Fixture.Versions -Version 1.0.0 -Source "$SRC" -OutputDirectory out) || fail "install -Version: $out"
cmp -s "$WORK/out/Fixture.Versions.1.0.0/Fixture.Versions.1.0.0.nupkg" "$FIX/Fixture.Versions.1.0.0.nupkg" ||
	fail "installed Fixture.Versions 1.0.0 differs from the fixture"
pass "NuGet 2.8.7 installs a dependency chain and an exact old version, byte-identical"
