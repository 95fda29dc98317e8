# shellcheck shell=bash
# faultlib.sh: helpers for the fault scripts (8x-fault-*.sh). Source it after lib.sh; like
# lib.sh it is not executable, so scripts/test does not run it as a test.
#
#   make_nupkg DIR ID VERSION [PAYLOAD_KIB]   build a package with zip, print its path
#   push_nupkg FILE                           NuGet v2 push with the admin key, print the status
#   start_on DATA [ENV=VALUE...]              start the server on an existing data folder
#   kill_server                               SIGKILL the server, wait for it to be gone
#   wait_ready [SECONDS]                      wait for /readyz 200 (start-up re-index done)
#   flat_versions ID                          versions the flat container lists, one a line
#   disk_versions ID                          versions with a file on disk, one a line
#   assert_served_as FILE ID VERSION          the download is byte-identical to FILE
#   assert_catalogue_matches_disk ID...       flat container versions == files on disk, per id
#   assert_no_temp_files                      no spool or .tmp-* leftovers in the package directory
#   metric NAME                               a sample's value from /metrics (0 when absent)
#   start_pushers DIR PREFIX KIB              four curl pushers in the background (see there)
#   wait_pushers                              wait for them: ACKED and REFUSED (201 / 503 only)

# make_nupkg DIR ID VERSION [PAYLOAD_KIB]: a package as nuget pack lays it out, with a stored
# (uncompressed) random payload of PAYLOAD_KIB KiB (default 4), so sizes are what they say.
make_nupkg() {
	local dir=$1 id=$2 version=$3 kib=${4:-4}
	local work=$dir/.build-$id-$version
	rm -rf "$work"
	mkdir -p "$work/lib/netstandard2.0"
	cat >"$work/$id.nuspec" <<EOF
<?xml version="1.0" encoding="utf-8"?>
<package xmlns="http://schemas.microsoft.com/packaging/2013/05/nuspec.xsd">
  <metadata>
    <id>$id</id>
    <version>$version</version>
    <authors>feedserver faults</authors>
    <description>Made by scripts/e2e/faultlib.sh.</description>
    <tags>fault e2e</tags>
  </metadata>
</package>
EOF
	head -c $((kib * 1024)) /dev/urandom >"$work/lib/netstandard2.0/$id.dll"
	local out=$dir/$id.$version.nupkg
	rm -f "$out"
	(cd "$work" && zip -q -0 -X -r "$out" "$id.nuspec" lib) || fail "zip $out"
	rm -rf "$work"
	echo "$out"
}

# push_nupkg FILE: pushes with NuGet's v2 publish URL and prints the HTTP status
# ("000" when the connection failed).
push_nupkg() {
	curl -s -o /dev/null -w '%{http_code}' --max-time 60 -X PUT -H "X-NuGet-ApiKey: $ADMIN_KEY" \
		-F "package=@$1" "$BASE_URL/api/v2/package" || true
}

# start_on DATA [ENV=VALUE...]: like start_server, on an existing data folder, reusing
# BASE_URL and ADMIN_KEY when set (a restart). Run as another user by setting RUN_AS
# (a setpriv prefix, e.g. "setpriv --reuid=nobody --regid=nogroup --clear-groups").
start_on() {
	local data=$1
	shift
	local bin port
	bin=${SERVER_BIN:-$(build_server)}
	if [[ -z ${BASE_URL:-} ]]; then
		port=$(free_port)
		BASE_URL=http://127.0.0.1:$port
	fi
	port=${BASE_URL##*:}
	ADMIN_KEY=${ADMIN_KEY:-$(new_api_key)}
	SERVER_DATA=$data
	SERVER_LOG=$E2E_TMP/server-$port.log
	export SERVER_DATA SERVER_LOG ADMIN_KEY BASE_URL
	# shellcheck disable=SC2086 # RUN_AS is a command prefix
	env FEEDSERVER_DATA="$SERVER_DATA" \
		FEEDSERVER_LISTEN="127.0.0.1:$port" \
		FEEDSERVER_ADMIN_API_KEY="$ADMIN_KEY" \
		"$@" ${RUN_AS:-} "$bin" >>"$SERVER_LOG" 2>&1 &
	SERVER_PID=$!
	export SERVER_PID
	on_exit "stop_server $SERVER_PID"
	for _ in $(seq 1 150); do
		if curl -fsS -o /dev/null "$BASE_URL/healthz" 2>/dev/null; then
			return 0
		fi
		if ! kill -0 "$SERVER_PID" 2>/dev/null; then
			tail -n 30 "$SERVER_LOG" >&2
			fail "server exited before /healthz answered"
		fi
		sleep 0.1
	done
	tail -n 30 "$SERVER_LOG" >&2
	fail "server did not answer /healthz within 15s"
}

# kill_server: SIGKILL, as a power cut or the OOM killer would.
kill_server() {
	kill -KILL "$SERVER_PID" 2>/dev/null || true
	wait "$SERVER_PID" 2>/dev/null || true
}

# wait_ready [SECONDS]: /readyz answers 200 (the start-up re-index is done, every backend
# answers) within SECONDS (default 60).
wait_ready() {
	local secs=${1:-60}
	for _ in $(seq 1 $((secs * 10))); do
		if [[ $(curl -s -o /dev/null -w '%{http_code}' "$BASE_URL/readyz") == 200 ]]; then
			return 0
		fi
		sleep 0.1
	done
	fail "/readyz not 200 within ${secs}s"
}

# flat_versions ID: what the catalogue serves for ID (the flat container), sorted.
flat_versions() {
	local id=${1,,} code
	code=$(curl -s -o "$E2E_TMP/flat.json" -w '%{http_code}' "$BASE_URL/v3/package/$id/index.json")
	case $code in
	200) jq -r '.versions[]' "$E2E_TMP/flat.json" | sort ;;
	404) ;;
	*) fail "flat container of $id answered $code" ;;
	esac
}

