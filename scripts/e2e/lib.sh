# lib.sh: helpers for end-to-end scripts. Source it, don't run it (it is not executable,
# so scripts/test does not pick it up as a test):
#
#   #!/usr/bin/env bash
#   source "$(dirname "$0")/lib.sh"
#   start_server
#   nuget_cmd push "$ROOT/fixtures/good/x.1.0.0.nupkg" -Source "$BASE_URL/..." -ApiKey "$ADMIN_KEY"
#   assert_status 200 "$BASE_URL/healthz"
#   pass "pushed and read back"
#
# scripts/test sets E2E_TMP (a fresh folder for this script), E2E_BUILD_DIR (shared by all
# scripts of one run, so the server is built once) and TOOLS_DIR. Run by hand, a script
# makes its own temp folder and removes it on exit.
#
# Everything the helpers start is stopped on EXIT. A script that needs its own EXIT work
# appends a command with on_exit 'command'.

set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
TOOLS_DIR=${TOOLS_DIR:-$ROOT/.tools}
E2E_NAME=$(basename "$0" .sh)

if [[ -z ${E2E_TMP:-} ]]; then
	E2E_TMP=$(mktemp -d "${TMPDIR:-/tmp}/e2e-$E2E_NAME.XXXXXX")
	_e2e_own_tmp=1
else
	_e2e_own_tmp=""
fi
mkdir -p "$E2E_TMP"

if ! command -v go >/dev/null 2>&1 && [[ -x /usr/local/go/bin/go ]]; then
	PATH=/usr/local/go/bin:$PATH
fi
# shellcheck source=../services.sh
source "$ROOT/scripts/services.sh"

# --- exit handling --------------------------------------------------------------------

_e2e_exit_cmds=()

# on_exit CMD: run CMD (a string, eval'd) when the script exits, after earlier ones.
on_exit() { _e2e_exit_cmds+=("$1"); }

_e2e_on_exit() {
	local rc=$?
	local i
	for ((i = ${#_e2e_exit_cmds[@]} - 1; i >= 0; i--)); do
		eval "${_e2e_exit_cmds[i]}" || true
	done
	if [[ -n $_e2e_own_tmp ]]; then
		rm -rf "$E2E_TMP"
	fi
	if ((rc != 0)); then
		echo "FAIL: $E2E_NAME (exit $rc)" >&2
	fi
	exit "$rc"
}
trap _e2e_on_exit EXIT
# Bash skips the EXIT trap when a signal kills it; turn signals into exits so the server
# is stopped when scripts/test's timeout fires or someone presses Ctrl-C.
trap 'exit 143' TERM
trap 'exit 130' INT

# --- reporting ------------------------------------------------------------------------

# pass MSG: record one passing check.
pass() { echo "ok: $*"; }

# fail MSG: stop the script as failed.
fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# assert_eq GOT WANT [MSG]
assert_eq() {
	local got=$1 want=$2 msg=${3:-value}
	if [[ $got != "$want" ]]; then
		fail "$msg: got '$got', want '$want'"
	fi
}

# assert_contains HAYSTACK NEEDLE [MSG]
assert_contains() {
	local hay=$1 needle=$2 msg=${3:-output}
	if [[ $hay != *"$needle"* ]]; then
		fail "$msg: '$needle' not found in: $hay"
	fi
}

# assert_status WANT URL [curl args...]: the HTTP status of one request. The body goes to
# $E2E_TMP/last-body for a later look.
assert_status() {
	local want=$1 url=$2
	shift 2
	local got
	got=$(curl -s -o "$E2E_TMP/last-body" -w '%{http_code}' "$@" "$url") || true
	if [[ $got != "$want" ]]; then
		fail "status of ${*:+$* }$url: got $got, want $want; body: $(head -c 500 "$E2E_TMP/last-body" 2>/dev/null)"
	fi
}

# --- the backend: embedded (default) or PostgreSQL + S3 ---------------------------------
#
# E2E_BACKEND=pgs3 puts every server start_server starts on PostgreSQL and S3 instead of
# the data folder's SQLite files and packages/: each gets a fresh database and a fresh
# bucket, and the script's environment gets its FEEDSERVER_DATABASE, FEEDSERVER_STORAGE and
# AWS variables, so the sub-commands (apikey, space, owner) and a restart by hand reach the
# same ones. scripts/test starts one cluster and one gateway for its pgs3 pass (PG_PORT,
# S3_URL, ... in the environment); a script run by hand with E2E_BACKEND=pgs3 starts its own.
#
# What a script may look at either way:
#   STORE_DIR          the folder holding the package store's files (packages/, or the
#                      gateway's folder of the bucket and prefix), set by start_server
#   drop_catalogue     delete the catalogue and search index (server stopped): a restart
#                      re-indexes the store; keys, spaces and owners stay
#   dump_databases     every byte the databases hold, for a grep

E2E_BACKEND=${E2E_BACKEND:-}
case $E2E_BACKEND in
"") ;;
pgs3)
	if [[ -z ${PG_PORT:-} ]]; then
		pg_start || fail "PostgreSQL did not start"
		on_exit pg_remove
	fi
	if [[ -z ${S3_URL:-} ]]; then
		s3_start "$E2E_TMP/s3" || fail "versitygw did not start"
		on_exit s3_stop
	fi
	;;
*) fail "E2E_BACKEND=$E2E_BACKEND: want pgs3, or nothing for the embedded default" ;;
esac

