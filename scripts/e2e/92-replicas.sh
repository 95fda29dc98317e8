#!/usr/bin/env bash
# 92-replicas: two feedserver processes on one PostgreSQL and one S3 bucket (versitygw)
# behind Debian's nginx (round robin), all on loopback, as README "Running replicas" shows.
# Through nginx: NuGet.exe pushes and installs at once, again and again, with both replicas
# answering; an Octopus upload and get, a generic PUT and GET; 8 racing pushes of one
# identity answer one 201. One replica is SIGKILLed while four clients push through nginx:
# every acknowledged push downloads byte-identical through the survivor, and nothing
# partial is listed. The killed replica starts again and its search index has caught up.
# The search lag between replicas is measured (p50/p99). Last, the leader is SIGKILLed
# right after a re-index was asked of it: the survivor becomes the leader and runs it.
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=faultlib.sh
source "$(dirname "$0")/faultlib.sh"

command -v jq >/dev/null || fail "jq missing"
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
[[ -x $NGINX ]] || fail "nginx missing: run scripts/install-tools"

# A throwaway PostgreSQL cluster and versitygw on loopback (scripts/services.sh); the
# gateway's posix backend keeps the objects as plain files under $S3_ROOT/$BUCKET/feed.
pg_start || fail "PostgreSQL did not start"
on_exit pg_remove
pg_createdb feeds || fail "create database feeds"
PG_DSN=$(pg_url feeds)
BUCKET=feeds
s3_start "$E2E_TMP/s3" || fail "versitygw did not start"
on_exit s3_stop
s3_mkbucket "$BUCKET" || fail "create the bucket"
mapfile -t S3_ENV < <(s3_env "$BUCKET" feed)
pkgs=$E2E_TMP/pkgs
mkdir -p "$pkgs"
SERVER_BIN=$(build_server)
ADMIN_KEY=$(new_api_key)

