# backendlib.sh: the services of the multi-machine backends for e2e scripts, on loopback,
# stopped on EXIT: versitygw (an S3-compatible gateway, Apache-2.0) and a throwaway
# PostgreSQL cluster. Source it after lib.sh (it is not executable, so scripts/test does
# not run it):
#
#   s3_init; s3_make_bucket feeds       # S3_URL, S3_KEY, S3_SECRET, S3_ROOT
#   pg_init                             # PG_URL
#
# The Go tests start the same services through internal/testsvc.

VGW=$TOOLS_DIR/bin/versitygw
S3_KEY=feedserver-e2e
S3_SECRET=feedserver-e2e-secret
S3_ROOT=$E2E_TMP/s3

# s3_init: versitygw's posix backend on S3_ROOT (objects are plain files there) on a free
# port; sets S3_PORT and S3_URL.
s3_init() {
	[[ -x $VGW ]] || fail "versitygw missing at $VGW: run scripts/install-tools"
	S3_PORT=$(free_port)
	S3_URL=http://127.0.0.1:$S3_PORT
	mkdir -p "$S3_ROOT"
	on_exit 's3_stop'
	s3_start
}

# s3_start: (re)starts the gateway on S3_PORT.
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

# s3_make_bucket NAME: curl signs the request itself (SigV4): the bucket is made as any S3
# client makes one.
s3_make_bucket() {
	local code
	code=$(curl -s -o "$E2E_TMP/mb" -w '%{http_code}' --aws-sigv4 "aws:amz:us-east-1:s3" \
		--user "$S3_KEY:$S3_SECRET" -H "x-amz-content-sha256: $(sha256sum </dev/null | cut -d' ' -f1)" \
		-X PUT "$S3_URL/$1")
	assert_eq "$code" 200 "create the bucket $1: $(cat "$E2E_TMP/mb")"
}

# pg_init: a PostgreSQL cluster (Debian's newest /usr/lib/postgresql/N/bin) on 127.0.0.1 and
# a free port, trusting local connections, in a folder of its own (owned by the postgres
# user when we are root: initdb refuses root); sets PG_URL to its postgres database.
pg_init() {
	PG_BIN=$(find /usr/lib/postgresql -maxdepth 2 -name bin 2>/dev/null | sort -V | tail -n 1)
	[[ -n $PG_BIN && -x $PG_BIN/initdb ]] || fail "PostgreSQL missing (Debian: apt-get install postgresql; scripts/install-tools does it)"
	PG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/e2e-pg.XXXXXX")
	PG_AS=()
	if ((EUID == 0)); then
		chown postgres: "$PG_DIR"
		PG_AS=(runuser -u postgres --)
	fi
	on_exit 'rm -rf "$PG_DIR"'
	"${PG_AS[@]}" "$PG_BIN/initdb" -N -D "$PG_DIR/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 \
		>"$PG_DIR/initdb.log" 2>&1 || fail "initdb: $(tail -n 5 "$PG_DIR/initdb.log")"
	PG_PORT=$(free_port)
	on_exit 'pg_stop'
	"${PG_AS[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/log" -w -t 60 \
		-o "-c listen_addresses=127.0.0.1 -c port=$PG_PORT -c unix_socket_directories=$PG_DIR" start >/dev/null ||
		fail "pg_ctl start: $(tail -n 5 "$PG_DIR/log")"
	PG_URL="postgres://postgres@127.0.0.1:$PG_PORT/postgres?sslmode=disable"
}

pg_stop() {
	"${PG_AS[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w -t 60 stop >/dev/null 2>&1 || true
}
