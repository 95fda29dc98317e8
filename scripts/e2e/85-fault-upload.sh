#!/usr/bin/env bash
# 85-fault-upload: clients that misbehave mid-upload, against the real server with a 2 s upload
# idle window (FEEDSERVER_UPLOAD_IDLE_TIMEOUT): a client that disconnects mid-upload, one that
# stalls, one that trickles a few bytes a second. Each ends with a log line, no package and no
# temporary file, and the server serving; an honest upload slower than the window (a 3 MiB
# package at 512 KiB/s) is not cut off. (Two pushes of one version racing over HTTP: one 201,
# the rest 409 — TestConcurrentPushesOneWinner in protocol/push_test.go.)
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=faultlib.sh
source "$(dirname "$0")/faultlib.sh"

pkgs=$E2E_TMP/pkgs
mkdir -p "$pkgs"
start_server FEEDSERVER_UPLOAD_IDLE_TIMEOUT=2s
port=${BASE_URL##*:}

# wait_log PATTERN: the server logged a line matching PATTERN (grep -E) within 20 s; prints it.
wait_log() {
	local line
	for _ in $(seq 1 200); do
		if line=$(grep -E "$1" "$SERVER_LOG" | tail -1) && [[ -n $line ]]; then
			echo "$line"
			return 0
		fi
		sleep 0.1
	done
	fail "no log line matching $1"
}

# --- a client that disconnects mid-upload ---------------------------------------------
f=$(make_nupkg "$pkgs" Upload.Disconnect 1.0.0 2048)
rc=0
curl -s -o /dev/null --limit-rate 256K --max-time 1 -X PUT -H "X-NuGet-ApiKey: $ADMIN_KEY" \
	-H "X-Request-Id: disconnect-test" -F "package=@$f" "$BASE_URL/api/v2/package" || rc=$?
assert_eq "$rc" 28 "curl exit code (28: it gave up mid-upload)"
line=$(wait_log 'id=disconnect-test .*status=400')
assert_contains "$line" "bad upload" "log line of the cut upload"
echo "log: ${line:0:300}"
assert_eq "$(flat_versions Upload.Disconnect)" "" "versions served after the disconnect"
assert_eq "$(disk_versions Upload.Disconnect)" "" "versions on disk after the disconnect"
assert_no_temp_files
pass "a client that hung up mid-upload left a log line, no package and no temporary file"

# --- a client that stalls, and one that trickles -----------------------------------------
# slow_push ID MODE: sends the head of a multipart push, then (stall) nothing or (trickle)
# 4 bytes a second, over a raw socket; prints the status line the server answers with, or
# "closed" when it just closed the connection.
slow_push() {
	local id=$1 mode=$2 f boundary=faultboundary42 head tail len
	f=$(make_nupkg "$pkgs" "$id" 1.0.0 256)
	head="--$boundary"$'\r\n''Content-Disposition: form-data; name="package"; filename="p.nupkg"'$'\r\n''Content-Type: application/octet-stream'$'\r\n\r\n'
	tail=$'\r\n'"--$boundary--"$'\r\n'
	len=$((${#head} + $(stat -c %s "$f") + ${#tail}))
	exec 3<>"/dev/tcp/127.0.0.1/$port"
	printf 'PUT /api/v2/package HTTP/1.1\r\nHost: 127.0.0.1\r\nX-NuGet-ApiKey: %s\r\nX-Request-Id: %s\r\nContent-Type: multipart/form-data; boundary=%s\r\nContent-Length: %d\r\n\r\n%s' \
		"$ADMIN_KEY" "$mode-test" "$boundary" "$len" "$head" >&3
	head -c 1000 "$f" >&3
	local trickler=""
	if [[ $mode == trickle ]]; then
		(
			trap '' PIPE
			for _ in $(seq 1 120); do
				printf 'xxxx' >&3 2>/dev/null || exit 0
				sleep 1
			done
		) >/dev/null 2>&1 &
		trickler=$!
	fi
	local status
	status=$(timeout 30 head -n 1 <&3 | tr -d '\r') || true
	exec 3<&-
	[[ -z $trickler ]] || kill "$trickler" 2>/dev/null || true
	echo "${status:-closed}"
}

for mode in stall trickle; do
	status=$(slow_push "Upload.${mode^}" "$mode")
	[[ $status == "HTTP/1.1 400"* || $status == closed ]] || fail "$mode: the server answered '$status', want 400 or a closed connection"
	line=$(wait_log "id=$mode-test .*status=400")
	assert_contains "$line" "less than 65536 bytes in 2s" "log line of the $mode"
	echo "log: ${line:0:300}"
	assert_eq "$(flat_versions "Upload.${mode^}")" "" "versions served after the $mode"
	assert_no_temp_files
	pass "$mode: cut off by the idle window ($status), logged, nothing stored"
done

# --- an honest upload slower than the window ---------------------------------------------
f=$(make_nupkg "$pkgs" Upload.Slow 1.0.0 3072)
code=$(curl -s -o /dev/null -w '%{http_code}' --limit-rate 512K -X PUT -H "X-NuGet-ApiKey: $ADMIN_KEY" \
	-F "package=@$f" "$BASE_URL/api/v2/package")
assert_eq "$code" 201 "a 3 MiB push at 512 KiB/s (about 6 s, three idle windows)"
assert_served_as "$f" Upload.Slow 1.0.0
pass "an honest slow upload is not cut off"

assert_status 200 "$BASE_URL/healthz"
assert_eq "$(push_nupkg "$(make_nupkg "$pkgs" Upload.After 1.0.0)")" 201 "push after the faults"
pass "the server still serves and takes pushes"
