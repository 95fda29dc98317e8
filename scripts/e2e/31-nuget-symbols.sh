#!/usr/bin/env bash
# Symbol packages and the symbol server. NuGet.exe 5.8 packs a library with
# -Symbols -SymbolPackageFormat snupkg (its PDB written to the Portable PDB specification by
# scripts/make-fixture-pdb: no compiler here writes one), and `nuget push X.nupkg` against
# the v3 service index pushes X.snupkg beside it on its own (SymbolPackagePublish/4.9.0).
# curl then fetches the PDB as a debugger does, by its Simple Symbol Query Protocol key,
# and gets it byte for byte; the SymbolChecksum header is honoured; broken symbol packages
# are refused with nothing stored; deleting the version deletes its symbols.
source "$(dirname "$0")/lib.sh"
start_server
FIX=$ROOT/fixtures

# snupkgs_stored: how many symbol packages the store holds (on S3 the store's folder goes
# when its last file does).
snupkgs_stored() { find "$STORE_DIR" -name '*.snupkg' 2>/dev/null | wc -l; }

# A library to pack: a nuspec, a DLL (any bytes: nothing loads it) and its portable PDB.
src=$E2E_TMP/src
mkdir -p "$src/lib/net45" "$E2E_TMP/out"
(cd "$ROOT" && go run ./scripts/make-fixture-pdb -o "$src/lib/net45/E2E.Symbols.pdb") || fail "make-fixture-pdb"
echo "not really a DLL" >"$src/lib/net45/E2E.Symbols.dll"
cat >"$src/E2E.Symbols.nuspec" <<'NUSPEC'
<?xml version="1.0" encoding="utf-8"?>
<package xmlns="http://schemas.microsoft.com/packaging/2013/05/nuspec.xsd">
  <metadata>
    <id>E2E.Symbols</id>
    <version>1.0.0</version>
    <authors>feedserver e2e</authors>
    <description>A library whose symbols go to the feed's symbol server.</description>
  </metadata>
</package>
NUSPEC
out=$(nuget_cmd pack "$src/E2E.Symbols.nuspec" -BasePath "$src" -OutputDirectory "$E2E_TMP/out" -NoPackageAnalysis \
	-Symbols -SymbolPackageFormat snupkg 2>&1) || fail "nuget pack: $out"
[[ -f $E2E_TMP/out/E2E.Symbols.1.0.0.nupkg && -f $E2E_TMP/out/E2E.Symbols.1.0.0.snupkg ]] ||
	fail "nuget pack wrote no .nupkg and .snupkg: $out"
pass "NuGet.exe packed E2E.Symbols 1.0.0 with a .snupkg"

# The service index offers the symbol push; NuGet.exe pushes the .snupkg after the .nupkg.
assert_contains "$(curl -fsS "$BASE_URL/v3/index.json")" '"SymbolPackagePublish/4.9.0"' "service index"
out=$(nuget_cmd push "$E2E_TMP/out/E2E.Symbols.1.0.0.nupkg" -Source "$BASE_URL/v3/index.json" -ApiKey "$ADMIN_KEY" 2>&1) ||
	fail "push: $out"
assert_contains "$out" "Pushing E2E.Symbols.1.0.0.snupkg" "push output"
assert_contains "$out" "/api/v2/symbolpackage/" "push output"
[[ $(grep -c "Your package was pushed" <<<"$out") == 2 ]] || fail "NuGet.exe did not report two pushes: $out"
assert_eq "$(snupkgs_stored)" 1 "symbol packages stored"
pass "nuget push X.nupkg -Source <v3> pushed X.snupkg beside it"

# The key: the file name, the PDB id's GUID as the SSQP key conventions write it, FFFFFFFF.
# make-fixture-pdb writes the GUID of the conventions' own example.
pdb=$src/lib/net45/E2E.Symbols.pdb
key=e2e.symbols.pdb/497b72f6390a44fc878e5a2d63b6cc4bFFFFFFFF/e2e.symbols.pdb
curl -fsS -o "$E2E_TMP/dl.pdb" "$BASE_URL/download/symbols/$key" || fail "GET /download/symbols/$key"
cmp "$E2E_TMP/dl.pdb" "$pdb" || fail "the PDB served differs from the one packed"
curl -fsS -o "$E2E_TMP/dl2.pdb" "$BASE_URL/download/symbols/${key//\//%2F}" || fail "GET the key with %2F"
cmp "$E2E_TMP/dl2.pdb" "$pdb" || fail "the PDB served for an escaped key differs"
pass "the PDB by SSQP key is byte-identical (and with the key's slashes escaped)"

