# shellcheck shell=bash
# faultlib.sh: helpers for the fault scripts (8x-fault-*.sh). Source it after lib.sh; like
# lib.sh it is not executable, so scripts/test does not run it as a test.
#
#   make_nupkg DIR ID VERSION [PAYLOAD_KIB]   build a package with zip, print its path
#   push_nupkg FILE                           NuGet v2 push with the admin key, print the status
#   start_on DATA [ENV=VALUE...]              start the server on an existing data folder
#   kill_server                               SIGKILL the server, wait for it to be gone
#   wait_ready                                wait for /readyz 200 (start-up re-index done)
#   flat_versions ID                          versions the flat container lists, one a line
#   disk_versions ID                          versions with a file on disk, one a line
#   assert_served_as FILE ID VERSION          the download is byte-identical to FILE
#   assert_catalogue_matches_disk ID...       flat container versions == files on disk, per id
#   assert_no_temp_files                      no spool or .tmp-* leftovers in the package directory
#   metric NAME                               a sample's value from /metrics (0 when absent)
#   start_pushers DIR PREFIX LOOPS N [PAUSE] LOOPS curl clients pushing DIR/PREFIX.L<l>.P<j>.1.0.0.nupkg
#   wait_acks DIR N                           until N pushes of start_pushers have answered
#   s3_setup                                  versitygw on loopback with an empty bucket; S3_ENV
#   s3_start, s3_stop                         start and stop that gateway again
#   pg_setup                                  a throwaway PostgreSQL on loopback; PG_DSN

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