# disk_versions ID: versions of ID with a package file in the default space, sorted.
disk_versions() {
	local id=${1,,} f
	for f in "$SERVER_DATA/packages/spaces-1/nuget/$id/$id".*.nupkg; do
		[[ -f $f ]] || continue
		f=${f##*/}
		f=${f#"$id".}
		echo "${f%.nupkg}"
	done | sort
}

# assert_served_as FILE ID VERSION: the flat-container download equals FILE byte for byte.
assert_served_as() {
	local file=$1 id=${2,,} version=${3,,}
	local got=$E2E_TMP/download.nupkg code
	code=$(curl -s -o "$got" -w '%{http_code}' "$BASE_URL/v3/package/$id/$version/$id.$version.nupkg")
	[[ $code == 200 ]] || fail "download of acknowledged $id $version: status $code"
	cmp -s "$file" "$got" || fail "download of $id $version differs from what was pushed"
}

# assert_catalogue_matches_disk ID...: for each id, the versions the catalogue serves are
# exactly the versions with a file on disk (every file catalogued, every row has its file).
assert_catalogue_matches_disk() {
	local id flat disk
	for id in "$@"; do
		flat=$(flat_versions "$id")
		disk=$(disk_versions "$id")
		[[ $flat == "$disk" ]] || fail "catalogue and disk disagree for $id: served [${flat//$'\n'/ }], on disk [${disk//$'\n'/ }]"
	done
}

# assert_no_temp_files: nothing half-written is left in the package directory.
assert_no_temp_files() {
	local left
	left=$(find "$SERVER_DATA/packages" \( -name '.push-*' -o -name '.tmp-*' \) 2>/dev/null | head -5)
	[[ -z $left ]] || fail "temporary files left behind: $left"
}

# metric NAME: the value of an unlabelled sample in /metrics, 0 when absent.
metric() {
	curl -s "$BASE_URL/metrics" | awk -v n="$1" '$1 == n { print $2; found = 1 } END { if (!found) print 0 }'
}

# start_pushers DIR PREFIX KIB: builds 4 x 15 packages PREFIX.L<l>.P<j> 1.0.0 in DIR (payloads
# of 1 to 4 times KIB KiB) and starts four curl clients that push them, each its fifteen one
# after the other, writing "ID STATUS" lines to DIR/acks-<l>. Returns once a quarter of the
# pushes have their answer, for the caller to break something under the rest.
start_pushers() {
	local dir=$1 prefix=$2 kib=$3 l j
	PUSHERS_DIR=$dir
	echo "building 60 packages"
	for l in 1 2 3 4; do
		for j in $(seq 1 15); do
			make_nupkg "$dir" "$prefix.L$l.P$j" 1.0.0 $(((j % 4 + 1) * kib)) >/dev/null
		done
	done
	_pusher() {
		local l=$1 j id
		for j in $(seq 1 15); do
			id=$prefix.L$l.P$j
			echo "$id $(push_nupkg "$dir/$id.1.0.0.nupkg")" >>"$dir/acks-$l"
			sleep 0.05
		done
	}
	PUSHER_PIDS=()
	for l in 1 2 3 4; do
		_pusher "$l" &
		PUSHER_PIDS+=($!)
	done
	for _ in $(seq 1 200); do
		(($(cat "$dir"/acks-* 2>/dev/null | wc -l) >= 15)) && break
		sleep 0.05
	done
}

# wait_pushers: every push answered 201 or 503 (never anything else) and some 503;
# ACKED and REFUSED are the ids of each.
wait_pushers() {
	local p bad
	for p in "${PUSHER_PIDS[@]}"; do wait "$p"; done
	bad=$(cat "$PUSHERS_DIR"/acks-* | awk '$2 != 201 && $2 != 503' | head -3)
	[[ -z $bad ]] || fail "a push answered neither 201 nor 503: $bad"
	mapfile -t ACKED < <(cat "$PUSHERS_DIR"/acks-* | awk '$2 == 201 { print $1 }')
	mapfile -t REFUSED < <(cat "$PUSHERS_DIR"/acks-* | awk '$2 == 503 { print $1 }')
	((${#REFUSED[@]} > 0)) || fail "no push met the outage"
	pass "${#ACKED[@]} pushes acknowledged, ${#REFUSED[@]} answered 503, none anything else"
}