# --- two replicas ------------------------------------------------------------------------
declare -a R_URL R_PID R_DATA
# replica_start I: start replica I (again) on its own data folder and port.
replica_start() {
	local i=$1
	R_DATA[i]=${R_DATA[i]:-$E2E_TMP/replica$i}
	mkdir -p "${R_DATA[i]}"
	BASE_URL=${R_URL[i]:-http://127.0.0.1:$(free_port)}
	start_on "${R_DATA[i]}" FEEDSERVER_DATABASE="$PG_DSN" "${S3_ENV[@]}"
	wait_ready
	R_URL[i]=$BASE_URL
	R_PID[i]=$SERVER_PID
}
# One after the other: the first start makes the administrator key both use.
replica_start 1
replica_start 2
echo "replicas: ${R_URL[1]} (pid ${R_PID[1]}), ${R_URL[2]} (pid ${R_PID[2]})"

# --- nginx in front of them ---------------------------------------------------------------
# Its own folder outside E2E_TMP: as root, nginx's workers run as nobody and must reach it.
NGX=$(mktemp -d "${TMPDIR:-/tmp}/feedserver-e2e-nginx.XXXXXX")
chmod 755 "$NGX"
LB_PORT=$(free_port)
LB=http://127.0.0.1:$LB_PORT
# The server block is README's, with the upstream's addresses filled in; the rest keeps
# nginx's files in $NGX.
cat >"$NGX/nginx.conf" <<EOF
worker_processes 1;
pid $NGX/nginx.pid;
error_log $NGX/error.log warn;
events { worker_connections 512; }
http {
    log_format replica '\$request_method \$request_uri \$status \$upstream_addr';
    access_log $NGX/access.log replica;
    client_body_temp_path $NGX/body;
    proxy_temp_path $NGX/proxy;
    fastcgi_temp_path $NGX/fastcgi;
    uwsgi_temp_path $NGX/uwsgi;
    scgi_temp_path $NGX/scgi;

    upstream feedserver {
        server ${R_URL[1]#http://} max_fails=1 fail_timeout=10s;
        server ${R_URL[2]#http://} max_fails=1 fail_timeout=10s;
        keepalive 32;
    }
    server {
        listen 127.0.0.1:$LB_PORT;
        client_max_body_size 0;
        location / {
            proxy_pass http://feedserver;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host \$http_host;
            proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto \$scheme;
            proxy_request_buffering off;
            proxy_buffering off;
            proxy_read_timeout 300s;
            proxy_send_timeout 300s;
        }
    }
}
EOF
"$NGINX" -t -q -c "$NGX/nginx.conf" -p "$NGX" -g 'daemon off;' 2>"$E2E_TMP/nginx-t.log" || fail "nginx -t: $(cat "$E2E_TMP/nginx-t.log")"
"$NGINX" -c "$NGX/nginx.conf" -p "$NGX" -g 'daemon off;' 2>>"$NGX/error.log" &
NGINX_PID=$!
on_exit 'kill -QUIT $NGINX_PID 2>/dev/null; wait $NGINX_PID 2>/dev/null; rm -rf "$NGX"'
for _ in $(seq 1 100); do
	curl -s -o /dev/null "$LB/healthz" && break
	sleep 0.1
done
assert_status 200 "$LB/readyz"
BASE_URL=$LB
pass "nginx on $LB balances ${R_URL[1]} and ${R_URL[2]}"

# --- NuGet.exe: push through nginx, install at once, again and again ----------------------
rounds=4
for n in $(seq 1 $rounds); do
	f=$(make_nupkg "$pkgs" "Replica.Ci$n" 1.0.0 32)
	out=$(nuget_cmd push "$f" -Source "$LB/api/v2/package" -ApiKey "$ADMIN_KEY" 2>&1) || fail "NuGet.exe push $n: $out"
	out=$(nuget_cmd install "Replica.Ci$n" -Version 1.0.0 -Source "$LB/v3/index.json" -OutputDirectory "$E2E_TMP/installed" 2>&1) ||
		fail "NuGet.exe install $n right after its push: $out"
	cmp -s "$f" "$E2E_TMP/installed/Replica.Ci$n.1.0.0/Replica.Ci$n.1.0.0.nupkg" || fail "installed Replica.Ci$n differs from the pushed one"
done
# Both replicas answered NuGet.exe's requests.
answered=$(awk '$1 == "GET" && $2 ~ /^\/v3\// { print $4 }' "$NGX/access.log" | sort -u | wc -l)
assert_eq "$answered" 2 "replicas that answered NuGet.exe's v3 reads"
pass "NuGet.exe pushed through nginx and installed at once, $rounds times; both replicas answered"

# --- Octopus and generic through nginx ------------------------------------------------------
head -c 5000 /dev/urandom >"$pkgs/payload.bin"
(cd "$pkgs" && zip -q -X Replica.Deploy.1.0.0.zip payload.bin)
code=$(curl -s -o "$E2E_TMP/oct" -w '%{http_code}' -H "X-Octopus-ApiKey: $ADMIN_KEY" \
	-F "fileToUpload=@$pkgs/Replica.Deploy.1.0.0.zip" "$LB/api/Spaces-1/packages/raw")
assert_eq "$code" 201 "Octopus upload through nginx: $(cat "$E2E_TMP/oct")"
for _ in 1 2 3 4; do # each request may go to either replica
	assert_status 200 "$LB/api/Spaces-1/packages/packages-Replica.Deploy.1.0.0" -H "X-Octopus-ApiKey: $ADMIN_KEY"
	curl -s -o "$E2E_TMP/raw.zip" -H "X-Octopus-ApiKey: $ADMIN_KEY" "$LB/api/Spaces-1/packages/packages-Replica.Deploy.1.0.0/raw"
	cmp -s "$pkgs/Replica.Deploy.1.0.0.zip" "$E2E_TMP/raw.zip" || fail "Octopus raw download differs"
done
code=$(curl -s -o /dev/null -w '%{http_code}' -X PUT -H "Authorization: Bearer $ADMIN_KEY" \
	--data-binary "@$pkgs/payload.bin" "$LB/api/packages/ci/generic/tool/1.0.0/payload.bin")
assert_eq "$code" 201 "generic PUT through nginx"
for _ in 1 2 3 4; do
	curl -s -o "$E2E_TMP/gen.bin" "$LB/api/packages/ci/generic/tool/1.0.0/payload.bin"
	cmp -s "$pkgs/payload.bin" "$E2E_TMP/gen.bin" || fail "generic GET differs"
done
pass "Octopus upload/get/raw and generic PUT/GET through nginx, read back at once from either replica"

# --- 8 racing pushes of one identity --------------------------------------------------------
mkdir -p "$E2E_TMP/race"
for i in $(seq 1 8); do
	mkdir -p "$pkgs/race$i"
	make_nupkg "$pkgs/race$i" Replica.Raced 1.0.0 $((i * 8)) >/dev/null
done
pids=()
for i in $(seq 1 8); do
	echo "$(push_nupkg "$pkgs/race$i/Replica.Raced.1.0.0.nupkg")" >"$E2E_TMP/race/$i" &
	pids+=($!)
done
for p in "${pids[@]}"; do wait "$p"; done
codes=$(cat "$E2E_TMP"/race/* | sort | uniq -c | awk '{ print $2 "x" $1 }' | xargs)
assert_eq "$codes" "201x1 409x7" "answers to 8 racing pushes"
winner=$(grep -l 201 "$E2E_TMP"/race/*)
winner=${winner##*/}
assert_served_as "$pkgs/race$winner/Replica.Raced.1.0.0.nupkg" Replica.Raced 1.0.0
objects=$(find "$S3_ROOT/$BUCKET/feed/spaces-1/nuget/replica.raced" -type f | wc -l)
assert_eq "$objects" 1 "objects for Replica.Raced in the bucket"
assert_eq "$(pg_sql feeds "SELECT count(*) FROM packages WHERE lower(id) = 'replica.raced'")" 1 "rows for Replica.Raced"
pass "8 racing pushes through nginx: one 201, seven 409, one object, one row, the winner's bytes"

# --- SIGKILL of one replica during concurrent pushes ---------------------------------------
# faultlib's four pushers (60 packages Kill.L<l>.P<j> in $kill); the answers the kill may
# cause differ from an outage's (a 502 from nginx, a 409 for a retried push that landed),
# so they are read here rather than by wait_pushers.
kill=$E2E_TMP/kill
mkdir -p "$kill"
start_pushers "$kill" Kill 32
kill -KILL "${R_PID[2]}"
echo "replica 2 killed after $(cat "$kill"/acks-* | wc -l) pushes"
for p in "${PUSHER_PIDS[@]}"; do wait "$p"; done
wait "${R_PID[2]}" 2>/dev/null || true
echo "answers: $(awk '{ print $2 }' "$kill"/acks-* | sort | uniq -c | xargs)"
bad=$(awk '$2 != 201 && $2 != 502 && $2 != 409' "$kill"/acks-* | head -3)
[[ -z $bad ]] || fail "a push answered something else than 201, 502 or 409: $bad"
mapfile -t acked < <(awk '$2 == 201 { print $1 }' "$kill"/acks-*)
mapfile -t others < <(awk '$2 != 201 { print $1 }' "$kill"/acks-*)
BASE_URL=${R_URL[1]}
for id in "${acked[@]}"; do
	assert_served_as "$kill/$id.1.0.0.nupkg" "$id" 1.0.0
done
listed_others=0
for id in "${others[@]}"; do
	v=$(flat_versions "$id")
	[[ -z $v ]] && continue
	assert_served_as "$kill/$id.1.0.0.nupkg" "$id" 1.0.0 # listed: then whole
	listed_others=$((listed_others + 1))
done
BASE_URL=$LB
for id in "${acked[@]}"; do
	assert_served_as "$kill/$id.1.0.0.nupkg" "$id" 1.0.0
done
pass "replica 2 SIGKILLed during pushes: all ${#acked[@]} acknowledged packages download byte-identical through the survivor and nginx; of ${#others[@]} unacknowledged, $listed_others listed (whole), the rest absent"

# --- the killed replica starts again; its search index caught up ----------------------------
replica_start 2
mapfile -t listed < <(curl -s "${R_URL[1]}/v3/search?q=kill&take=1000&prerelease=true" | jq -r '.data[].id' | sort)
mapfile -t listed2 < <(curl -s "${R_URL[2]}/v3/search?q=kill&take=1000&prerelease=true" | jq -r '.data[].id' | sort)
((${#listed[@]} >= ${#acked[@]})) || fail "search on the survivor finds ${#listed[@]} Kill packages, fewer than the ${#acked[@]} acknowledged"
assert_eq "${listed2[*]}" "${listed[*]}" "what the restarted replica's search finds"
grep -q 'search index' "$SERVER_LOG" && echo "log: $(grep 'search index' "$SERVER_LOG" | tail -1 | cut -c1-200)"
pass "replica 2 restarted: its search finds the same ${#listed[@]} packages as the survivor"
BASE_URL=$LB

# --- search lag between replicas ------------------------------------------------------------
# A search waits for the change log (read-your-writes), so the first search on replica 2
# after replica 1 acknowledged a push must find it: the lag is the time from the
# acknowledgement to the answer that holds the package, by curl's own clock (no process
# start counted); a search that misses it would be polled again, and is counted.
samples=60
lags=$E2E_TMP/lags
: >"$lags"
misses=0
for n in $(seq 1 $samples); do
	f=$(make_nupkg "$pkgs" "Lag.P$n" 1.0.0 1)
	code=$(curl -s -o /dev/null -w '%{http_code}' -X PUT -H "X-NuGet-ApiKey: $ADMIN_KEY" -F "package=@$f" "${R_URL[1]}/api/v2/package")
	assert_eq "$code" 201 "push Lag.P$n to replica 1"
	total=0
	for try in $(seq 1 200); do
		t=$(curl -s -o "$E2E_TMP/lag.json" -w '%{time_total}' "${R_URL[2]}/v3/search?q=Lag.P$n&take=20")
		total=$(awk -v a="$total" -v b="$t" 'BEGIN { print a + b }')
		grep -q "\"id\":\"Lag.P$n\"" "$E2E_TMP/lag.json" && break
		misses=$((misses + 1))
		sleep 0.005
		total=$(awk -v a="$total" 'BEGIN { print a + 0.005 }')
	done
	((try < 200)) || fail "replica 2 never found Lag.P$n"
	awk -v t="$total" 'BEGIN { printf "%d\n", t * 1000000 }' >>"$lags"
done
read -r p50 p99 max < <(sort -n "$lags" | awk '{ v[NR] = $1 } END { i50 = int(NR * 0.50 + 0.5); i99 = int(NR * 0.99 + 0.5); print v[i50], v[i99], v[NR] }')
echo "search lag replica 1 -> replica 2 over $samples pushes: p50 ${p50}us p99 ${p99}us max ${max}us; searches that missed: $misses"
assert_eq "$misses" 0 "searches on replica 2 that missed a push replica 1 had acknowledged"
# What the read barrier cost replica 2's reads (feedserver_read_barrier_duration_seconds).
curl -s "${R_URL[2]}/metrics" | awk '/^feedserver_read_barrier_duration_seconds_(count|sum)/ { v[$1] = $2 }
	END { c = v["feedserver_read_barrier_duration_seconds_count"]; if (c > 0) printf "replica 2 read barrier: %d reads, mean %.0fus\n", c, v["feedserver_read_barrier_duration_seconds_sum"] / c * 1e6 }'
pass "search on the other replica found every push at the first search after it was acknowledged (p99 ${p99}us)"

# --- the leader SIGKILLed right after a re-index was asked of it ----------------------------
leader=""
for _ in $(seq 1 100); do
	for i in 1 2; do
		[[ $(curl -s "${R_URL[i]}/metrics" | awk '$1 == "feedserver_cluster_leader" { print $2 }') == 1 ]] && leader=$i
	done
	[[ -n $leader ]] && break
	sleep 0.1
done
[[ -n $leader ]] || fail "no replica reports itself the leader"
other=$((3 - leader))
# The re-index the restarted replica asked for at its start must be over first (else 409).
for _ in $(seq 1 300); do
	st=$(curl -s -H "X-NuGet-ApiKey: $ADMIN_KEY" "${R_URL[other]}/api/admin/reindex")
	[[ $(jq .running <<<"$st") == false ]] && break
	sleep 0.1
done
runs=$(jq .runs <<<"$st")
# A warm re-index skips every file whose size and time match its row, and is over before
# the kill lands; new times on the bucket's files (versitygw reports the file's) make it
# read and hash each one again, so the kill lands mid-run.
find "$S3_ROOT/$BUCKET/feed" -type f -exec touch {} +
assert_status 202 "${R_URL[leader]}/api/admin/reindex" -X POST -H "X-NuGet-ApiKey: $ADMIN_KEY"
kill -KILL "${R_PID[leader]}"
wait "${R_PID[leader]}" 2>/dev/null || true
for _ in $(seq 1 600); do
	st=$(curl -s -H "X-NuGet-ApiKey: $ADMIN_KEY" "${R_URL[other]}/api/admin/reindex")
	[[ $(jq .running <<<"$st") == false && $(jq .runs <<<"$st") -gt $runs ]] && break
	sleep 0.1
done
[[ $(jq .running <<<"$st") == false && $(jq .runs <<<"$st") -gt $runs ]] || fail "the re-index was not finished after the leader died: $st"
assert_eq "$(jq -r '.error // ""' <<<"$st")" "" "the re-index's error"
runner=$(pg_sql feeds "SELECT runner FROM cluster_jobs WHERE name = 'reindex'")
assert_eq "${runner##*:}" "${R_PID[other]}" "the process that ran the re-index to the end"
assert_eq "$(curl -s "${R_URL[other]}/metrics" | awk '$1 == "feedserver_cluster_leader" { print $2 }')" 1 "the survivor's leader gauge"
pass "leader (replica $leader) SIGKILLed after a re-index was asked of it: replica $other became the leader and ran it ($(jq -c .progress <<<"$st"))"
