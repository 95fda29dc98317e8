#!/usr/bin/env bash
# 84-fault-catalogue: with the server stopped, the catalogue is deleted, then garbage is
# written over its header, then over its pages; then the search index is garbled and deleted.
# Each time the server starts, says what it found in one log line, sets the damaged file
# aside (catalog.db.corrupt-<time>; a search index is replaced when bleve cannot open it,
# set aside as search.corrupt-<time> when its files make bleve panic), rebuilds from the
# package directory, and serves, finds and takes every package again. API keys (keys.db)
# survive.
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=faultlib.sh
source "$(dirname "$0")/faultlib.sh"

pkgs=$E2E_TMP/pkgs
mkdir -p "$pkgs"
start_server
data=$SERVER_DATA
ids=()
for i in $(seq 1 12); do
	ids+=("Cat.P$i")
	assert_eq "$(push_nupkg "$(make_nupkg "$pkgs" "Cat.P$i" 1.0.0 8)")" 201 "push Cat.P$i"
done
# A second version of one id, so a rebuilt registration has something to order.
assert_eq "$(push_nupkg "$(make_nupkg "$pkgs" Cat.P1 2.0.0 8)")" 201 "push Cat.P1 2.0.0"

# garble FILE OFFSET BYTES: overwrite part of FILE with random bytes.
garble() {
	head -c "$3" /dev/urandom | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}

# check_all_back WHAT: every package is served byte for byte, found by search, and the
# catalogue matches the directory; a new push works with the old admin key.
n=0
check_all_back() {
	local id
	for id in "${ids[@]}"; do
		assert_served_as "$pkgs/$id.1.0.0.nupkg" "$id" 1.0.0
	done
	assert_served_as "$pkgs/Cat.P1.2.0.0.nupkg" Cat.P1 2.0.0
	assert_catalogue_matches_disk "${ids[@]}"
	assert_status 200 "$BASE_URL/v3/search?q=cat&take=100"
	assert_contains "$(cat "$E2E_TMP/last-body")" "\"totalHits\":$((${#ids[@]}))" "search after: $1"
	n=$((n + 1))
	ids+=("Cat.New$n")
	assert_eq "$(push_nupkg "$(make_nupkg "$pkgs" "Cat.New$n" 1.0.0)")" 201 "push after: $1"
	pass "$1: all ${#ids[@]} packages served, found and catalogued; pushes work"
}

# restart_after WHAT DAMAGE-COMMAND...: stop, damage, start, wait for the re-index.
restart_after() {
	local what=$1
	shift
	stop_server "$SERVER_PID"
	"$@"
	start_on "$data"
	wait_ready
	grep -q 'msg="re-index finished".* failed=0' "$SERVER_LOG" || fail "$what: the re-index did not finish cleanly"
}

delete_catalogue() { rm -f "$data"/catalog.db "$data"/catalog.db-wal "$data"/catalog.db-shm; }
restart_after "catalogue deleted" delete_catalogue
check_all_back "catalogue deleted"

for where in header pages; do
	: >"$SERVER_LOG"
	if [[ $where == header ]]; then
		restart_after "garbage over the catalogue's header" garble "$data/catalog.db" 0 4096
	else
		size=$(stat -c %s "$data/catalog.db")
		restart_after "garbage over the catalogue's pages" garble "$data/catalog.db" $((size / 2)) 8192
	fi
	line=$(grep 'the catalogue was corrupt' "$SERVER_LOG") || fail "no log line about the corrupt catalogue ($where)"
	echo "log: ${line:0:250}"
	aside=$(find "$data" -maxdepth 1 -name 'catalog.db.corrupt-*' | wc -l)
	((aside >= 1)) || fail "the corrupt catalogue was not kept aside"
	check_all_back "garbage over the catalogue's $where"
done

: >"$SERVER_LOG"
# Over both meta pages of root.bolt, so bleve always refuses the file. Garbage further in
# could land on free pages and damage nothing, and that made this step fail now and then.
# Either line is right: a panic in bleve's readers sets the folder aside ("was corrupt"),
# an open error replaces it ("could not be opened").
restart_after "garbage over the search index" garble "$data/search/store/root.bolt" 0 16384
line=$(grep -E 'the search index (was corrupt|could not be opened)' "$SERVER_LOG") || fail "no log line about the damaged search index"
echo "log: ${line:0:250}"
check_all_back "garbage over the search index"

delete_search() { rm -rf "$data/search"; }
restart_after "search index deleted" delete_search
check_all_back "search index deleted"

# Keys live in keys.db, apart from both caches: the admin key made at the first start
# still works (every push above used it).
pass "keys.db was never touched: the first start's admin key still pushes"