_e2e_servers=0

# _backend_new: the store (and, on pgs3, the database) of the server being started.
_backend_new() {
	if [[ -z $E2E_BACKEND ]]; then
		STORE_DIR=$SERVER_DATA/packages
		export STORE_DIR
		return 0
	fi
	_e2e_servers=$((_e2e_servers + 1))
	local name kv
	name=$(echo "e2e-$E2E_NAME-$$-$_e2e_servers" | tr 'A-Z_.' 'a-z--')
	E2E_DATABASE=${name//-/_}
	pg_createdb "$E2E_DATABASE" || fail "create database $E2E_DATABASE"
	s3_mkbucket "$name" || fail "create bucket $name"
	FEEDSERVER_DATABASE=$(pg_url "$E2E_DATABASE")
	export E2E_DATABASE FEEDSERVER_DATABASE
	while IFS= read -r kv; do
		export "${kv?}"
	done < <(s3_env "$name" feed)
	STORE_DIR=$S3_ROOT/$name/feed
	E2E_BUCKET=$name
	export STORE_DIR E2E_BUCKET
}

# _backend_check: the server's start-up lines name the backends it was given.
_backend_check() {
	[[ -n $E2E_BACKEND ]] || return 0
	grep -q "database: PostgreSQL 127.0.0.1:$PG_PORT/$E2E_DATABASE)" "$SERVER_LOG" ||
		fail "the server does not say it is on database $E2E_DATABASE: $(head -n 5 "$SERVER_LOG")"
	grep -q "msg=\"package store\" store=\"s3://$E2E_BUCKET/feed at $S3_URL\"" "$SERVER_LOG" ||
		fail "the server does not say it is on bucket $E2E_BUCKET: $(head -n 5 "$SERVER_LOG")"
}

drop_catalogue() {
	rm -rf "$SERVER_DATA/search"
	if [[ -z $E2E_BACKEND ]]; then
		rm -rf "$SERVER_DATA/catalog.db" "$SERVER_DATA"/catalog.db-*
	else
		pg_sql "$E2E_DATABASE" 'TRUNCATE packages, generic_files, generic_state' || fail "truncate the catalogue"
	fi
}

dump_databases() {
	if [[ -z $E2E_BACKEND ]]; then
		cat "$SERVER_DATA"/*.db*
	else
		"$PG_BIN/pg_dump" -h 127.0.0.1 -p "$PG_PORT" -U postgres "$E2E_DATABASE"
	fi
}

# --- NuGet.exe ------------------------------------------------------------------------

NUGET=$TOOLS_DIR/bin/nuget
NUGET_HOME=$E2E_TMP/nuget-home

_nuget_raw() {
	# A private HOME keeps config, API keys and caches away from the machine's; a private
	# TMPDIR keeps NuGet's scratch folder (NuGetScratch) away from other runs.
	mkdir -p "$NUGET_HOME" "$E2E_TMP/nuget-tmp"
	env -u XDG_CONFIG_HOME -u XDG_DATA_HOME -u XDG_CACHE_HOME \
		HOME="$NUGET_HOME" TMPDIR="$E2E_TMP/nuget-tmp" "$NUGET" "$@" -NonInteractive -ForceEnglishOutput </dev/null
}

_nuget_init_home() {
	[[ -f $NUGET_HOME/.config/NuGet/NuGet.Config ]] && return 0
	mkdir -p "$NUGET_HOME/.config/NuGet"
	# No default source: nothing reaches nuget.org, every command names its -Source.
	cat >"$NUGET_HOME/.config/NuGet/NuGet.Config" <<'EOF'
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <clear />
  </packageSources>
</configuration>
EOF
}

# nuget_cmd ARGS...: NuGet.exe 5.8 under Mono, non-interactive, English output, with this
# script's private HOME. Caches are cleared before each call so every call really talks to
# the server.
nuget_cmd() {
	[[ -x $NUGET ]] || fail "NuGet.exe wrapper missing at $NUGET: run scripts/install-tools"
	_nuget_init_home
	_nuget_raw locals all -clear >/dev/null || fail "nuget locals all -clear failed"
	_nuget_raw "$@"
}

# --- the server -----------------------------------------------------------------------

# new_api_key: a key in the Octopus format, API- and 32 characters of [A-Z0-9].
new_api_key() {
	local chars
	chars=$(LC_ALL=C tr -dc 'A-Z0-9' </dev/urandom | head -c 32) || true
	echo "API-$chars"
}

# build_server: builds ./cmd/feedserver once per test run into $E2E_BUILD_DIR (or this
# script's temp folder) and prints the binary's path.
build_server() {
	local dir=${E2E_BUILD_DIR:-$E2E_TMP/build}
	mkdir -p "$dir"
	if [[ ! -x $dir/feedserver ]]; then
		(cd "$ROOT" && go build -o "$dir/feedserver.tmp" ./cmd/feedserver) >&2 ||
			fail "go build ./cmd/feedserver failed"
		mv "$dir/feedserver.tmp" "$dir/feedserver"
	fi
	echo "$dir/feedserver"
}

# start_server [extra env assignments...]: starts the server on a free loopback port with a
# fresh data folder (and on E2E_BACKEND=pgs3 a fresh database and bucket) and a new admin
# key; waits for GET /healthz. Exports BASE_URL, ADMIN_KEY, SERVER_PID, SERVER_DATA,
# SERVER_LOG and STORE_DIR; the server is stopped on EXIT.
# Example: start_server FEEDSERVER_MAX_PACKAGE_SIZE=1048576
start_server() {
	local bin port
	bin=$(build_server)
	port=$(free_port)
	SERVER_DATA=$(mktemp -d "$E2E_TMP/data.XXXXXX")
	SERVER_LOG=$E2E_TMP/server-$port.log
	ADMIN_KEY=$(new_api_key)
	BASE_URL=http://127.0.0.1:$port
	export SERVER_DATA SERVER_LOG ADMIN_KEY BASE_URL
	_backend_new

	env FEEDSERVER_DATA="$SERVER_DATA" \
		FEEDSERVER_LISTEN="127.0.0.1:$port" \
		FEEDSERVER_ADMIN_API_KEY="$ADMIN_KEY" \
		"$@" "$bin" >"$SERVER_LOG" 2>&1 &
	SERVER_PID=$!
	export SERVER_PID
	on_exit "stop_server $SERVER_PID"

	local i
	for i in $(seq 1 100); do
		if curl -fsS -o /dev/null "$BASE_URL/healthz" 2>/dev/null; then
			_backend_check
			echo "server up at $BASE_URL (pid $SERVER_PID, data $SERVER_DATA${E2E_BACKEND:+, database $E2E_DATABASE, bucket $E2E_BUCKET})"
			return 0
		fi
		if ! kill -0 "$SERVER_PID" 2>/dev/null; then
			echo "--- server log" >&2
			cat "$SERVER_LOG" >&2
			fail "server exited before /healthz answered"
		fi
		sleep 0.1
	done
	echo "--- server log" >&2
	cat "$SERVER_LOG" >&2
	fail "server did not answer /healthz within 10s"
}

# stop_server PID: SIGTERM, then SIGKILL after 10s; prints the log tail if it was a crash.
stop_server() {
	local pid=$1
	kill -0 "$pid" 2>/dev/null || return 0
	kill -TERM "$pid" 2>/dev/null || true
	local i
	for i in $(seq 1 100); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		echo "server $pid did not stop on SIGTERM; killing it" >&2
		kill -KILL "$pid" 2>/dev/null || true
	fi
	wait "$pid" 2>/dev/null || true
}