# SymbolChecksum: the SHA-256 of the PDB with its 20-byte id (at 0x7C, the #Pdb stream in
# this file) zeroed. A match is served, a mismatch is "not here" (404), a malformed header 400.
sum=$({ head -c 124 "$pdb"; head -c 20 /dev/zero; tail -c +145 "$pdb"; } | sha256sum | cut -d' ' -f1)
curl -fsS -o "$E2E_TMP/dl3.pdb" -H "SymbolChecksum: SHA256:$sum" "$BASE_URL/download/symbols/$key" ||
	fail "GET with the right SymbolChecksum"
cmp "$E2E_TMP/dl3.pdb" "$pdb" || fail "the PDB served with a SymbolChecksum differs"
assert_status 404 "$BASE_URL/download/symbols/$key" -H "SymbolChecksum: SHA256:$(sha256sum <"$pdb" | cut -d' ' -f1)"
assert_status 400 "$BASE_URL/download/symbols/$key" -H "SymbolChecksum: SHA256:not-hex"
assert_status 404 "$BASE_URL/download/symbols/e2e.symbols.pdb/00000000000000000000000000000000FFFFFFFF/e2e.symbols.pdb"
pass "SymbolChecksum: match 200, mismatch 404, malformed 400; unknown key 404"

# Broken symbol packages: 400 (404 when their package does not exist), nothing stored.
for bad in "$FIX"/bad-symbols/*; do
	want=400
	[[ $(basename "$bad") == no-such-package.snupkg ]] && want=404
	code=$(curl -s -o "$E2E_TMP/body" -w '%{http_code}' -X PUT -H "X-NuGet-ApiKey: $ADMIN_KEY" -F "package=@$bad;filename=package.nupkg" "$BASE_URL/api/v2/symbolpackage/")
	[[ $code == "$want" ]] || fail "bad symbol package $(basename "$bad"): status $code, want $want, body $(head -c 300 "$E2E_TMP/body")"
	[[ -s $E2E_TMP/body ]] || fail "bad symbol package $(basename "$bad"): empty error body"
done
assert_eq "$(snupkgs_stored)" 1 "symbol packages stored after the bad pushes"
curl -fsS -o "$E2E_TMP/dl4.pdb" "$BASE_URL/download/symbols/$key" && cmp "$E2E_TMP/dl4.pdb" "$pdb" ||
	fail "the good PDB is not served after the bad pushes"
pass "broken symbol packages refused with a message, nothing stored"

# The package page shows the symbols; metrics count the push and the downloads.
assert_contains "$(curl -fsS "$BASE_URL/packages/E2E.Symbols/1.0.0")" 'E2E.Symbols.pdb</a>' "package page"
metrics=$(curl -fsS "$BASE_URL/metrics")
assert_contains "$metrics" 'feedserver_pushes_total{outcome="created",protocol="nuget-symbols"} 1' "metrics"
assert_contains "$metrics" 'feedserver_symbol_requests_total{result="served"} 4' "metrics"
pass "package page lists the PDB; metrics count the symbol push and downloads"

# A rerun of the same push with -SkipDuplicate: the .nupkg is a duplicate (409, tolerated)
# and NuGet.exe 5.8 pushes the .snupkg again anyway (NuGet/Home#9647); the same PDBs are fine.
out=$(nuget_cmd push "$E2E_TMP/out/E2E.Symbols.1.0.0.nupkg" -Source "$BASE_URL/v3/index.json" -ApiKey "$ADMIN_KEY" -SkipDuplicate 2>&1) ||
	fail "push -SkipDuplicate: $out"
curl -fsS -o "$E2E_TMP/dl5.pdb" "$BASE_URL/download/symbols/$key" && cmp "$E2E_TMP/dl5.pdb" "$pdb" ||
	fail "the PDB is not served after the -SkipDuplicate rerun"
pass "a -SkipDuplicate rerun of the push succeeds and changes nothing"

# Deleting the version deletes its symbol package: the file and the key.
out=$(nuget_cmd delete E2E.Symbols 1.0.0 -Source "$BASE_URL/api/v2/package" -ApiKey "$ADMIN_KEY" 2>&1) || fail "delete: $out"
assert_status 404 "$BASE_URL/download/symbols/$key"
assert_eq "$(snupkgs_stored)" 0 "symbol packages stored after the delete"
pass "nuget delete removes the symbol package with its version"
