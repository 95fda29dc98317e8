#!/usr/bin/env bash
# 89-fault-postgres: the server on PostgreSQL (-database postgres://…, a throwaway cluster on
# loopback; packages in the data folder), the database stopped and started again under it.
# NuGet.exe pushes and installs through it; four curl clients push while PostgreSQL is
# stopped: every answer is 201 or 503, never a 500; a read, NuGet.exe's push and /readyz
# ("database: unavailable") answer 503 while it is down, /healthz stays 200. When it is
# back, the same server process (no restart) answers /readyz "database: ok", serves every
# acknowledged package byte-identical, catalogue and disk agree, and the refused pushes
# succeed. NuGet.exe lists (v2) and installs (v3) what was pushed around the outage.
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=faultlib.sh
source "$(dirname "$0")/faultlib.sh"

command -v jq >/dev/null || fail "jq missing"
pg_start || fail "PostgreSQL did not start"
on_exit pg_remove
pg_createdb feed || fail "create database feed"
DATABASE=$(pg_url feed)

pkgs=$E2E_TMP/pkgs
mkdir -p "$pkgs"
start_on "$E2E_TMP/data" FEEDSERVER_DATABASE="$DATABASE"
wait_ready
server_pid=$SERVER_PID
grep -q "database: PostgreSQL 127.0.0.1:$PG_PORT/feed)" "$SERVER_LOG" || fail "the server does not say it is on PostgreSQL: $(head -n 3 "$SERVER_LOG")"
assert_status 200 "$BASE_URL/readyz"
assert_contains "$(cat "$E2E_TMP/last-body")" "database: ok" "/readyz with the database up"

# A publisher key made by the sub-command lands in PostgreSQL too.
PUBLISHER_KEY=$(FEEDSERVER_DATABASE=$DATABASE "$(build_server)" apikey create --name ci --role publisher --data "$SERVER_DATA") ||
	fail "apikey create on PostgreSQL"
[[ $(pg_sql feed "SELECT count(*) FROM auth_keys WHERE name = 'ci'") == 1 ]] || fail "the key is not in PostgreSQL"

# --- the database up: a real client pushes and installs ------------------------------------
f=$(make_nupkg "$pkgs" PG.Before 1.0.0 64)
out=$(nuget_cmd push "$f" -Source "$BASE_URL/api/v2/package" -ApiKey "$PUBLISHER_KEY" 2>&1) || fail "NuGet.exe push: $out"
out=$(nuget_cmd install PG.Before -Version 1.0.0 -Source "$BASE_URL/v3/index.json" -OutputDirectory "$E2E_TMP/installed" 2>&1) ||
	fail "NuGet.exe install: $out"
cmp -s "$f" "$E2E_TMP/installed/PG.Before.1.0.0/PG.Before.1.0.0.nupkg" || fail "the installed package differs from the pushed one"
[[ $(pg_sql feed "SELECT count(*) FROM packages WHERE id_lower = 'pg.before'") == 1 ]] || fail "PG.Before has no row in PostgreSQL"
pass "NuGet.exe pushed PG.Before with a key kept in PostgreSQL and installed it byte-identical"

# --- four pushers; the database stops under them ------------------------------------------
start_pushers "$pkgs" PG 16
pg_stop || fail "pg_ctl stop"
echo "PostgreSQL stopped after $(cat "$pkgs"/acks-* | wc -l) pushes"

# While it is down: /readyz names the database, reads and NuGet.exe's push answer 503.
assert_status 503 "$BASE_URL/readyz"
assert_contains "$(cat "$E2E_TMP/last-body")" "database: unavailable" "/readyz with the database down"
assert_status 200 "$BASE_URL/healthz"
assert_status 503 "$BASE_URL/v3/package/pg.before/index.json"
assert_contains "$(cat "$E2E_TMP/last-body")" "unavailable" "the 503's text"
f=$(make_nupkg "$pkgs" PG.During 1.0.0 64)
if out=$(nuget_cmd push "$f" -Source "$BASE_URL/api/v2/package" -ApiKey "$PUBLISHER_KEY" 2>&1); then
	fail "NuGet.exe push succeeded with the database down: $out"
