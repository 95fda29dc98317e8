#!/usr/bin/env bash
# 17-adversarial-scope: rows 2, 5 and the key parts of row 11 of issue 17, replayed
# with curl against a real server, once with reads open and once with
# require-read-key=on. A key limited to Spaces-2 cannot delete or create generic
# packages or owners, nor act in Spaces-1; a key limited to owner alpha cannot
# touch NuGet or Octopus packages in any space, nor beta's files; the pages and
# the APIs show each key only its own spaces and owners; every refused request
# leaves the package files, the catalogue's answers and the owners as they were.
# Also: keys.db is 0600, key restriction lists are checked at creation, and a
# key typed into a URL never reaches the log.
source "$(dirname "$0")/lib.sh"

FS=$(build_server)
mkdir -p "$E2E_TMP/in"
echo "alpha's tool" >"$E2E_TMP/in/alpha.txt"
echo "beta's tool" >"$E2E_TMP/in/beta.txt"
echo "intruder" >"$E2E_TMP/in/intruder.txt"

# A tiny nupkg, made on the spot: nupkg ID VERSION → its path.
nupkg() {
	local dir=$E2E_TMP/in/$1.$2
	mkdir -p "$dir"
	cat >"$dir/$1.nuspec" <<EOF
<?xml version="1.0" encoding="utf-8"?>
<package xmlns="http://schemas.microsoft.com/packaging/2013/05/nuspec.xsd">
  <metadata><id>$1</id><version>$2</version><authors>e2e</authors><description>scope test</description></metadata>
</package>
EOF
	(cd "$dir" && rm -f "../$1.$2.nupkg" && zip -q "../$1.$2.nupkg" "$1.nuspec")
	echo "$E2E_TMP/in/$1.$2.nupkg"
}
ONE=$(nupkg Scope.One 1.0.0)
TWO=$(nupkg Scope.Two 1.0.0)
NEW=$(nupkg Scope.One 2.0.0)

# code METHOD URL [curl args...]: the status; the body goes to $E2E_TMP/body.
code() {
	local method=$1 url=$2
	shift 2
	curl -s -o "$E2E_TMP/body" -w '%{http_code}' -X "$method" "$@" "$url"
}
expect() { # expect WANT MSG METHOD URL [curl args...]
	local want=$1 msg=$2
	shift 2
	local got
	got=$(code "$@")
	[[ $got == "$want" ]] || fail "$msg: $1 $2 got $got, want $want: $(head -c 300 "$E2E_TMP/body")"
}

# snapshot: what a refused request must not change. The stored package files
# (name, size, SHA-256; the databases and the search index change on reads),
# every package the APIs list in both spaces, both owners' generic listings,
# and the owners.
snapshot() {
	(cd "$SERVER_DATA" && find . -type f ! -name '*.db' ! -name '*.db-*' ! -path './search/*' ! -path './tmp/*' \
		-exec sha256sum {} + | sort -k2)
	for sp in Spaces-1 Spaces-2; do
		curl -fsS -H "X-Octopus-ApiKey: $ADMIN_KEY" "$BASE_URL/api/$sp/packages?take=1000" |
			python3 -c 'import json,sys; print(sorted((i["Id"], i["Version"]) for i in json.load(sys.stdin)["Items"]))'
	done
	for o in alpha beta; do
		curl -sS -u "x:$ADMIN_KEY" "$BASE_URL/api/packages/$o/generic/tool"
	done
	"$FS" owner list --data "$SERVER_DATA" | awk 'NR>1{print $1}'
}

