#!/usr/bin/env bash
# 81-fault-sigkill: SIGKILL the real server while four curl clients push concurrently, twice;
# after each restart on the same data folder every acknowledged (201) package downloads
# byte-identical, the catalogue matches the files on disk, no temporary file is left and the
# re-index found nothing unreadable (no partial package was visible).
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=faultlib.sh
source "$(dirname "$0")/faultlib.sh"

loops=4
per_loop=40
pkgs=$E2E_TMP/pkgs
acks=$E2E_TMP/acks
mkdir -p "$pkgs" "$acks"

# Sizes from 8 KiB to 2 MiB, so a kill lands mid-upload, mid-fsync or mid-catalogue.
echo "building $((2 * loops * per_loop)) packages"
for round in 1 2; do
	for l in $(seq 1 $loops); do
		for j in $(seq 1 $per_loop); do
			make_nupkg "$pkgs" "Kill.R$round.L$l.P$j" 1.0.0 $(((j * 37 % 7 + 1) * (j % 3 == 0 ? 256 : 8))) >/dev/null
		done
	done
done

# pusher ROUND LOOP: pushes its packages in order, noting each 201; stops at the first
# failed connection (the server is gone).
pusher() {
	local round=$1 l=$2 j code id
	for j in $(seq 1 $per_loop); do
		id=Kill.R$round.L$l.P$j
		code=$(push_nupkg "$pkgs/$id.1.0.0.nupkg")
		case $code in
		201) echo "$id" >>"$acks/r$round-l$l" ;;
		000 | 100) return 0 ;; # 100: the server died after "100 Continue"
		*) echo "push $id: unexpected status $code" >>"$acks/errors" ;;
		esac
	done
}

acked_count() { cat "$acks"/r* 2>/dev/null | wc -l; }

start_server
data=$SERVER_DATA
for round in 1 2; do
	pids=()
	for l in $(seq 1 $loops); do
		pusher "$round" "$l" &
		pids+=($!)
	done
	# Kill once a fair number are acknowledged, while the rest are in flight.
	want=$((round * loops * per_loop / 3))
	for _ in $(seq 1 300); do
		(($(acked_count) >= want)) && break
		sleep 0.05
	done
	kill_server
	for p in "${pids[@]}"; do wait "$p" || true; done
	[[ ! -s $acks/errors ]] || fail "pushes failed before the kill: $(head -3 "$acks/errors")"
	total=$(acked_count)
	((total >= want)) || fail "round $round: only $total pushes acknowledged before the kill"
	echo "round $round: killed with SIGKILL after $total acknowledged pushes in all"

	start_on "$data"
	wait_ready
	grep -q 'msg="re-index finished".* failed=0' "$SERVER_LOG" ||
		fail "the re-index after the kill did not finish cleanly: $(grep 're-index' "$SERVER_LOG" | tail -2)"

	# Every acknowledged package, byte for byte.
	while read -r id; do
		assert_served_as "$pkgs/$id.1.0.0.nupkg" "$id" 1.0.0
	done < <(cat "$acks"/r*)
	# Every id this test touched: the catalogue serves exactly what is on disk, and a file
	# on disk is one whole package.
	ids=()
	for r in 1 2; do for l in $(seq 1 $loops); do for j in $(seq 1 $per_loop); do ids+=("Kill.R$r.L$l.P$j"); done; done; done
	assert_catalogue_matches_disk "${ids[@]}"
	while read -r f; do
		unzip -tq "$f" >/dev/null || fail "a stored package is not a whole zip: $f"
	done < <(find "$data/packages/spaces-1/nuget" -name '*.nupkg')
	assert_no_temp_files
	on_disk=$(find "$data/packages/spaces-1/nuget" -name '*.nupkg' | wc -l)
	pass "round $round: $(acked_count) acknowledged pushes all served byte-identical; $on_disk packages on disk, all catalogued"
done

assert_status 200 "$BASE_URL/healthz"
code=$(push_nupkg "$(make_nupkg "$pkgs" Kill.After 1.0.0)")
assert_eq "$code" 201 "push after two kills"
pass "the server still takes pushes after two SIGKILLs"