fi
assert_contains "$out" "503" "NuGet.exe's message"
pass "database down: /readyz says database: unavailable, a read and NuGet.exe's push answer 503, /healthz 200"

wait_pushers
acked=("${ACKED[@]}")
refused=("${REFUSED[@]}")

# --- the database back: the same process serves and takes pushes again ---------------------
pg_resume || fail "pg_ctl start"
wait_ready 30
assert_status 200 "$BASE_URL/readyz"
assert_contains "$(cat "$E2E_TMP/last-body")" "database: ok" "/readyz with the database back"
kill -0 "$server_pid" || fail "the server is gone"
assert_eq "$SERVER_PID" "$server_pid" "server process"
for id in PG.Before "${acked[@]}"; do
	assert_served_as "$pkgs/$id.1.0.0.nupkg" "$id" 1.0.0
done
# A refused push is absent, or whole if its commit went through as the connection broke
# (index/postgres/doc.go): the catalogue and the data folder agree either way.
assert_catalogue_matches_disk PG.Before PG.During "${acked[@]}" "${refused[@]}"
assert_no_temp_files
pass "database back, same server process: ${#acked[@]} acknowledged packages served byte-identical; catalogue and disk agree"

for id in "${refused[@]}"; do
	want=201
	if [[ -n $(flat_versions "$id") ]]; then
		echo "note: refused $id is in the catalogue: its commit went through as the connection broke"
		want=409
	fi
	assert_eq "$(push_nupkg "$pkgs/$id.1.0.0.nupkg")" "$want" "push $id again"
done
out=$(nuget_cmd push "$pkgs/PG.During.1.0.0.nupkg" -Source "$BASE_URL/api/v2/package" -ApiKey "$PUBLISHER_KEY" 2>&1) ||
	fail "NuGet.exe push once the database is back: $out"
out=$(nuget_cmd install PG.During -Version 1.0.0 -Source "$BASE_URL/v3/index.json" -OutputDirectory "$E2E_TMP/installed" 2>&1) ||
	fail "NuGet.exe install: $out"
cmp -s "$pkgs/PG.During.1.0.0.nupkg" "$E2E_TMP/installed/PG.During.1.0.0/PG.During.1.0.0.nupkg" || fail "PG.During differs"
# Search is updated off the request path: it has every package within seconds.
hits=0
for _ in $(seq 1 100); do
	hits=$(curl -s "$BASE_URL/v3/search?q=PG&take=100" | tee "$E2E_TMP/search.json" | jq .totalHits)
	((hits == 62)) && break
	sleep 0.1
done
if ((hits != 62)); then
	found=$(jq -r '.data[].id' "$E2E_TMP/search.json" | sort)
	all=$(printf '%s\n' PG.Before PG.During "${acked[@]}" "${refused[@]}" | sort)
	fail "search finds $hits of 62 packages; missing: $(comm -13 <(echo "$found") <(echo "$all") | tr '\n' ' ')"
fi
out=$(nuget_cmd list PG -AllVersions -Source "$BASE_URL/api/v2" 2>&1) || fail "NuGet.exe list: $out"
got=$(grep '^PG\.' <<<"$out" | sort -u)
expected=$(for id in PG.Before PG.During "${acked[@]}" "${refused[@]}"; do echo "$id 1.0.0"; done | sort -u)
[[ $got == "$expected" ]] || fail "NuGet.exe list (v2) differs: missing [$(comm -13 <(echo "$got") <(echo "$expected") | tr '\n' ' ')], extra [$(comm -23 <(echo "$got") <(echo "$expected") | tr '\n' ' ')]"
listed=$(wc -l <<<"$got")
for id in "${acked[@]}" "${refused[@]}"; do
	assert_served_as "$pkgs/$id.1.0.0.nupkg" "$id" 1.0.0
done
pass "the refused pushes succeed once the database is back; NuGet.exe installs PG.During (v3) and lists all $listed packages (v2)"