run_mode() {
	local mode=$1
	echo "--- require-read-key=$mode"
	start_server FEEDSERVER_REQUIRE_READ_KEY="$mode"

	# keys.db holds who may do what: readable by the server's user only.
	assert_eq "$(stat -c %a "$SERVER_DATA/keys.db")" 600 "keys.db mode"
	for f in "$SERVER_DATA"/keys.db-wal "$SERVER_DATA"/keys.db-shm; do
		[[ -e $f ]] && assert_eq "$(stat -c %a "$f")" 600 "$(basename "$f") mode"
	done
	pass "keys.db is 0600"

	assert_eq "$("$FS" space create --name Second --data "$SERVER_DATA")" Spaces-2 "space create"
	for o in alpha beta; do "$FS" owner create "$o" --data "$SERVER_DATA" >/dev/null; done
	local S2_ADMIN ALPHA_ADMIN S2_READER ALPHA_READER
	S2_ADMIN=$("$FS" apikey create --name s2-admin --role administrator --space Spaces-2 --data "$SERVER_DATA")
	ALPHA_ADMIN=$("$FS" apikey create --name alpha-admin --role administrator --owner alpha --data "$SERVER_DATA")
	S2_READER=$("$FS" apikey create --name s2-reader --role reader --space Spaces-2 --data "$SERVER_DATA")
	ALPHA_READER=$("$FS" apikey create --name alpha-reader --role reader --owner alpha --data "$SERVER_DATA")

	# Restriction lists are checked when a key is made (row 11).
	local out
	if out=$("$FS" apikey create --name bad --role reader --space ../../etc --data "$SERVER_DATA" 2>&1); then
		fail "apikey create --space ../../etc was accepted: $out"
	fi
	assert_contains "$out" '"../../etc" is not a space id' "apikey create error"
	if out=$("$FS" apikey create --name bad --role reader --space Spaces-7 --data "$SERVER_DATA" 2>&1); then
		fail "apikey create --space Spaces-7 was accepted: $out"
	fi
	assert_contains "$out" "the space Spaces-7 does not exist" "apikey create error"
	if out=$("$FS" apikey create --name bad --role reader --owner ../../etc --data "$SERVER_DATA" 2>&1); then
		fail "apikey create --owner ../../etc was accepted: $out"
	fi
	assert_contains "$out" 'contains ".."' "apikey create error"
	expect 400 "admin API, bad space" POST "$BASE_URL/api/admin/apikeys" -H "X-Octopus-ApiKey: $ADMIN_KEY" \
		-H 'Content-Type: application/json' -d '{"name":"bad","role":"reader","spaces":["../../etc"]}'
	assert_contains "$(cat "$E2E_TMP/body")" 'is not a space id' "admin API 400 body"
	expect 400 "admin API, bad owner" POST "$BASE_URL/api/admin/apikeys" -H "X-Octopus-ApiKey: $ADMIN_KEY" \
		-H 'Content-Type: application/json' -d '{"name":"bad","role":"reader","owners":["a/b"]}'
	assert_contains "$("$FS" apikey list --data "$SERVER_DATA")" "alpha-reader" "apikey list"
	[[ $("$FS" apikey list --data "$SERVER_DATA") != *" bad "* ]] || fail "a refused key was stored"
	pass "restriction lists are checked at creation: CLI errors and admin API 400s, nothing stored"

	# The fixture, pushed by the unrestricted administrator.
	expect 201 "seed Spaces-1" PUT "$BASE_URL/api/v2/package/" -H "X-NuGet-ApiKey: $ADMIN_KEY" -F "package=@$ONE"
	expect 201 "seed Spaces-2" PUT "$BASE_URL/Spaces-2/nuget/packages" -H "X-NuGet-ApiKey: $ADMIN_KEY" -F "package=@$TWO"
	expect 201 "seed alpha" PUT "$BASE_URL/api/packages/alpha/generic/tool/1.0.0/tool.txt" -u "x:$ADMIN_KEY" -T "$E2E_TMP/in/alpha.txt"
	expect 201 "seed beta" PUT "$BASE_URL/api/packages/beta/generic/tool/1.0.0/tool.txt" -u "x:$ADMIN_KEY" -T "$E2E_TMP/in/beta.txt"
	local before
	before=$(snapshot)

	# Row 2: a key limited to Spaces-2 has no generic rights and none in Spaces-1.
	local G=$BASE_URL/api/packages
	expect 403 "Spaces-2 admin deletes a generic file" DELETE "$G/alpha/generic/tool/1.0.0/tool.txt" -u "x:$S2_ADMIN"
	expect 403 "Spaces-2 admin deletes a generic version" DELETE "$G/beta/generic/tool/1.0.0" -u "x:$S2_ADMIN"
	expect 403 "Spaces-2 admin uploads a generic file" PUT "$G/alpha/generic/tool/9.9.9/x.txt" -u "x:$S2_ADMIN" -T "$E2E_TMP/in/intruder.txt"
	expect 403 "Spaces-2 admin creates an owner" PUT "$G/gamma/generic/tool/1.0.0/x.txt" -u "x:$S2_ADMIN" -T "$E2E_TMP/in/intruder.txt"
	expect 403 "Spaces-2 admin deletes in Spaces-1 (NuGet)" DELETE "$BASE_URL/api/v2/package/Scope.One/1.0.0" -H "X-NuGet-ApiKey: $S2_ADMIN"
	expect 403 "Spaces-2 admin deletes in Spaces-1 (Octopus)" DELETE "$BASE_URL/api/Spaces-1/packages/packages-Scope.One.1.0.0" -H "X-Octopus-ApiKey: $S2_ADMIN"
	expect 403 "Spaces-2 admin pushes to Spaces-1" PUT "$BASE_URL/nuget/packages" -H "X-NuGet-ApiKey: $S2_ADMIN" -F "package=@$NEW"
	expect 403 "Spaces-2 admin mints a key" POST "$BASE_URL/api/admin/apikeys" -H "X-Octopus-ApiKey: $S2_ADMIN" \
		-H 'Content-Type: application/json' -d '{"name":"mine","role":"administrator"}'
	pass "row 2: a key limited to Spaces-2 deletes and creates no generic package or owner, and nothing in Spaces-1"

	# Row 2: a key limited to owner alpha is in no space and not beta's.
	expect 403 "alpha admin deletes NuGet in Spaces-1" DELETE "$BASE_URL/api/v2/package/Scope.One/1.0.0" -H "X-NuGet-ApiKey: $ALPHA_ADMIN"
	expect 403 "alpha admin deletes NuGet (nuget delete path)" DELETE "$BASE_URL/nuget/Scope.One/1.0.0" -H "X-NuGet-ApiKey: $ALPHA_ADMIN"
	expect 403 "alpha admin deletes NuGet in Spaces-2" DELETE "$BASE_URL/Spaces-2/nuget/packages/Scope.Two/1.0.0" -H "X-NuGet-ApiKey: $ALPHA_ADMIN"
	expect 403 "alpha admin bulk-deletes in Spaces-1" DELETE "$BASE_URL/api/packages/bulk?ids=packages-Scope.One.1.0.0" -H "X-Octopus-ApiKey: $ALPHA_ADMIN"
	expect 403 "alpha admin pushes NuGet" PUT "$BASE_URL/api/v2/package/" -H "X-NuGet-ApiKey: $ALPHA_ADMIN" -F "package=@$NEW"
	expect 403 "alpha admin uploads to Octopus" POST "$BASE_URL/api/Spaces-1/packages/raw" -H "X-Octopus-ApiKey: $ALPHA_ADMIN" -F "file=@$NEW"
	expect 403 "alpha admin deletes beta's file" DELETE "$G/beta/generic/tool/1.0.0/tool.txt" -u "x:$ALPHA_ADMIN"
	expect 403 "alpha admin creates an owner" PUT "$G/gamma/generic/tool/1.0.0/x.txt" -u "x:$ALPHA_ADMIN" -T "$E2E_TMP/in/intruder.txt"
	expect 403 "alpha admin re-indexes" POST "$BASE_URL/api/admin/reindex" -H "X-Octopus-ApiKey: $ALPHA_ADMIN"
	pass "row 2: a key limited to owner alpha deletes no NuGet or Octopus package and touches nothing of beta's"

	assert_eq "$(snapshot)" "$before" "the feed after the refused requests"
	pass "nothing was stored or deleted by the refused requests"

	# Row 5: the pages and the APIs show a key only its scope.
	local page
	page=$(curl -sS -u "x:$S2_READER" "$BASE_URL/packages")
	assert_contains "$page" "Scope.Two" "/packages for the Spaces-2 reader"
	[[ $page != *Scope.One* ]] || fail "/packages shows a Spaces-1 package to a key limited to Spaces-2"
	[[ $page != */packages/generic/* ]] || fail "/packages shows generic packages to a key limited to Spaces-2"
	page=$(curl -sS -u "x:$ALPHA_READER" "$BASE_URL/packages")
	assert_contains "$page" "/packages/generic/alpha/tool" "/packages for the alpha reader"
	[[ $page != *generic/beta* && $page != *Scope.* ]] || fail "/packages shows the alpha reader more than alpha's packages"
	expect 403 "alpha reader opens beta's page" GET "$BASE_URL/packages/generic/beta/tool" -u "x:$ALPHA_READER"
	local beta_sha
	beta_sha=$(sha256sum <"$E2E_TMP/in/beta.txt" | cut -d' ' -f1)
	[[ $(cat "$E2E_TMP/body") != *"$beta_sha"* ]] || fail "the refusal shows beta's hash"
	expect 403 "alpha reader lists beta's files" GET "$G/beta/generic/tool" -u "x:$ALPHA_READER"
	expect 403 "Spaces-2 reader filters on Spaces-1" GET "$BASE_URL/packages?space=Spaces-1" -u "x:$S2_READER"
	expect 403 "Spaces-2 reader opens a Spaces-1 package" GET "$BASE_URL/packages/Scope.One" -u "x:$S2_READER"
	expect 403 "Spaces-2 reader lists Spaces-1 (Octopus)" GET "$BASE_URL/api/Spaces-1/packages" -H "X-Octopus-ApiKey: $S2_READER"
	expect 403 "Spaces-2 reader searches Spaces-1 (NuGet v3)" GET "$BASE_URL/v3/search?q=scope" -u "x:$S2_READER"
	expect 200 "Spaces-2 reader lists its space" GET "$BASE_URL/api/Spaces-2/packages" -H "X-Octopus-ApiKey: $S2_READER"
	expect 200 "alpha reader downloads alpha's file" GET "$G/alpha/generic/tool/1.0.0/tool.txt" -u "x:$ALPHA_READER"
	if [[ $mode == on ]]; then
		expect 401 "anonymous list" GET "$BASE_URL/packages"
		expect 401 "anonymous generic page" GET "$BASE_URL/packages/generic/beta/tool"
	else
		page=$(curl -sS "$BASE_URL/packages")
		for want in Scope.One Scope.Two generic/alpha generic/beta; do
			assert_contains "$page" "$want" "anonymous /packages with reads open"
		done
	fi
	pass "row 5: /packages, the generic page and the APIs show each key only its spaces and owners"

	# Within its scope a restricted administrator still works.
	expect 204 "Spaces-2 admin deletes in Spaces-2" DELETE "$BASE_URL/Spaces-2/nuget/packages/Scope.Two/1.0.0" -H "X-NuGet-ApiKey: $S2_ADMIN"
	expect 204 "alpha admin deletes alpha's file" DELETE "$G/alpha/generic/tool/1.0.0/tool.txt" -u "x:$ALPHA_ADMIN"
	pass "restricted administrators act within their scope"

	# Row 11: a key typed into a URL never reaches the log.
	code GET "$BASE_URL/api/packages/$ADMIN_KEY" >/dev/null
	code GET "$BASE_URL/nuget/$ALPHA_ADMIN/1.0.0" -X DELETE >/dev/null
	code GET "$BASE_URL/packages?q=$S2_READER" >/dev/null
	code GET "$BASE_URL/api/API%2D${ADMIN_KEY#API-}" -A "deploy-script $ALPHA_READER" >/dev/null
	sleep 0.5 # the access log is buffered briefly
	assert_contains "$(cat "$SERVER_LOG")" "API-REDACTED" "server log"
	for k in "$ADMIN_KEY" "$S2_ADMIN" "$ALPHA_ADMIN" "$S2_READER" "$ALPHA_READER"; do
		! grep -q "${k#API-}" "$SERVER_LOG" || fail "a key appears in the server log: $(grep -m1 "${k#API-}" "$SERVER_LOG")"
	done
	pass "keys typed into paths, queries and user agents are redacted in the log"

	stop_server "$SERVER_PID"
}

run_mode off
run_mode on