# wait_ready: the start-up re-index is done.
wait_ready() {
	for _ in $(seq 1 600); do
		if [[ $(curl -s -o /dev/null -w '%{http_code}' "$BASE_URL/readyz") == 200 ]]; then
			return 0
		fi
		sleep 0.1
	done
	fail "/readyz not 200 within 60s"
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

# start_pushers DIR PREFIX LOOPS N [PAUSE]: LOOPS clients in the background, client l pushing
# $pkgs/PREFIX.L<l>.P<j>.1.0.0.nupkg for j = 1..N (PAUSE seconds apart) and writing "ID STATUS"
# to DIR/l<l> for each; their pids are in PUSHER_PIDS.
start_pushers() {
	local dir=$1 prefix=$2 loops=$3 n=$4 pause=${5:-0} l
	mkdir -p "$dir"
	PUSHER_PIDS=()
	for l in $(seq 1 "$loops"); do
		(
			for j in $(seq 1 "$n"); do
				id=$prefix.L$l.P$j
				echo "$id $(push_nupkg "$pkgs/$id.1.0.0.nupkg")" >>"$dir/l$l"
				sleep "$pause"
			done
		) &
		PUSHER_PIDS+=($!)
	done
}

# wait_acks DIR N: waits (up to 15 s) until the pushers of start_pushers have N answers.
wait_acks() {
	for _ in $(seq 1 300); do
		(($(cat "$1"/l* 2>/dev/null | wc -l) >= $2)) && return 0
		sleep 0.05
	done
}

# --- services on loopback, for the scripts that need them -----------------------------------

# s3_setup: versitygw (scripts/install-tools builds it) with its posix backend on
# $E2E_TMP/s3 (objects are plain files there, under $S3_ROOT/$BUCKET/feed/) on a free
# loopback port, and an empty bucket; S3_ENV is what a server needs to use it (-storage and
# the credentials). Stopped on EXIT.
s3_setup() {
	VGW=$TOOLS_DIR/bin/versitygw
	[[ -x $VGW ]] || fail "versitygw missing at $VGW: run scripts/install-tools"
	S3_KEY=feedserver-e2e
	S3_SECRET=feedserver-e2e-secret
	S3_PORT=$(free_port)
	S3_URL=http://127.0.0.1:$S3_PORT
	S3_ROOT=$E2E_TMP/s3
	BUCKET=feeds
	mkdir -p "$S3_ROOT"
	on_exit 's3_stop'
	s3_start
	# curl signs requests itself (SigV4): the bucket is made as any S3 client makes one.
	local code
	code=$(curl -s -o "$E2E_TMP/mb" -w '%{http_code}' --aws-sigv4 "aws:amz:us-east-1:s3" \
		--user "$S3_KEY:$S3_SECRET" -H "x-amz-content-sha256: $(sha256sum </dev/null | cut -d' ' -f1)" \
		-X PUT "$S3_URL/$BUCKET")
	assert_eq "$code" 200 "create the bucket: $(cat "$E2E_TMP/mb")"
	S3_ENV=(AWS_ACCESS_KEY_ID="$S3_KEY" AWS_SECRET_ACCESS_KEY="$S3_SECRET"
		FEEDSERVER_STORAGE="s3://$BUCKET/feed?endpoint=$S3_URL&region=us-east-1&path-style=true")
}

# s3_start: the gateway of s3_setup, started (again).
s3_start() {
	"$VGW" --port "127.0.0.1:$S3_PORT" --access "$S3_KEY" --secret "$S3_SECRET" --quiet \
		posix "$S3_ROOT" >>"$E2E_TMP/versitygw.log" 2>&1 &
	S3_PID=$!
	for _ in $(seq 1 100); do
		curl -s -o /dev/null "$S3_URL/" && return 0
		sleep 0.1
	done
	fail "versitygw did not answer on $S3_URL"
}

s3_stop() {
	kill -TERM "$S3_PID" 2>/dev/null || true
	wait "$S3_PID" 2>/dev/null || true
}

# pg_setup: a PostgreSQL cluster of Debian's newest /usr/lib/postgresql/N (scripts/install-tools
# installs it; never the machine's service) in a folder of its own, on a free loopback port,
# trust authentication, with a database "feeds"; PG_DSN is its URL. As root the cluster runs
# as the postgres user, so its folder lies outside E2E_TMP (which only root may enter).
# Stopped and removed on EXIT.
pg_setup() {
	local bin
	bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
	[[ -x $bin/initdb ]] || fail "PostgreSQL missing (/usr/lib/postgresql/N/bin): run scripts/install-tools"
	PG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/feedserver-e2e-pg.XXXXXX")
	PG_AS=()
	if (($(id -u) == 0)); then
		chown postgres: "$PG_DIR"
		PG_AS=(runuser -u postgres --)
	fi
	PG_BIN=$bin
	PG_PORT=$(free_port)
	on_exit 'pg_stop'
	"${PG_AS[@]}" "$bin/initdb" -N -D "$PG_DIR/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >"$E2E_TMP/initdb.log" 2>&1 ||
		fail "initdb: $(tail -5 "$E2E_TMP/initdb.log")"
	printf "listen_addresses = '127.0.0.1'\nport = %d\nunix_socket_directories = '%s'\nmax_connections = 200\n" \
		"$PG_PORT" "$PG_DIR" | "${PG_AS[@]}" tee -a "$PG_DIR/data/postgresql.auto.conf" >/dev/null
	"${PG_AS[@]}" "$bin/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/log" -w -t 60 start >/dev/null ||
		fail "PostgreSQL did not start: $(tail -5 "$PG_DIR/log")"
	"${PG_AS[@]}" "$bin/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres feeds || fail "createdb feeds"
	PG_DSN="postgres://postgres@127.0.0.1:$PG_PORT/feeds?sslmode=disable"
}

pg_stop() {
	[[ -n ${PG_DIR:-} ]] || return 0
	"${PG_AS[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate -w stop >/dev/null 2>&1 || true
	rm -rf "$PG_DIR"
}

# psql_feeds SQL: one statement on pg_setup's database, unaligned output.
psql_feeds() {
	"${PG_AS[@]}" "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -d feeds -XAtq -c "$1"
}
