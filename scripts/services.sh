# shellcheck shell=bash
# services.sh: the backing services a feedserver can run on, started on loopback for the
# tests and the benchmarks: a throwaway PostgreSQL cluster and a versitygw S3 gateway
# (Apache-2.0; scripts/install-tools puts it in $TOOLS_DIR/bin). Source it; it is not
# executable. scripts/test, scripts/bench and scripts/e2e/lib.sh use it.
#
#   free_port                  a TCP port on 127.0.0.1 that nothing listens on
#   pg_start                   a new cluster in a new temp folder (PG_DIR, PG_PORT, PG_BIN)
#   pg_stop / pg_resume        stop it (fast: clients are cut off) / start it again, same port
#   pg_remove                  stop it and delete its folder
#   pg_createdb NAME           an empty database; pg_url NAME is its connection URL
#   pg_sql DB SQL              run SQL in DB with psql, print the rows unaligned
#   s3_start ROOT [ARGS...]    versitygw's posix backend on ROOT (objects are plain files
#                              there: ROOT/BUCKET/KEY); S3_URL, S3_ROOT, S3_KEY, S3_SECRET
#   s3_stop / s3_resume        stop it / start it again on the same port and folder
#   s3_mkbucket NAME           create a bucket, as any S3 client does
#   s3_env BUCKET PREFIX       the settings of a server on that bucket: FEEDSERVER_STORAGE
#                              and the standard AWS variables, one NAME=VALUE a line
#
# Every function returns non-zero with a message on standard error when it fails; the
# caller decides what that means. PostgreSQL runs as the postgres user when we are root
# (initdb refuses root), with Debian's newest /usr/lib/postgresql/N/bin.

# free_port: below Linux's ephemeral range (32768 and up): a port there can be the local
# end of some client's connection, and a bind then fails.
free_port() {
	local port
	for _ in $(seq 1 50); do
		port=$((20000 + RANDOM % 12000))
		if ! (echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
			echo "$port"
			return 0
		fi
	done
	echo "free_port: no free port found" >&2
	return 1
}

# --- PostgreSQL -----------------------------------------------------------------------

# _pg_as: the command prefix that runs a PostgreSQL program as the cluster's owner.
_pg_as() {
	if ((EUID == 0)); then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

pg_start() {
	PG_BIN=$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -name bin 2>/dev/null | sort -V | tail -n 1)
	if [[ ! -x $PG_BIN/initdb ]]; then
		echo "pg_start: no /usr/lib/postgresql/N/bin/initdb: run scripts/install-tools (Debian's postgresql)" >&2
		return 1
	fi
	# Its own folder under /tmp, not the caller's: the postgres user must reach it.
	PG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/feedserver-pg.XXXXXX")
	if ((EUID == 0)); then chown postgres: "$PG_DIR"; fi
	# An ICU collation that is not byte order, as internal/testsvc's cluster has, so a
	# query that forgets COLLATE "C" fails here too; -N: a throwaway cluster needs no
	# fsync of its initial files (the running server fsyncs as any would).
	if ! _pg_as "$PG_BIN/initdb" -N -D "$PG_DIR/data" -U postgres -A trust -E UTF8 \
		--locale=C.UTF-8 --locale-provider=icu --icu-locale=en-US >"$PG_DIR/initdb.log" 2>&1; then
		cat "$PG_DIR/initdb.log" >&2
		echo "pg_start: initdb failed" >&2
		return 1
	fi
	PG_PORT=$(free_port) || return 1
	_pg_as tee -a "$PG_DIR/data/postgresql.auto.conf" >/dev/null <<EOF
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$PG_DIR'
max_connections = 300
EOF
	export PG_BIN PG_DIR PG_PORT
	pg_resume
}

pg_resume() {
	if ! _pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/log" -w -t 120 start >/dev/null; then
		tail -n 20 "$PG_DIR/log" >&2
		echo "pg_start: pg_ctl start failed" >&2
		return 1
	fi
}

pg_stop() {
	_pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w -t 120 stop >/dev/null
}

pg_remove() {
	[[ -n ${PG_DIR:-} && -d $PG_DIR ]] || return 0
	pg_stop 2>/dev/null || true
	rm -rf "$PG_DIR"
}

pg_url() { echo "postgres://postgres@127.0.0.1:$PG_PORT/$1?sslmode=disable"; }

pg_createdb() {
	"$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres "$1"
}

pg_sql() {
	"$PG_BIN/psql" -X -q -A -t -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U postgres -d "$1" -c "$2"
}

# --- S3 (versitygw) -------------------------------------------------------------------

S3_KEY=feedserver-e2e
S3_SECRET=feedserver-e2e-secret

s3_start() {
	S3_ROOT=$1
	shift
	S3_ARGS=("$@")
	S3_PORT=$(free_port) || return 1
	S3_URL=http://127.0.0.1:$S3_PORT
	export S3_ROOT S3_PORT S3_URL S3_KEY S3_SECRET
	mkdir -p "$S3_ROOT"
	s3_resume
}

# s3_resume: the gateway's log goes beside its folder.
s3_resume() {
	local vgw=${TOOLS_DIR:?}/bin/versitygw
	if [[ ! -x $vgw ]]; then
		echo "s3_start: versitygw missing at $vgw: run scripts/install-tools" >&2
		return 1
	fi
	"$vgw" --port "127.0.0.1:$S3_PORT" --access "$S3_KEY" --secret "$S3_SECRET" --quiet "${S3_ARGS[@]}" \
		posix "$S3_ROOT" >>"$S3_ROOT.log" 2>&1 &
	S3_PID=$!
	for _ in $(seq 1 100); do
		curl -s -o /dev/null "$S3_URL/" && return 0
		sleep 0.1
	done
	echo "s3_start: versitygw did not answer on $S3_URL: $(tail -n 5 "$S3_ROOT.log")" >&2
	return 1
}

s3_stop() {
	[[ -n ${S3_PID:-} ]] || return 0
	kill -TERM "$S3_PID" 2>/dev/null || true
	wait "$S3_PID" 2>/dev/null || true
}

# s3_mkbucket NAME: curl signs the request itself (SigV4).
s3_mkbucket() {
	local out
	out=$(curl -s -w '\n%{http_code}' --aws-sigv4 "aws:amz:us-east-1:s3" --user "$S3_KEY:$S3_SECRET" \
		-H "x-amz-content-sha256: $(sha256sum </dev/null | cut -d' ' -f1)" -X PUT "$S3_URL/$1")
	if [[ ${out##*$'\n'} != 200 ]]; then
		echo "s3_mkbucket $1: $out" >&2
		return 1
	fi
}

# s3_env BUCKET PREFIX: as the README's "Running on PostgreSQL and S3" sets them.
s3_env() {
	echo "FEEDSERVER_STORAGE=s3://$1/$2"
	echo "AWS_ACCESS_KEY_ID=$S3_KEY"
	echo "AWS_SECRET_ACCESS_KEY=$S3_SECRET"
	echo "AWS_ENDPOINT_URL_S3=$S3_URL"
	echo "AWS_REGION=us-east-1"
}
