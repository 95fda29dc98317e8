#!/usr/bin/env bash
# 00-nuget-exe: NuGet.exe 5.8 runs under Mono on this machine, with a private HOME and
# -NonInteractive, and can pack a fixture source. Every later NuGet e2e test builds on this.
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

out=$(nuget_cmd help) || fail "nuget help exited non-zero: $out"
assert_contains "$out" "NuGet Version: 5.8.0" "nuget help"
pass "nuget help (NuGet.exe 5.8.0 under $(mono --version | head -n1 | cut -d' ' -f1-5))"

# Pack proves the Mono assemblies that the real commands load are all there.
src=$ROOT/fixtures/src/plain
out=$(nuget_cmd pack "$src/Fixture.Plain.nuspec" -BasePath "$src" -OutputDirectory "$E2E_TMP/pack" -NoPackageAnalysis) ||
	fail "nuget pack exited non-zero: $out"
[[ -s $E2E_TMP/pack/Fixture.Plain.1.0.0.nupkg ]] || fail "nuget pack made no Fixture.Plain.1.0.0.nupkg: $out"
entries=$(unzip -Z1 "$E2E_TMP/pack/Fixture.Plain.1.0.0.nupkg")
assert_contains "$entries" "Fixture.Plain.nuspec" "packed entries"
assert_contains "$entries" "lib/net45/Fixture.Plain.dll" "packed entries"
pass "nuget pack"

# A folder feed round trip: add, then install, with no server involved.
nuget_cmd add "$ROOT/fixtures/good/Fixture.ChainC.1.0.0.nupkg" -Source "$E2E_TMP/feed" >/dev/null ||
	fail "nuget add failed"
out=$(nuget_cmd install Fixture.ChainC -Source "$E2E_TMP/feed" -OutputDirectory "$E2E_TMP/installed") ||
	fail "nuget install from a folder feed failed: $out"
[[ -f $E2E_TMP/installed/Fixture.ChainC.1.0.0/lib/net45/Fixture.ChainC.dll ]] ||
	fail "installed package has no lib/net45/Fixture.ChainC.dll: $out"
pass "nuget add + install from a folder feed"
